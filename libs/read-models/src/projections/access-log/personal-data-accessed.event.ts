/**
 * A read of a subject's PI (PIPL Art. 51; pipl-requirements 16): who, whose, what, why, when.
 * Category and field names only, never values. Appended to the subject's access stream, not its
 * data stream, so that reading a subject never changes its version (ETag).
 */
export interface PersonalDataAccessed {
  type: 'PersonalDataAccessed';
  data: {
    subjectId: string;
    actor: string;
    roles: string[];
    /** null: the data subject reading its own record, which needs no purpose. */
    purposeId: string | null;
    /** Categories whose values were returned. */
    categories: string[];
    /** Fields shown unmasked on request (`?reveal=`), as `category.field`. */
    revealed: string[];
    accessedAt: string;
    via:
      | 'profile'
      | 'search'
      | 'query'
      | 'export'
      | 'history'
      | 'breach-response'
      | 'checkups'
      | 'service-records'
      | 'follow-ups'
      | 'orders'
      | 'timeline'
      | 'complaints'
      | 'messages'
      | 'surveys'
      | 'duplicates'
      | 'bulk-export'
      /** A merge opened the duplicate's file and records to seal them again under the survivor's keys. */
      | 'merge';
    /** Why values were revealed in a compliance audit (a code of a closed list, never free text). */
    revealReason?: string;
    /** The bulk export (POST /v1/exports) whose file held this customer's row. */
    exportId?: string;
    /** The break-glass reason code, when the read reached a customer outside the reader's assignment (never the note). */
    breakGlass?: string;
  };
}

export const PERSONAL_DATA_ACCESSED = 'PersonalDataAccessed';

export const accessStream = (subjectId: string) => `access-${subjectId}`;
