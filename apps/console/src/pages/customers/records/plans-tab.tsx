import { useCallback, useState } from 'react';
import { Alert, App, Button, Form, Input, InputNumber, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { plain } from '../field-value';
import { api, type BreakGlass } from '../../../api/api-client';
import { describeError } from '../../../api/problem-messages';
import { useI18n } from '../../../i18n/i18n';
import type { MessageKey } from '../../../i18n/messages';
import { usePurpose } from '../../../session/purpose';
import { useSession } from '../../../session/session';
import { useLoad } from '../customer-file-tabs';
import { channelKey, FOLLOW_UP_CHANNELS, StaffRef } from './follow-up-parts';
import { today, type RecordTabProps } from './record-tab';
import { DateField, RecordFormModal } from './record-form';

interface Plan {
  planId: string;
  status: 'active' | 'paused' | 'ended';
  schedule: { every: number; unit: 'days' | 'weeks' | 'months'; startDate: string; endDate?: string | null; occurrences?: number | null; leadDays?: number };
  channel: string;
  assignee: string | null;
  reason: unknown;
  nextDueDate: string | null;
  version: number;
}

const STATUS_COLOURS = { active: 'green', paused: 'orange', ended: 'default' };

/** The customer's recurring follow-up plans (随访计划, service_interactions; a recorded read): schedule, next due date, and pause / resume / end. */
export function PlansTab({ subjectId, mayWrite, breakGlass }: RecordTabProps) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const { purpose } = usePurpose();
  const { user } = useSession();
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const load = useCallback(() => api.get<{ items: Plan[] }>(`/v1/subjects/${subjectId}/follow-up-plans`, { personalData: true, breakGlass }), [subjectId, breakGlass]);
  const { data, error: loadError, reload } = useLoad(load);
  const act = async (plan: Plan, action: 'pause' | 'resume' | 'end') => {
    setError(undefined);
    try {
      await api.request(`/v1/follow-up-plans/${plan.planId}/${action}`, {
        method: 'POST',
        body: action === 'resume' && purpose ? { purposeId: purpose.id } : {},
        ifMatch: plan.version,
        personalData: action === 'resume',
        breakGlass,
      });
      void message.success(t('records.saved'));
    } catch (caught) {
      setError(describeError(caught, lang));
    }
    reload();
  };
  const schedule = (plan: Plan) =>
    `${t('plans.every')} ${plan.schedule.every} ${t(`plans.unit.${plan.schedule.unit}`)} · ${plan.schedule.startDate}${plan.schedule.endDate ? ` – ${plan.schedule.endDate}` : ''}${
      plan.schedule.occurrences ? ` · ${plan.schedule.occurrences}×` : ''
    }`;
  return (
    <>
      {(error ?? loadError) && <Alert type="error" showIcon role="alert" title={error ?? loadError} style={{ marginBottom: 12 }} />}
      {mayWrite && purpose && (
        <Button type="primary" onClick={() => setCreating(true)} style={{ marginBottom: 12 }}>
          {t('plans.new')}
        </Button>
      )}
      <Table<Plan>
        data-testid="follow-up-plans"
        rowKey="planId"
        size="small"
        loading={!data && !loadError}
        pagination={false}
        scroll={{ x: 'max-content' }}
        dataSource={data?.items ?? []}
        locale={{ emptyText: <Typography.Text type="secondary">{t('plans.none')}</Typography.Text> }}
        columns={[
          { title: t('plans.reason'), dataIndex: 'reason', render: (reason: unknown) => plain(reason) },
          { title: t('plans.schedule'), key: 'schedule', render: (_, plan) => schedule(plan) },
          { title: t('followUps.channel'), dataIndex: 'channel', render: (channel: string) => t(channelKey(channel)) },
          { title: t('plans.next'), dataIndex: 'nextDueDate', render: (date: string | null) => date ?? '—' },
          { title: t('followUps.assignee'), dataIndex: 'assignee', render: (id: string | null) => <StaffRef id={id} me={user?.id} /> },
          {
            title: t('plans.status'),
            dataIndex: 'status',
            render: (status: Plan['status']) => <Tag color={STATUS_COLOURS[status]}>{t(`plans.status.${status}` as MessageKey)}</Tag>,
          },
          ...(mayWrite
            ? [
                {
                  title: '',
                  key: 'actions',
                  render: (_: unknown, plan: Plan) =>
                    plan.status === 'ended' ? null : (
                      <Space size={4}>
                        {plan.status === 'active' ? (
                          <Button size="small" onClick={() => void act(plan, 'pause')}>
                            {t('plans.pause')}
                          </Button>
                        ) : (
                          <Button size="small" onClick={() => void act(plan, 'resume')}>
                            {t('plans.resume')}
                          </Button>
                        )}
                        <Popconfirm title={t('plans.endConfirm')} onConfirm={() => void act(plan, 'end')}>
                          <Button size="small" danger>
                            {t('plans.end')}
                          </Button>
                        </Popconfirm>
                      </Space>
                    ),
                },
              ]
            : []),
        ]}
      />
      {creating && purpose && (
        <PlanForm
          subjectId={subjectId}
          purposeId={purpose.id}
          breakGlass={breakGlass}
          onClose={(saved) => {
            setCreating(false);
            if (!saved) return;
            void message.success(t('records.saved'));
            reload();
          }}
        />
      )}
    </>
  );
}

