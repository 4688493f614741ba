import { ADMIN_EN, ADMIN_ZH } from './admin-messages';
import { MESSAGES } from './messages';
import { MERGE_EXPORT_EN, MERGE_EXPORT_ZH } from './merge-export-messages';
import { FORMS_EN, FORMS_ZH } from './forms-messages';

/**
 * Adds the admin, ops, compliance and import pages' words to MESSAGES. Imported (for this effect) by the
 * signed-in frame's menus and by those pages, which load lazily: the words stay out of the sign-in route's script.
 */
Object.assign(MESSAGES.zh, ADMIN_ZH);
Object.assign(MESSAGES.en, ADMIN_EN);
// the merge screen's and the bulk export's, loaded with the menus likewise
Object.assign(MESSAGES.zh, MERGE_EXPORT_ZH);
Object.assign(MESSAGES.en, MERGE_EXPORT_EN);
// the record forms' (orders, messages, surveys) and the incident and assessment forms', likewise
Object.assign(MESSAGES.zh, FORMS_ZH);
Object.assign(MESSAGES.en, FORMS_EN);
