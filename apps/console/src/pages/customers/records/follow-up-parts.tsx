import { Space, Tag, Typography } from 'antd';
import type { FollowUpTask } from '../../../api/types';
import { useI18n } from '../../../i18n/i18n';
import type { MessageKey } from '../../../i18n/messages';

export const FOLLOW_UP_CHANNELS = ['phone', 'sms', 'wechat', 'email', 'visit', 'other'] as const;

export const channelKey = (channel: string) => `followUps.channel.${channel}` as MessageKey;

/** The due date, and "overdue" in red as the API judges it (the ledger's date in China, not this browser's). */
export function DueDate({ task }: { task: Pick<FollowUpTask, 'dueDate' | 'overdue'> }) {
  const { t } = useI18n();
  return (
    <Space size={4}>
      <Typography.Text type={task.overdue ? 'danger' : undefined} strong={task.overdue}>
        {task.dueDate}
      </Typography.Text>
      {task.overdue && (
        <Tag color="red" data-overdue="true">
          {t('followUps.overdue')}
        </Tag>
      )}
    </Space>
  );
}

export function StatusTag({ status }: { status: FollowUpTask['status'] }) {
  const { t } = useI18n();
  return <Tag color={status === 'open' ? 'blue' : status === 'done' ? 'green' : 'default'}>{t(`followUps.status.${status}`)}</Tag>;
}

export function SourceText({ source }: { source: FollowUpTask['source'] }) {
  const { t } = useI18n();
  return source.kind === 'checkup' ? <Tag color="volcano">{t('followUps.source.checkup')}</Tag> : <>{t('followUps.source.manual')}</>;
}

/** A staff account as the person sees it: "me", or the start of its id (the API gives ids, not names). */
export function StaffRef({ id, me }: { id: string | null; me: string | undefined }) {
  const { t } = useI18n();
  if (!id) return null;
  return id === me ? <Tag>{t('records.me')}</Tag> : <Typography.Text code>{id.slice(0, 12)}</Typography.Text>;
}