interface PlanValues {
  every: number;
  unit: string;
  startDate: string;
  endDate?: string;
  occurrences?: number;
  leadDays?: number;
  channel: string;
  reason: string;
}

function PlanForm({ subjectId, purposeId, breakGlass, onClose }: { subjectId: string; purposeId: string; breakGlass?: BreakGlass; onClose: (saved?: unknown) => void }) {
  const { t } = useI18n();
  const send = (values: PlanValues) =>
    api.request(`/v1/subjects/${subjectId}/follow-up-plans`, {
      method: 'POST',
      body: { ...values, endDate: values.endDate || undefined, reason: values.reason.trim(), purposeId },
      personalData: true,
      breakGlass,
    });
  return (
    <RecordFormModal<PlanValues, unknown>
      title={t('plans.new')}
      width={600}
      initialValues={{ every: 3, unit: 'months', startDate: today(), leadDays: 0, channel: 'phone' }}
      send={send}
      onClose={onClose}
    >
      <Space wrap align="start">
        <Form.Item name="every" label={t('plans.every')} rules={[{ required: true, message: t('form.required') }]}>
          <InputNumber min={1} max={366} precision={0} style={{ width: 90 }} />
        </Form.Item>
        <Form.Item name="unit" label={t('plans.schedule')}>
          <Select
            style={{ width: 100 }}
            aria-label={t('plans.schedule')}
            options={(['days', 'weeks', 'months'] as const).map((value) => ({ value, label: t(`plans.unit.${value}`) }))}
          />
        </Form.Item>
        <DateField name="startDate" label={t('plans.startDate')} />
        <Form.Item name="endDate" label={t('plans.endDate')}>
          <Input type="date" style={{ width: 170 }} />
        </Form.Item>
      </Space>
      <Space wrap align="start">
        <Form.Item name="occurrences" label={t('plans.occurrences')}>
          <InputNumber min={1} max={1000} precision={0} style={{ width: 110 }} />
        </Form.Item>
        <Form.Item name="leadDays" label={t('plans.leadDays')}>
          <InputNumber min={0} max={90} precision={0} style={{ width: 110 }} />
        </Form.Item>
        <Form.Item name="channel" label={t('followUps.channel')}>
          <Select style={{ width: 140 }} aria-label={t('followUps.channel')} options={FOLLOW_UP_CHANNELS.map((value) => ({ value, label: t(channelKey(value)) }))} />
        </Form.Item>
      </Space>
      <Form.Item name="reason" label={t('plans.reason')} rules={[{ required: true, whitespace: true, message: t('form.required') }]}>
        <Input.TextArea rows={2} maxLength={2000} />
      </Form.Item>
    </RecordFormModal>
  );
}
