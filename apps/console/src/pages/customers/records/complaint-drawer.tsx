import { useState } from 'react';
import { Alert, App, Button, Descriptions, Drawer, Form, Input, Rate, Space, Spin, Timeline, Typography } from 'antd';
import { api, type BreakGlass } from '../../../api/api-client';
import { useI18n } from '../../../i18n/i18n';
import type { MessageKey } from '../../../i18n/messages';
import { usePurpose } from '../../../session/purpose';
import { useSession } from '../../../session/session';
import { when } from '../customer-file-tabs';
import { StaffRef } from './follow-up-parts';
import { useRecordStep } from './record-form';
import { ComplaintDeadlines, complaintKey, ComplaintStatusTag, SeverityTag, type ComplaintItem, type ComplaintStep } from './complaint-parts';

type Detail = ComplaintItem & { history: ComplaintStep[] };
/** A step that takes a text (and the purpose it is written under). */
type TextStep = 'notes' | 'reply' | 'reopen' | 'escalate';

const TEXT_LABEL: Record<TextStep, MessageKey> = {
  notes: 'complaints.noteText',
  reply: 'complaints.reply',
  reopen: 'complaints.reopenReason',
  escalate: 'complaints.escalateReason',
};
/** When and by whom a step was taken: each event names them after its verb (receivedAt/receivedBy, assignedAt/assignedBy, …). */
const VERBS = ['received', 'assigned', 'started', 'noted', 'replied', 'closed', 'reopened', 'escalated'];
const stepFact = (entry: ComplaintStep, suffix: 'At' | 'By') => VERBS.map((verb) => entry[`${verb}${suffix}`]).find((value): value is string => typeof value === 'string');
const TEXT_ACTION: Record<TextStep, MessageKey> = { notes: 'complaints.note', reply: 'complaints.replyAction', reopen: 'complaints.reopen', escalate: 'complaints.escalate' };

/**
 * One complaint: its texts, deadlines and every step so far, and the steps its status allows now.
 * Each step is sent with If-Match (the version shown); when someone else moved the complaint first
 * (412, or 409 for a step no longer allowed) it says so and shows the complaint as it is now.
 */
