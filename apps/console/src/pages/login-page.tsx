import { useState } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { api, type TokenGrant } from '../api/api-client';
import { describeError } from '../api/problem-messages';
import { useI18n } from '../i18n/i18n';
import { useSession } from '../session/session';
import { LanguageSwitch } from '../layout/language-switch';
import { CodeForm, EnrolmentStep, NewPasswordStep, type Enrolment } from './login-steps';

/** What POST /v1/auth/login (and each later step) answers: the tokens, or the next step. */
type Answer =
  | (TokenGrant & { mfaRequired?: undefined })
  | { passwordChangeRequired: true; passwordToken: string }
  | { mfaRequired: true; challenge: string }
  | { mfaEnrolmentRequired: true; enrolmentToken: string };

type Step =
  { kind: 'password' } | { kind: 'new-password'; passwordToken: string } | { kind: 'code'; challenge: string } | { kind: 'enrol'; enrolmentToken: string; enrolment: Enrolment };

/**
 * Sign-in: password, then the authenticator's code; on the way, a new password in place of a
 * one-time one, and the authenticator's enrolment (QR code) when the role requires it and none is set.
 */
export function LoginPage() {
  const { t, lang } = useI18n();
  const { user, signedIn } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [step, setStep] = useState<Step>({ kind: 'password' });
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [username, setUsername] = useState<string | undefined>();
  const from = (location.state as { from?: string } | null)?.from ?? '/';
  if (user) return <Navigate to={from} replace />;

  const post = async (path: string, body: unknown) => (await api.request<Answer>(path, { method: 'POST', body, anonymous: true })).data;
  const next = async (answer: Answer) => {
    if ('accessToken' in answer) {
      signedIn(answer, username);
      void navigate(from, { replace: true });
    } else if ('passwordChangeRequired' in answer) setStep({ kind: 'new-password', passwordToken: answer.passwordToken });
    else if ('mfaRequired' in answer) setStep({ kind: 'code', challenge: answer.challenge });
    else {
      const enrolment = (await api.request<Enrolment>('/v1/auth/mfa/enrol', { method: 'POST', body: { enrolmentToken: answer.enrolmentToken }, anonymous: true })).data;
      setStep({ kind: 'enrol', enrolmentToken: answer.enrolmentToken, enrolment });
    }
  };
  const run = (action: () => Promise<Answer>) => {
    setBusy(true);
    setError(undefined);
    action()
      .then(next)
      .catch((caught: unknown) => setError(describeError(caught, lang)))
      .finally(() => setBusy(false));
  };

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
          {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} role="alert" />}
          {step.kind === 'password' && (
            <Form
              layout="vertical"
              requiredMark={false}
              onFinish={(values: { username: string; password: string }) => {
                setUsername(values.username.trim());
                run(() => post('/v1/auth/login', { username: values.username.trim(), password: values.password }));
              }}
            >
              <Typography.Paragraph type="secondary">{t('auth.explain')}</Typography.Paragraph>
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
          )}
          {step.kind === 'new-password' && (
            <NewPasswordStep busy={busy} onPassword={(newPassword) => run(() => post('/v1/auth/password', { newPassword, passwordToken: step.passwordToken }))} />
          )}
          {step.kind === 'code' && (
            <>
              <Typography.Paragraph type="secondary">{t('auth.codeExplain')}</Typography.Paragraph>
              <CodeForm busy={busy} submit={t('auth.signIn')} onCode={(code) => run(() => post('/v1/auth/mfa', { challenge: step.challenge, code }))} />
            </>
          )}
          {step.kind === 'enrol' && (
            <EnrolmentStep enrolment={step.enrolment} busy={busy} onCode={(code) => run(() => post('/v1/auth/mfa/confirm', { code, enrolmentToken: step.enrolmentToken }))} />
          )}
          {step.kind !== 'password' && (
            <Button type="link" block onClick={() => setStep({ kind: 'password' })}>
              {t('auth.back')}
            </Button>
          )}
        </Card>
      </main>
    </div>
  );
}
