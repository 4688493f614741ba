import { useEffect, useState } from 'react';
import { Space, Tag, Typography } from 'antd';
import { api } from '../../../api/api-client';
import { useI18n } from '../../../i18n/i18n';
import type { MessageKey } from '../../../i18n/messages';

/** A complaint as the queue and the customer's list give it (docs/api.md, "Complaints"). */
export interface ComplaintRow {
  complaintId: string;
  subjectId: string;
  channel: string;
  category: string;
  severity: string;
  status: 'received' | 'assigned' | 'in_progress' | 'replied' | 'closed';
  department: string | null;
  handler: string | null;
  receivedBy: string;
  receivedAt: string;
  replyDueAt: string;
  resolutionDueAt: string;
  repliedAt: string | null;
  closedAt: string | null;
  reopened: number;
  escalations: number;
  overdue: boolean;
}

/** The customer's list and the detail add the texts (opened: a recorded read), or say they are withheld. */
export interface ComplaintItem extends ComplaintRow {
  description?: string | null;
  reply?: string | null;
  satisfaction?: number | null;
  textWithheld?: boolean;
  holdsHealthData?: boolean;
}

export interface ComplaintStep {
  type: string;
  [fact: string]: unknown;
}

export const complaintKey = (group: 'status' | 'severity' | 'channel' | 'category', value: string) => `complaints.${group}.${value}` as MessageKey;

const SEVERITY_COLOURS: Record<string, string> = { low: 'default', medium: 'gold', high: 'orange', critical: 'red' };
const STATUS_COLOURS: Record<string, string> = { received: 'blue', assigned: 'geekblue', in_progress: 'purple', replied: 'cyan', closed: 'green' };

export function SeverityTag({ severity }: { severity: string }) {
  const { t } = useI18n();
  return <Tag color={SEVERITY_COLOURS[severity]}>{t(complaintKey('severity', severity))}</Tag>;
}

export function ComplaintStatusTag({ status }: { status: string }) {
  const { t } = useI18n();
  return <Tag color={STATUS_COLOURS[status]}>{t(complaintKey('status', status))}</Tag>;
}

/** Re-renders every `everyMs` with the ledger's time now (from its answers' Date header), not this browser's. */
export function useLedgerNow(everyMs = 30_000): number | undefined {
  const [now, setNow] = useState(() => api.ledgerNow());
  useEffect(() => {
    const timer = setInterval(() => setNow(api.ledgerNow()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** "2 天 3 小时", "45 分钟": the largest two units of a span. */
export function span(ms: number, lang: 'zh' | 'en'): string {
  const minutes = Math.max(1, Math.floor(Math.abs(ms) / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  const unit = lang === 'zh' ? { d: ' 天', h: ' 小时', m: ' 分钟' } : { d: 'd', h: 'h', m: 'min' };
  if (days > 0) return `${days}${unit.d}${hours > 0 ? ` ${hours}${unit.h}` : ''}`;
  if (hours > 0) return `${hours}${unit.h}${rest > 0 ? ` ${rest}${unit.m}` : ''}`;
  return `${rest}${unit.m}`;
}

/**
 * One deadline of a complaint, counting down from the ledger's time: the time left, or how late in
 * red; "done" once the step it waits for happened. Overdue as the API judges it wins over the count.
 */
export function DeadlineTimer({ dueAt, done, overdue }: { dueAt: string; done: boolean; overdue?: boolean }) {
  const { t, lang } = useI18n();
  const now = useLedgerNow();
  const due = new Date(dueAt);
  const shown = due.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  if (done) {
    return (
      <Space size={4}>
        <Typography.Text type="secondary">{shown}</Typography.Text>
        <Tag>{t('complaints.done')}</Tag>
      </Space>
    );
  }
  const left = now === undefined ? undefined : due.getTime() - now;
  const late = overdue === true || (left !== undefined && left < 0);
  return (
    <Space size={4} data-deadline={late ? 'late' : 'running'}>
      <Typography.Text type={late ? 'danger' : undefined} strong={late}>
        {shown}
      </Typography.Text>
      {left !== undefined && (
        <Tag color={late ? 'red' : left < 4 * 3600_000 ? 'orange' : 'blue'} role="timer">
          {left < 0 ? t('complaints.late', { time: span(left, lang) }) : late ? t('complaints.overdue') : t('complaints.left', { time: span(left, lang) })}
        </Tag>
      )}
    </Space>
  );
}

/** The two deadlines of a complaint: the reply (done once replied) and the resolution (done once closed). */
export function ComplaintDeadlines({ complaint }: { complaint: ComplaintRow }) {
  const { t, lang } = useI18n();
  const colon = lang === 'zh' ? '：' : ': ';
  const closed = complaint.status === 'closed';
  const replied = closed || complaint.status === 'replied';
  return (
    <Space orientation="vertical" size={2}>
      <span>
        <Typography.Text type="secondary">
          {t('complaints.replyDue')}
          {colon}
        </Typography.Text>
        <DeadlineTimer dueAt={complaint.replyDueAt} done={replied} />
      </span>
      <span>
        <Typography.Text type="secondary">
          {t('complaints.resolutionDue')}
          {colon}
        </Typography.Text>
        <DeadlineTimer dueAt={complaint.resolutionDueAt} done={closed} overdue={complaint.overdue && replied} />
      </span>
    </Space>
  );
}
