import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { Alert, Button, Card, Descriptions, Form, Input, Modal, Space, Spin, Timeline, Typography } from 'antd';
import { api } from '../../api/api-client';
import type { RightsRequest } from '../../api/types';
import { describeError } from '../../api/problem-messages';
import { useI18n } from '../../i18n/i18n';
import { requestTypeLabel, statusLabel } from '../../i18n/labels';
import { useSession } from '../../session/session';
import { hasAnyRole } from '../../session/jwt';
import { plain } from '../customers/field-value';
import { dueTag } from './rights-queue-page';

type Action = 'verify' | 'reject' | 'extend';
const OPEN = ['received', 'verified', 'in_progress'];

/** One rights request: its details and history, and the steps the officer may take next. */
export default function RightsRequestPage() {
  const { requestId = '' } = useParams();
  const { t, lang } = useI18n();
  const { user } = useSession();
  const [request, setRequest] = useState<RightsRequest | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [action, setAction] = useState<Action | undefined>();
  const [busy, setBusy] = useState(false);
  const officer = hasAnyRole(user, ['compliance_officer']);

  const load = useCallback(() => {
    api
      .get<RightsRequest>(`/v1/rights-requests/${requestId}`)
      .then(setRequest)
      .catch((caught: unknown) => setError(describeError(caught, lang)));
  }, [requestId, lang]);
  useEffect(load, [load]);

  const act = async (path: string, body?: unknown) => {
    setBusy(true);
    setError(undefined);
    try {
      const { data } = await api.request<RightsRequest>(path, { method: 'POST', body: body ?? {} });
      setRequest(data);
      setAction(undefined);
    } catch (caught) {
      setError(describeError(caught, lang));
    } finally {
      setBusy(false);
    }
  };

  if (!request) return error ? <Alert type="error" showIcon title={error} role="alert" /> : <Spin />;
  const base = `/v1/rights-requests/${requestId}`;
  const open = OPEN.includes(request.status);
  const at = (iso?: string) => (iso ? new Date(iso).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB') : '');
  return (
    <>
      <Typography.Title level={2}>
        {t('rights.request')} · {requestTypeLabel(request.type, lang)}
      </Typography.Title>
      <Card>
        <Descriptions column={{ xs: 1, md: 2 }} bordered size="small">
          <Descriptions.Item label={t('field.status')}>{statusLabel(request.status, lang)}</Descriptions.Item>
          <Descriptions.Item label={t('rights.due')}>
            <Space>
              {at(request.dueAt)}
              {dueTag(request, t)}
            </Space>
          </Descriptions.Item>
          <Descriptions.Item label={t('rights.received')}>{at(request.receivedAt)}</Descriptions.Item>
          <Descriptions.Item label={t('rights.subject')}>
            <Link to={`/customers/${request.subjectId}`}>{request.subjectId}</Link>
          </Descriptions.Item>
          {request.details && Object.keys(request.details).length > 0 && <Descriptions.Item label={t('rights.details')}>{plain(request.details)}</Descriptions.Item>}
          {request.rejection && <Descriptions.Item label={t('rights.rejection')}>{`${request.rejection.reasonCode}: ${request.rejection.reason}`}</Descriptions.Item>}
          {request.result && <Descriptions.Item label={t('rights.result')}>{plain(request.result)}</Descriptions.Item>}
        </Descriptions>
        {error && <Alert type="error" showIcon title={error} role="alert" style={{ marginTop: 16 }} />}
        {open && (
          <Space wrap style={{ marginTop: 16 }}>
            {request.status === 'received' && <Button onClick={() => setAction('verify')}>{t('rights.verify')}</Button>}
            {officer && request.status !== 'received' && (
              <Button type="primary" loading={busy} onClick={() => void act(`${base}/fulfil`)}>
                {t('rights.fulfil')}
              </Button>
            )}
            {officer && (
              <Button danger onClick={() => setAction('reject')}>
                {t('rights.reject')}
              </Button>
            )}
            {officer && !request.extended && <Button onClick={() => setAction('extend')}>{t('rights.extend')}</Button>}
          </Space>
        )}
      </Card>
      <Card title={t('rights.history')} style={{ marginTop: 16 }}>
        <Timeline
          items={request.history.map((entry) => ({
            content: [at(entry.at), entry.status ? statusLabel(entry.status, lang) : '', typeof entry.note === 'string' ? entry.note : ''].filter(Boolean).join(' · '),
          }))}
        />
      </Card>
      <Modal open={action !== undefined} title={action ? t(`rights.${action}`) : ''} footer={null} onCancel={() => setAction(undefined)} destroyOnHidden>
        <Form
          layout="vertical"
          onFinish={(values: Record<string, string>) =>
            void act(`${base}/${action}`, action === 'extend' ? { reason: values.reason, dueAt: new Date(values.dueAt).toISOString() } : values)
          }
        >
          {action === 'verify' && (
            <>
              <Form.Item name="method" label={t('rights.method')} initialValue="id_card_in_person" rules={[{ required: true, message: t('form.required') }]}>
                <Input />
              </Form.Item>
              <Form.Item name="evidenceRef" label={t('rights.evidence')}>
                <Input />
              </Form.Item>
            </>
          )}
          {action === 'reject' && (
            <>
              <Form.Item name="reasonCode" label={t('rights.reasonCode')} initialValue="manifestly_unfounded" rules={[{ required: true, message: t('form.required') }]}>
                <Input />
              </Form.Item>
              <Form.Item name="reason" label={t('rights.reason')} rules={[{ required: true, message: t('form.required') }]}>
                <Input.TextArea rows={3} />
              </Form.Item>
            </>
          )}
          {action === 'extend' && (
            <>
              <Form.Item name="dueAt" label={t('rights.newDue')} rules={[{ required: true, message: t('form.required') }]}>
                <Input type="date" />
              </Form.Item>
              <Form.Item name="reason" label={t('rights.reason')} rules={[{ required: true, message: t('form.required') }]}>
                <Input.TextArea rows={3} />
              </Form.Item>
            </>
          )}
          <Button type="primary" htmlType="submit" loading={busy}>
            {t('form.confirm')}
          </Button>
        </Form>
      </Modal>
    </>
  );
}
