import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Alert, Button, Card, Radio, Space, Spin, Tag, Typography } from 'antd';
import { api } from '../api/api-client';
import type { Purpose } from '../api/types';
import { describeError } from '../api/problem-messages';
import { useI18n } from '../i18n/i18n';
import { categoryLabel, legalBasisLabel } from '../i18n/labels';

interface PurposeState {
  purpose: Purpose | undefined;
  choose: (purpose: Purpose | undefined) => void;
}

const PurposeContext = createContext<PurposeState | undefined>(undefined);

/** The processing purpose the signed-in person works under; in memory, asked again after sign-in. */
export function PurposeProvider({ children }: { children: ReactNode }) {
  const [purpose, setPurpose] = useState<Purpose | undefined>();
  const choose = useCallback((next: Purpose | undefined) => {
    api.setPurpose(next?.id);
    setPurpose(next);
  }, []);
  useEffect(
    () =>
      api.onTokenChange(() => {
        if (!api.signedIn) choose(undefined);
      }),
    [choose],
  );
  const value = useMemo(() => ({ purpose, choose }), [purpose, choose]);
  return <PurposeContext.Provider value={value}>{children}</PurposeContext.Provider>;
}

export function usePurpose(): PurposeState {
  const context = useContext(PurposeContext);
  if (!context) throw new Error('usePurpose outside PurposeProvider');
  return context;
}

/** Shows the purpose picker until one is chosen, then the page, which reads personal data under it. */
export function RequirePurpose({ children }: { children: ReactNode }) {
  const { purpose } = usePurpose();
  return purpose ? <>{children}</> : <PurposePicker />;
}

function PurposePicker() {
  const { t, lang } = useI18n();
  const { choose } = usePurpose();
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
        <Button type="primary" disabled={!picked} onClick={() => choose(picked)}>
          {t('purpose.confirm')}
        </Button>
      </div>
    </Card>
  );
}
