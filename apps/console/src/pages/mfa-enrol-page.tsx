import { useState } from 'react';
import { Alert, Button, Card, Image, Typography } from 'antd';
import { api } from '../api/api-client';
import { describeError } from '../api/problem-messages';
import { useI18n } from '../i18n/i18n';

interface Enrolment {
  otpauthUri?: string;
  uri?: string;
  qrCode?: string;
  qrPngDataUrl?: string;
  [key: string]: unknown;
}

/** Sets up the authenticator app: the QR code to scan, and its text for typing in by hand. */
export default function MfaEnrolPage() {
  const { t, lang } = useI18n();
  const [enrolment, setEnrolment] = useState<Enrolment | undefined>();
  const [error, setError] = useState<string | undefined>();
  const enrol = async () => {
    try {
      setEnrolment((await api.request<Enrolment>('/v1/auth/mfa/enrol', { method: 'POST', body: {} })).data);
    } catch (caught) {
      setError(describeError(caught, lang));
    }
  };
  const qr = enrolment && Object.values(enrolment).find((value): value is string => typeof value === 'string' && value.startsWith('data:image/png;base64,'));
  const uri = enrolment && Object.values(enrolment).find((value): value is string => typeof value === 'string' && value.startsWith('otpauth://'));
  return (
    <Card title={t('mfa.title')} style={{ maxWidth: 560 }}>
      <Typography.Paragraph>{t('mfa.explain')}</Typography.Paragraph>
      {error && <Alert type="error" showIcon title={error} role="alert" style={{ marginBottom: 16 }} />}
      {!enrolment && (
        <Button type="primary" onClick={() => void enrol()}>
          {t('mfa.start')}
        </Button>
      )}
      {qr && <Image src={qr} alt={t('mfa.qrAlt')} width={220} preview={false} />}
      {uri && (
        <Typography.Paragraph copyable={{ text: uri }} type="secondary" style={{ wordBreak: 'break-all' }}>
          {t('mfa.manual')}
        </Typography.Paragraph>
      )}
    </Card>
  );
}
