import { useState } from 'react';
import { Alert, Button, Card, Result, Typography } from 'antd';
import { api } from '../api/api-client';
import { describeError } from '../api/problem-messages';
import { useI18n } from '../i18n/i18n';
import { useSession } from '../session/session';
import { EnrolmentStep, type Enrolment } from './login-steps';

/** Sets up the authenticator app while signed in: the QR code, then a first code to confirm it. */
export default function MfaEnrolPage() {
  const { t, lang } = useI18n();
  const { reloadAccount } = useSession();
  const [enrolment, setEnrolment] = useState<Enrolment | undefined>();
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const call = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (caught) {
      setError(describeError(caught, lang));
    } finally {
      setBusy(false);
    }
  };
  if (done) return <Result status="success" title={t('mfa.done')} />;
  return (
    <Card title={t('mfa.title')} style={{ maxWidth: 480 }}>
      {error && <Alert type="error" showIcon title={error} role="alert" style={{ marginBottom: 16 }} />}
      {!enrolment ? (
        <>
          <Typography.Paragraph>{t('mfa.explain')}</Typography.Paragraph>
          <Button
            type="primary"
            loading={busy}
            onClick={() => void call(async () => setEnrolment((await api.request<Enrolment>('/v1/auth/mfa/enrol', { method: 'POST', body: {} })).data))}
          >
            {t('mfa.start')}
          </Button>
        </>
      ) : (
        <EnrolmentStep
          enrolment={enrolment}
          busy={busy}
          onCode={(code) =>
            void call(async () => {
              await api.request('/v1/auth/mfa/confirm', { method: 'POST', body: { code } });
              setDone(true);
              reloadAccount();
            })
          }
        />
      )}
    </Card>
  );
}
