import { Modal, Typography } from 'antd';
import { useI18n } from '../../i18n/i18n';
import { categoryLabel } from '../../i18n/labels';

/** The categories whose values reads mask unless asked to reveal them. */
export const MASKED_CATEGORIES = ['contact', 'identity_document'];

/** Asks before masked values are shown in full: the reveal is recorded in the access log with the purpose, which the dialog names. */
export function RevealDialog({
  open,
  purposeName,
  categories,
  onCancel,
  onConfirm,
}: {
  open: boolean;
  purposeName: string;
  categories: readonly string[];
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const { t, lang } = useI18n();
  return (
    <Modal open={open} title={t('file.revealTitle')} okText={t('file.revealConfirm')} cancelText={t('form.cancel')} onCancel={onCancel} onOk={onConfirm}>
      <Typography.Paragraph>
        {t('file.revealExplain', { purpose: purposeName, categories: categories.map((category) => categoryLabel(category, lang)).join('、') })}
      </Typography.Paragraph>
    </Modal>
  );
}