export function ComplaintDrawer({
  subjectId,
  complaintId,
  mayWrite,
  breakGlass,
  onClose,
  onChanged,
}: {
  subjectId: string;
  complaintId: string;
  mayWrite: boolean;
  breakGlass?: BreakGlass;
  onClose: () => void;
  onChanged: () => void;
}) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const { purpose } = usePurpose();
  const { user } = useSession();
  const [writing, setWriting] = useState<TextStep | 'close' | 'assign' | undefined>();
  const [form] = Form.useForm();
  const {
    shown: detail,
    loadError: error,
    error: stepError,
    moved,
    busy,
    run,
  } = useRecordStep<Detail>(
    `/v1/subjects/${subjectId}/complaints/${complaintId}`,
    breakGlass,
    ['complaint-invalid-transition'],
    (now) => t('complaints.moved', { status: now ? t(complaintKey('status', now.status)) : '' }),
    () => {
      setWriting(undefined);
      onChanged();
    },
  );
  const step = async (path: string, body: Record<string, unknown> | undefined) => {
    if (!detail) return;
    const send = () =>
      api.request(`/v1/complaints/${complaintId}/${path}`, { method: 'POST', body: body ?? {}, ifMatch: detail.version, personalData: body?.purposeId !== undefined, breakGlass });
    await run(send, () => {
      form.resetFields();
      void message.success(t('complaints.done.saved'));
    });
  };

  const complaint = detail?.data;
  const status = complaint?.status;
  const open = status !== undefined && status !== 'closed';
  const purposeId = purpose?.id;
  const textSteps: TextStep[] = [
    ...(open && status !== 'replied' ? (['notes'] as const) : []),
    ...(status === 'in_progress' ? (['reply'] as const) : []),
    ...(status === 'replied' || status === 'closed' ? (['reopen'] as const) : []),
    ...(open ? (['escalate'] as const) : []),
  ];

  return (
    <Drawer open title={t('complaints.detail')} onClose={onClose} size={640} data-testid="complaint-drawer" destroyOnHidden>
      {(error ?? stepError) && <Alert type="error" showIcon role="alert" title={error ?? stepError} style={{ marginBottom: 12 }} />}
      {moved && <Alert type="warning" showIcon role="status" title={moved} style={{ marginBottom: 12 }} />}
      {!complaint ? (
        !error && <Spin />
      ) : (
        <>
          <Descriptions column={1} bordered size="small">
            <Descriptions.Item label={t('complaints.status')}>
              <ComplaintStatusTag status={complaint.status} />
            </Descriptions.Item>
            <Descriptions.Item label={t('complaints.severity')}>
              <SeverityTag severity={complaint.severity} />
            </Descriptions.Item>
            <Descriptions.Item label={t('complaints.channel')}>{t(complaintKey('channel', complaint.channel))}</Descriptions.Item>
            <Descriptions.Item label={t('complaints.category')}>{t(complaintKey('category', complaint.category))}</Descriptions.Item>
            <Descriptions.Item label={t('complaints.receivedAt')}>{when(complaint.receivedAt, lang)}</Descriptions.Item>
            <Descriptions.Item label={t('complaints.handler')}>
              <StaffRef id={complaint.handler} me={user?.id} />
            </Descriptions.Item>
            <Descriptions.Item label={t('complaints.resolutionDue')}>
              <ComplaintDeadlines complaint={complaint} />
            </Descriptions.Item>
            <Descriptions.Item label={t('complaints.description')}>{complaint.description}</Descriptions.Item>
            {complaint.reply && <Descriptions.Item label={t('complaints.reply')}>{complaint.reply}</Descriptions.Item>}
            {complaint.satisfaction != null && (
              <Descriptions.Item label={t('complaints.satisfaction')}>
                <Rate disabled value={complaint.satisfaction} aria-label={t('complaints.satisfaction')} />
              </Descriptions.Item>
            )}
          </Descriptions>

          {mayWrite && (
            <Space wrap style={{ marginTop: 16 }}>
              {open && status !== 'replied' && (
                <Button loading={busy} onClick={() => void step('assign', { handler: user?.id })} disabled={complaint.handler === user?.id}>
                  {t('complaints.assignToMe')}
                </Button>
              )}
              {open && status !== 'replied' && <Button onClick={() => setWriting('assign')}>{t('complaints.assign')}</Button>}
              {status === 'assigned' && (
                <Button type="primary" loading={busy} onClick={() => void step('start', undefined)}>
                  {t('complaints.start')}
                </Button>
              )}
              {purposeId &&
                textSteps.map((name) => (
                  <Button key={name} type={name === 'reply' ? 'primary' : 'default'} danger={name === 'escalate'} onClick={() => setWriting(name)}>
                    {t(TEXT_ACTION[name])}
                  </Button>
                ))}
              {purposeId && status === 'replied' && (
                <Button type="primary" onClick={() => setWriting('close')}>
                  {t('complaints.close')}
                </Button>
              )}
            </Space>
          )}

          {writing && (
            <Form
              form={form}
              layout="vertical"
              style={{ marginTop: 16 }}
              data-testid="complaint-step"
              onFinish={(values: { text?: string; satisfaction?: number; handler?: string }) => {
                if (writing === 'assign') void step('assign', { handler: values.handler?.trim() });
                else if (writing === 'close') void step('close', { satisfaction: values.satisfaction || undefined, purposeId });
                else void step(writing, { ...(values.text?.trim() ? { [writing === 'escalate' ? 'reason' : 'text']: values.text.trim() } : {}), purposeId });
              }}
            >
              {writing === 'assign' ? (
                <Form.Item name="handler" label={t('complaints.handlerId')} rules={[{ required: true, whitespace: true, message: t('form.required') }]}>
                  <Input autoComplete="off" />
                </Form.Item>
              ) : writing === 'close' ? (
                <Form.Item name="satisfaction" label={t('complaints.closeSatisfaction')}>
                  <Rate aria-label={t('complaints.closeSatisfaction')} />
                </Form.Item>
              ) : (
                <Form.Item name="text" label={t(TEXT_LABEL[writing])} rules={writing === 'escalate' ? [] : [{ required: true, whitespace: true, message: t('form.required') }]}>
                  <Input.TextArea rows={3} maxLength={4000} />
                </Form.Item>
              )}
              <Space>
                <Button type="primary" htmlType="submit" loading={busy}>
                  {writing === 'assign' ? t('complaints.assign') : writing === 'close' ? t('complaints.close') : t(TEXT_ACTION[writing])}
                </Button>
                <Button onClick={() => setWriting(undefined)}>{t('form.cancel')}</Button>
              </Space>
            </Form>
          )}

          <Typography.Title level={4} style={{ marginTop: 24 }}>
            {t('complaints.history')}
          </Typography.Title>
          <Timeline
            items={complaint.history.map((entry, index) => ({
              key: index,
              content: (
                <>
                  <Typography.Text strong>{t(`complaints.step.${entry.type}` as MessageKey)}</Typography.Text>{' '}
                  <Typography.Text type="secondary">{when(stepFact(entry, 'At'), lang)}</Typography.Text> <StaffRef id={stepFact(entry, 'By') ?? null} me={user?.id} />
                  {typeof entry.note === 'string' && <div>{entry.note}</div>}
                  {typeof entry.reply === 'string' && <div>{entry.reply}</div>}
                  {typeof entry.reason === 'string' && <div>{entry.reason}</div>}
                  {typeof entry.satisfaction === 'number' && <Rate disabled value={entry.satisfaction} style={{ fontSize: 14 }} />}
                </>
              ),
            }))}
          />
        </>
      )}
    </Drawer>
  );
}
