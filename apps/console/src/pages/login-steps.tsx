import { Button, Form, Input, Typography } from 'antd';
import { useI18n } from '../i18n/i18n';

export interface Enrolment {
  otpauthUri: string;
  qrCode: string;
  secret: string;
}

/** The authenticator's QR code, its secret for typing in by hand, and the first code that confirms it. */
export function EnrolmentStep({ enrolment, busy, onCode }: { enrolment: Enrolment; busy: boolean; onCode: (code: string) => void }) {
  const { t } = useI18n();
  return (
    <>
      <Typography.Paragraph>{t('mfa.explain')}</Typography.Paragraph>
      <div style={{ textAlign: 'center' }}>
        {/* a plain img: antd's Image (a preview viewer) would add ~15 KB gzipped to the sign-in route (bench:console) */}
        <img src={enrolment.qrCode} alt={t('mfa.qrAlt')} width={200} height={200} />
      </div>
      <Typography.Paragraph type="secondary" style={{ wordBreak: 'break-all' }}>
        {t('mfa.manual')}{' '}
        <Typography.Text code copyable>
          {enrolment.secret}
        </Typography.Text>
      </Typography.Paragraph>
      <CodeForm busy={busy} onCode={onCode} submit={t('mfa.confirm')} />
    </>
  );
}

/** Six digits from the authenticator app. */
export function CodeForm({ busy, onCode, submit }: { busy: boolean; onCode: (code: string) => void; submit: string }) {
  const { t } = useI18n();
  return (
    <Form layout="vertical" onFinish={(values: { code: string }) => onCode(values.code.trim())} requiredMark={false}>
      <Form.Item name="code" label={t('auth.code')} rules={[{ required: true, pattern: /^\s*\d{6}\s*$/, message: t('auth.codeFormat') }]}>
        <Input autoComplete="one-time-code" inputMode="numeric" maxLength={8} autoFocus />
      </Form.Item>
      <Button type="primary" htmlType="submit" block loading={busy}>
        {submit}
      </Button>
    </Form>
  );
}

/** A new password in place of the one-time password an administrator gave. */
export function NewPasswordStep({ busy, onPassword }: { busy: boolean; onPassword: (password: string) => void }) {
  const { t } = useI18n();
  return (
    <Form layout="vertical" onFinish={(values: { password: string }) => onPassword(values.password)} requiredMark={false}>
      <Typography.Paragraph>{t('auth.newPasswordExplain')}</Typography.Paragraph>
      <Form.Item name="password" label={t('auth.newPassword')} rules={[{ required: true, min: 12, message: t('auth.passwordPolicy') }]}>
        <Input.Password autoComplete="new-password" autoFocus />
      </Form.Item>
      <Form.Item
        name="repeat"
        label={t('auth.repeatPassword')}
        dependencies={['password']}
        rules={[
          { required: true, message: t('form.required') },
          ({ getFieldValue }) => ({
            validator: (_, value: string) => (value === getFieldValue('password') ? Promise.resolve() : Promise.reject(new Error(t('auth.passwordsDiffer')))),
          }),
        ]}
      >
        <Input.Password autoComplete="new-password" />
      </Form.Item>
      <Button type="primary" htmlType="submit" block loading={busy}>
        {t('auth.next')}
      </Button>
    </Form>
  );
}
