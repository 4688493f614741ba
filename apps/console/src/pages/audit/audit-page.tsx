import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Card, Descriptions, Space, Table, Tag, Typography } from 'antd';
import { api } from '../../api/api-client';
import type { AuditEvent, Page, TreeHead } from '../../api/types';
import { describeError } from '../../api/problem-messages';
import { useI18n } from '../../i18n/i18n';
import { useSession } from '../../session/session';
import { hasAnyRole } from '../../session/jwt';
import { fromHex, leafHash, rootFromInclusionProof, toHex, verifyTreeHead } from './merkle';

type Verdict = 'checking' | 'valid' | 'invalid';

interface InclusionProof {
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  auditPath: string[];
}

/**
 * The audit explorer: the latest signed tree head with its signature checked here, in the
 * browser, and for any event an inclusion proof recomputed here against that head.
 */
export default function AuditPage() {
  const { t, lang } = useI18n();
  const { user } = useSession();
  const [head, setHead] = useState<TreeHead | undefined>();
  const [headVerdict, setHeadVerdict] = useState<Verdict | undefined>();
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [proofs, setProofs] = useState<Record<string, Verdict>>({});
  const [error, setError] = useState<string | undefined>();

  const load = useCallback(async () => {
    try {
      const [latest, key, page] = await Promise.all([
        api.get<TreeHead>('/v1/audit/tree-heads/latest'),
        api.get<{ publicKeyPem: string }>('/v1/audit/public-key'),
        api.get<Page<AuditEvent>>('/v1/audit/events', { query: { limit: 50 } }),
      ]);
      setHead(latest);
      setEvents(page.items);
      setProofs({});
      setHeadVerdict('checking');
      setHeadVerdict((await verifyTreeHead(latest, key.publicKeyPem)) ? 'valid' : 'invalid');
    } catch (caught) {
      setError(describeError(caught, lang));
    }
  }, [lang]);
  useEffect(() => void load(), [load]);

  const prove = async (event: AuditEvent) => {
    if (!head) return;
    setProofs((current) => ({ ...current, [event.eventId]: 'checking' }));
    try {
      const proof = await api.get<InclusionProof>('/v1/audit/proofs/inclusion', { query: { eventId: event.eventId, treeSize: head.treeSize } });
      // the leaf is recomputed from the event's own commitment, not taken from the proof
      const leaf = await leafHash(event.commitment);
      const root = toHex(leaf) === proof.leafHash ? await rootFromInclusionProof(proof.leafIndex, proof.treeSize, leaf, proof.auditPath.map(fromHex)) : undefined;
      const valid = root !== undefined && toHex(root) === head.rootHash && headVerdict === 'valid';
      setProofs((current) => ({ ...current, [event.eventId]: valid ? 'valid' : 'invalid' }));
    } catch (caught) {
      setError(describeError(caught, lang));
      setProofs((current) => ({ ...current, [event.eventId]: 'invalid' }));
    }
  };

  const signHead = async () => {
    try {
      await api.request('/v1/audit/tree-heads', { method: 'POST' });
      await load();
    } catch (caught) {
      setError(describeError(caught, lang));
    }
  };

  const verdictTag = (verdict: Verdict | undefined) =>
    verdict === 'valid' ? (
      <Tag color="green">{t('audit.valid')}</Tag>
    ) : verdict === 'invalid' ? (
      <Tag color="red">{t('audit.invalid')}</Tag>
    ) : verdict ? (
      <Tag>{t('audit.checking')}</Tag>
    ) : null;

  return (
    <>
      <Typography.Title level={2}>{t('audit.title')}</Typography.Title>
      {error && <Alert type="error" showIcon title={error} role="alert" style={{ marginBottom: 16 }} />}
      <Card title={t('audit.head')} extra={hasAnyRole(user, ['compliance_officer']) && <Button onClick={() => void signHead()}>{t('audit.signHead')}</Button>}>
        {head && (
          <Descriptions column={1} size="small" bordered>
            <Descriptions.Item label={t('audit.treeSize')}>{head.treeSize}</Descriptions.Item>
            <Descriptions.Item label={t('audit.rootHash')}>
              <Typography.Text code style={{ wordBreak: 'break-all' }}>
                {head.rootHash}
              </Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('audit.signedAt')}>{new Date(head.timestamp).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB')}</Descriptions.Item>
            <Descriptions.Item label={t('audit.signature')}>
              <span data-testid="head-verdict">{verdictTag(headVerdict)}</span> <Typography.Text type="secondary">{t('audit.inBrowser')}</Typography.Text>
            </Descriptions.Item>
          </Descriptions>
        )}
      </Card>
      <Card title={t('audit.events')} style={{ marginTop: 16 }}>
        <Table<AuditEvent>
          rowKey="eventId"
          size="small"
          scroll={{ x: true }}
          dataSource={events}
          columns={[
            { title: '#', dataIndex: 'position' },
            { title: t('audit.type'), dataIndex: 'type' },
            { title: t('access.actor'), dataIndex: 'actor' },
            { title: t('consent.purpose'), dataIndex: 'purposeId' },
            { title: t('access.at'), dataIndex: 'recordedAt', render: (at: string) => new Date(at).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB') },
            {
              title: t('audit.proof'),
              key: 'proof',
              render: (_, event) =>
                head && event.leafIndex < head.treeSize ? (
                  <Space>
                    <Button size="small" onClick={() => void prove(event)}>
                      {t('audit.checkProof')}
                    </Button>
                    <span data-testid={`proof-${event.position}`}>{verdictTag(proofs[event.eventId])}</span>
                  </Space>
                ) : (
                  <Typography.Text type="secondary">{t('audit.notYetSigned')}</Typography.Text>
                ),
            },
          ]}
        />
      </Card>
    </>
  );
}
