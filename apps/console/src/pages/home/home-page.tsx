import { Link } from 'react-router';
import { Card, Col, Row, Tag, Typography } from 'antd';
import { useI18n } from '../../i18n/i18n';
import { useSession } from '../../session/session';
import { menuFor } from '../../layout/menus';
import { roleLabel } from '../../i18n/labels';

export default function HomePage() {
  const { t, lang } = useI18n();
  const { user, username, account } = useSession();
  const entries = menuFor(user?.roles ?? []).filter((entry) => entry.path !== '/');
  return (
    <>
      <Typography.Title level={2}>{t('home.welcome', { user: username ?? user?.id ?? '' })}</Typography.Title>
      <Typography.Paragraph>
        {t('home.roles')}{' '}
        {user?.roles.map((role) => (
          <Tag key={role}>{roleLabel(role, lang)}</Tag>
        ))}
      </Typography.Paragraph>
      {entries.length === 0 && <Typography.Paragraph type="secondary">{t('home.nothing')}</Typography.Paragraph>}
      <Row gutter={[16, 16]}>
        {entries.map((entry) => (
          <Col key={entry.path} xs={24} sm={12} lg={8}>
            <Link to={entry.path}>
              <Card hoverable>{t(entry.label)}</Card>
            </Link>
          </Col>
        ))}
        {account && account.mfa !== 'enrolled' && (
          <Col xs={24} sm={12} lg={8}>
            <Link to="/account/mfa">
              <Card hoverable>{t('mfa.title')}</Card>
            </Link>
          </Col>
        )}
      </Row>
    </>
  );
}
