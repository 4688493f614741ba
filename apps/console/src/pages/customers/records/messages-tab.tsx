import { useCallback, useState } from 'react';
import { Alert, App, Button, Table, Tag, Typography } from 'antd';
import { api } from '../../../api/api-client';
import { useI18n } from '../../../i18n/i18n';
import type { MessageKey } from '../../../i18n/messages';
import { useLoad, when } from '../customer-file-tabs';
import { channelKey } from './follow-up-parts';
import type { RecordTabProps } from './record-tab';
import { usePurpose } from '../../../session/purpose';
import { MessageForm } from './message-form';

interface SentMessage {
  messageId: string;
  kind: string;
  channel: string;
  status: string;
  attempts: number;
  lastError: string | null;
  queuedAt: string;
  closedAt: string | null;
  /** Opened (a recorded read); "[erased]" once the customer's key is shredded. */
  recipient: { to?: string } | string;
  content: { subject?: string; body?: string } | string;
}

const STATUS_COLOURS: Record<string, string> = { queued: 'blue', sent: 'green', failed: 'red', cancelled: 'default' };

/**
 * The messages the centre sent or queued to the customer (service_interactions; a recorded read), newest first, with
 * their delivery state; and, for a role that writes the category, a form to write one (queued through the outbox).
 */
export function MessagesTab({ subjectId, mayWrite, breakGlass }: RecordTabProps) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const { purpose } = usePurpose();
  const [writing, setWriting] = useState(false);
  const load = useCallback(() => api.get<{ items: SentMessage[] }>(`/v1/subjects/${subjectId}/messages`, { personalData: true, breakGlass }), [subjectId, breakGlass]);
  const { data, error, reload } = useLoad(load);
  return (
    <>
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 12 }} />}
      {mayWrite && purpose && (
        <Button type="primary" onClick={() => setWriting(true)} style={{ marginBottom: 12 }}>
          {t('messages.write')}
        </Button>
      )}
      {writing && purpose && (
        <MessageForm
          subjectId={subjectId}
          purposeId={purpose.id}
          breakGlass={breakGlass}
          onClose={(queued) => {
            setWriting(false);
            if (!queued) return;
            void message.success(t('messages.queued'));
            reload();
          }}
        />
      )}
      <Table<SentMessage>
        data-testid="messages"
        rowKey="messageId"
        size="small"
        loading={!data && !error}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        scroll={{ x: 'max-content' }}
        dataSource={data?.items ?? []}
        locale={{ emptyText: <Typography.Text type="secondary">{t('messages.none')}</Typography.Text> }}
        expandable={{
          expandedRowRender: (row) =>
            typeof row.content === 'string' ? row.content : <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{row.content.body}</Typography.Paragraph>,
        }}
        columns={[
          { title: t('messages.queuedAt'), dataIndex: 'queuedAt', render: (at: string) => when(at, lang) },
          { title: t('messages.kind'), dataIndex: 'kind', render: (kind: string) => t(`messages.kind.${kind}` as MessageKey) },
          { title: t('messages.channel'), dataIndex: 'channel', render: (channel: string) => t(channelKey(channel)) },
          { title: t('messages.recipient'), dataIndex: 'recipient', render: (recipient: SentMessage['recipient']) => (typeof recipient === 'string' ? recipient : recipient.to) },
          { title: t('messages.subject'), dataIndex: 'content', render: (content: SentMessage['content']) => (typeof content === 'string' ? content : content.subject) },
          {
            title: t('messages.status'),
            key: 'status',
            render: (_, row) => (
              <>
                <Tag color={STATUS_COLOURS[row.status]}>{t(`messages.status.${row.status}` as MessageKey)}</Tag>
                {row.lastError && <Typography.Text type="secondary">{row.lastError}</Typography.Text>}
              </>
            ),
          },
          { title: t('messages.attempts'), dataIndex: 'attempts' },
        ]}
      />
    </>
  );
}
