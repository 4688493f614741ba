import { Button, Card, Form, Input, Select, Typography } from 'antd';
import { BREAK_GLASS_REASONS, type BreakGlass } from '../../api/api-client';
import { useI18n } from '../../i18n/i18n';

/** Emergency access to a customer outside one's assignment: a reason from the API's list, an optional note; the API records both. */
export function BreakGlassForm({ onSubmit }: { onSubmit: (glass: BreakGlass) => void }) {
  const { t } = useI18n();
  return (
    <Card title={t('breakGlass.title')} style={{ marginTop: 16, maxWidth: 560 }}>
      <Typography.Paragraph type="secondary">{t('breakGlass.explain')}</Typography.Paragraph>
      <Form<BreakGlass> layout="vertical" onFinish={(values) => onSubmit({ reason: values.reason, note: values.note?.trim() || undefined })}>
        <Form.Item name="reason" label={t('breakGlass.reason')} rules={[{ required: true, message: t('form.required') }]}>
          <Select aria-label={t('breakGlass.reason')} options={BREAK_GLASS_REASONS.map((value) => ({ value, label: t(`breakGlass.reason.${value}`) }))} />
        </Form.Item>
        <Form.Item name="note" label={t('breakGlass.note')} rules={[{ max: 200 }]}>
          <Input.TextArea rows={2} maxLength={200} />
        </Form.Item>
        <Button danger htmlType="submit">
          {t('breakGlass.submit')}
        </Button>
      </Form>
    </Card>
  );
}
