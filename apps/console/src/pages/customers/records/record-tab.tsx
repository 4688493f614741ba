import type { ReactNode } from 'react';
import { Alert } from 'antd';
import dayjs from 'dayjs';
import type { BreakGlass } from '../../../api/api-client';
import { useI18n } from '../../../i18n/i18n';
import { categoryLabel } from '../../../i18n/labels';
import { usePurpose } from '../../../session/purpose';

/** What every record tab of the customer file is given. */
export interface RecordTabProps {
  subjectId: string;
  /** The person's roles may write the record's category: the forms are offered. */
  mayWrite: boolean;
  /** Break-glass the file was opened with: sent on this tab's reads and writes too. */
  breakGlass?: BreakGlass;
  /** The record the address names (a visit, a task), if any. */
  itemId?: string;
  /** Puts a record's id in the address (or takes it out), so a reload or a link shows the same record. */
  openItem: (itemId: string | undefined) => void;
}

/** The form's date input gives YYYY-MM-DD: today's, in the browser, as the default. */
export function today(): string {
  return dayjs().format('YYYY-MM-DD');
}

/**
 * Shows a record tab only when the chosen purpose covers its category (the timeline: one of its categories the
 * person reads): otherwise it says so in plain words and reads nothing (the API would refuse the read, but it
 * should not be asked).
 */
export function PurposeCovers({ categories, children }: { categories: readonly string[]; children: ReactNode }) {
  const { t, lang } = useI18n();
  const { purpose } = usePurpose();
  if (purpose && !categories.some((category) => purpose.categories.includes(category))) {
    const names = categories.map((category) => categoryLabel(category, lang)).join(lang === 'zh' ? '、' : ', ');
    return <Alert type="info" showIcon role="status" title={t('records.purposeMissing', { purpose: purpose.name, category: names })} />;
  }
  return <>{children}</>;
}
