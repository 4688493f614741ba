import { useState } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { api, type TokenGrant } from '../api/api-client';
import { describeError } from '../api/problem-messages';
import { useI18n } from '../i18n/i18n';
import { useSession } from '../session/session';
import { LanguageSwitch } from '../layout/console-layout';

type LoginAnswer = ({ mfaRequired: true; challenge: string } & Partial<TokenGrant>) | (TokenGrant & { mfaRequired?: false });

/** Password, then the authenticator's one-time code; the tokens come back from the second step. */
export function LoginPage() {
  const { t, lang } = useI18n();
  const { user, signedIn } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [challenge, setChallenge] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const from = (location.state as { from?: string } | null)?.from ?? '/';
  if (user) return <Navigate to={from} replace />;

  const done = (grant: TokenGrant) => {
    signedIn(grant);
    void navigate(from, { replace: true });
  };
  const run = async (step: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await step();
    } catch (caught) {
      setError(describeError(caught, lang));
    } finally {
      setBusy(false);
    }
  };
  const password = (values: { username: string; password: string }) =>
    run(async () => {
      const { data } = await api.request<LoginAnswer>('/v1/auth/login', { method: 'POST', body: values, anonymous: true });
      if (data.mfaRequired) setChallenge(data.challenge);
      else done(data);
    });
  const code = (values: { code: string }) =>
    run(async () => {
      const { data } = await api.request<TokenGrant>('/v1/auth/mfa', { method: 'POST', body: { challenge, code: values.code.trim() }, anonymous: true });
      done(data);
    });

  return (
    <div style={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', background: '#f5f7fa', padding: 16 }}>
      <main style={{ width: '100%', maxWidth: 400 }}>
        <Card>
          <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', marginBottom: 16 }}>
            <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
              {t('app.title')}
            </Typography.Title>
            <LanguageSwitch />
          </div>
          <Typography.Paragraph type="secondary">{challenge ? t('auth.codeExplain') : t('auth.explain')}</Typography.Paragraph>
          {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} role="alert" />}
          {!challenge ? (
            <Form layout="vertical" onFinish={(values: { username: string; password: string }) => void password(values)} requiredMark={false}>
              <Form.Item name="username" label={t('auth.username')} rules={[{ required: true, message: t('form.required') }]}>
                <Input autoComplete="username" autoFocus />
              </Form.Item>
              <Form.Item name="password" label={t('auth.password')} rules={[{ required: true, message: t('form.required') }]}>
                <Input.Password autoComplete="current-password" />
              </Form.Item>
              <Button type="primary" htmlType="submit" block loading={busy}>
                {t('auth.next')}
              </Button>
            </Form>
          ) : (
            <Form layout="vertical" onFinish={(values: { code: string }) => void code(values)} requiredMark={false}>
              <Form.Item name="code" label={t('auth.code')} rules={[{ required: true, pattern: /^\s*\d{6}\s*$/, message: t('auth.codeFormat') }]}>
                <Input autoComplete="one-time-code" inputMode="numeric" maxLength={8} autoFocus />
              </Form.Item>
              <Button type="primary" htmlType="submit" block loading={busy}>
                {t('auth.signIn')}
              </Button>
              <Button type="link" block onClick={() => setChallenge(undefined)}>
                {t('auth.back')}
              </Button>
            </Form>
          )}
        </Card>
      </main>
    </div>
  );
}
