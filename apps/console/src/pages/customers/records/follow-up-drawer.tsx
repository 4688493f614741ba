import { useState } from 'react';
import { Alert, Button, Descriptions, Drawer, Form, Input, Space } from 'antd';
import { api, type BreakGlass } from '../../../api/api-client';
import type { FollowUpTask } from '../../../api/types';
import { describeError, isProblem } from '../../../api/problem-messages';
import { useI18n } from '../../../i18n/i18n';
import { useSession } from '../../../session/session';
import { when } from '../customer-file-tabs';
import { channelKey, DueDate, SourceText, StaffRef, StatusTag } from './follow-up-parts';

interface Props {
  task: FollowUpTask;
  mayWrite: boolean;
  purposeId: string | undefined;
  breakGlass?: BreakGlass;
  onShowVisit?: (visitId: string) => void;
  /** changed: the task was closed here, or found closed by someone else: the list is read again. */
  onClose: (changed: boolean) => void;
}

/** One follow-up task opened: what to follow up, and, while it is open, complete it with the outcome or cancel it with the reason. */
export function FollowUpDrawer({ task, mayWrite, purposeId, breakGlass, onShowVisit, onClose }: Props) {
  const { t, lang } = useI18n();
  const { user } = useSession();
  const [action, setAction] = useState<'complete' | 'cancel' | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [closedMeanwhile, setClosedMeanwhile] = useState(false);

  const submit = async ({ text }: { text: string }) => {
    if (!action || !purposeId) return;
    setBusy(true);
    setError(undefined);
    try {
      const body = action === 'complete' ? { outcome: text.trim(), purposeId } : { reason: text.trim(), purposeId };
      await api.request(`/v1/follow-ups/${task.taskId}/${action}`, { method: 'POST', body, personalData: true, breakGlass });
      onClose(true);
    } catch (caught) {
      // someone else closed it meanwhile: say so, and show its state as it is now
      if (isProblem(caught, 'follow-up-not-open')) setClosedMeanwhile(true);
      else setError(describeError(caught, lang));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Drawer open title={t('followUps.task')} size="min(560px, 100vw)" onClose={() => onClose(closedMeanwhile)} data-testid="follow-up-drawer">
      {closedMeanwhile && (
        <Alert
          type="warning"
          showIcon
          role="alert"
          title={t('followUps.closedMeanwhile')}
          action={<Button onClick={() => onClose(true)}>{t('followUps.showLatest')}</Button>}
          style={{ marginBottom: 16 }}
        />
      )}
      <Descriptions column={1} size="small" bordered>
        <Descriptions.Item label={t('followUps.status')}>
          <StatusTag status={task.status} />
        </Descriptions.Item>
        <Descriptions.Item label={t('followUps.due')}>
          <DueDate task={task} />
        </Descriptions.Item>
        <Descriptions.Item label={t('followUps.channel')}>{t(channelKey(task.channel))}</Descriptions.Item>
        <Descriptions.Item label={t('followUps.assignee')}>
          <StaffRef id={task.assignee} me={user?.id} />
        </Descriptions.Item>
        <Descriptions.Item label={t('followUps.source')}>
          <Space wrap>
            <SourceText source={task.source} />
            {task.source.kind === 'checkup' && onShowVisit && (
              <Button size="small" type="link" onClick={() => task.source.kind === 'checkup' && onShowVisit(task.source.visitId)}>
                {t('followUps.viewVisit')}
              </Button>
            )}
          </Space>
        </Descriptions.Item>
        <Descriptions.Item label={t('followUps.openedAt')}>{when(task.openedAt, lang)}</Descriptions.Item>
        {task.note !== undefined && <Descriptions.Item label={t('followUps.note')}>{task.note}</Descriptions.Item>}
        {task.outcome !== undefined && <Descriptions.Item label={t('followUps.outcome')}>{task.outcome}</Descriptions.Item>}
        {task.reason !== undefined && <Descriptions.Item label={t('followUps.reason')}>{task.reason}</Descriptions.Item>}
        {task.closedAt && <Descriptions.Item label={t('followUps.closedAt')}>{when(task.closedAt, lang)}</Descriptions.Item>}
      </Descriptions>
      {task.status === 'open' && mayWrite && purposeId && !closedMeanwhile && (
        <div style={{ marginTop: 16 }}>
          {!action ? (
            <Space wrap>
              <Button type="primary" onClick={() => setAction('complete')}>
                {t('followUps.complete')}
              </Button>
              <Button danger onClick={() => setAction('cancel')}>
                {t('followUps.cancel')}
              </Button>
            </Space>
          ) : (
            <Form layout="vertical" onFinish={(values: { text: string }) => void submit(values)}>
              <Form.Item
                name="text"
                label={action === 'complete' ? t('followUps.outcome') : t('followUps.reason')}
                rules={[{ required: true, whitespace: true, message: t('form.required') }]}
              >
                <Input.TextArea rows={3} maxLength={2000} autoFocus />
              </Form.Item>
              {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 16 }} />}
              <Space wrap>
                <Button type="primary" htmlType="submit" loading={busy} danger={action === 'cancel'}>
                  {action === 'complete' ? t('followUps.complete') : t('followUps.cancel')}
                </Button>
                <Button onClick={() => setAction(undefined)}>{t('form.cancel')}</Button>
              </Space>
            </Form>
          )}
        </div>
      )}
    </Drawer>
  );
}
