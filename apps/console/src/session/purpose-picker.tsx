import { useEffect, useState } from 'react';
import { Alert, Button, Card, Radio, Space, Spin, Tag, Typography } from 'antd';
import { api } from '../api/api-client';
import type { Purpose } from '../api/types';
import { describeError } from '../api/problem-messages';
import { useI18n } from '../i18n/i18n';
import { categoryLabel, legalBasisLabel } from '../i18n/labels';

/** The processing purposes from the registry, each with its legal basis and categories, one chosen before a page reads personal data. */
export default function PurposePicker({ choose }: { choose: (purpose: Purpose) => void }) {
  const { t, lang } = useI18n();
  const [purposes, setPurposes] = useState<Purpose[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [selected, setSelected] = useState<string | undefined>();
  useEffect(() => {
    api
      .get<Purpose[]>('/v1/purposes')
      .then(setPurposes)
      .catch((caught: unknown) => setError(describeError(caught, lang)));
  }, [lang]);
  const picked = purposes?.find((item) => item.id === selected);
  return (
    <Card title={t('purpose.title')} style={{ maxWidth: 720, margin: '24px auto' }}>
      <Typography.Paragraph type="secondary">{t('purpose.explain')}</Typography.Paragraph>
      {error && <Alert type="error" showIcon title={error} />}
      {!purposes && !error && <Spin />}
      {purposes && (
        <Radio.Group value={selected} onChange={(event) => setSelected(event.target.value as string)} style={{ width: '100%' }}>
          <Space orientation="vertical" style={{ width: '100%' }}>
            {purposes.map((item) => (
              <Radio key={item.id} value={item.id} data-purpose={item.id}>
                <Typography.Text strong>{item.name}</Typography.Text> <Tag>{legalBasisLabel(item.legalBasis, lang)}</Tag>
                <div>
                  <Typography.Text type="secondary">{item.categories.map((category) => categoryLabel(category, lang)).join(lang === 'zh' ? '、' : ', ')}</Typography.Text>
                </div>
              </Radio>
            ))}
          </Space>
        </Radio.Group>
      )}
      <div style={{ marginTop: 16 }}>
        <Button type="primary" disabled={!picked} onClick={() => picked && choose(picked)}>
          {t('purpose.confirm')}
        </Button>
      </div>
    </Card>
  );
}
