import { useState } from 'react';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { App as AntApp, Button, Drawer, Grid, Layout, Menu, Space, Tag, Typography } from 'antd';
import { LanguageSwitch } from './language-switch';
import { useI18n } from '../i18n/i18n';
import { useSession } from '../session/session';
import { usePurpose } from '../session/purpose';
import { FILE_ROLES, menuFor } from './menus';
import { hasAnyRole } from '../session/jwt';

/** The signed-in frame: menus for the person's roles, the purpose they work under, language, sign-out. */
/** The signed-in frame inside antd's App (message, notification, modal for the pages): loaded after sign-in, not with the sign-in route (bench:console). */
export default function ConsoleLayout() {
  return (
    <AntApp>
      <Frame />
    </AntApp>
  );
}

function Frame() {
  const { t } = useI18n();
  const { user, username, signOut } = useSession();
  const { purpose, choose } = usePurpose();
  const navigate = useNavigate();
  const location = useLocation();
  const screens = Grid.useBreakpoint();
  const [drawer, setDrawer] = useState(false);
  const entries = menuFor(user?.roles ?? []);
  const selected = [...entries].sort((a, b) => b.path.length - a.path.length).find((entry) => location.pathname === entry.path || location.pathname.startsWith(`${entry.path}/`));
  const menu = (
    <Menu
      mode="inline"
      selectedKeys={selected ? [selected.path] : []}
      items={entries.map((entry) => ({ key: entry.path, label: t(entry.label) }))}
      onClick={({ key }) => {
        setDrawer(false);
        void navigate(key);
      }}
    />
  );
  const narrow = !screens.md;
  // auditors, managers, ops and admins never read a customer's data: no purpose to show them
  const readsPersonalData = hasAnyRole(user, [...FILE_ROLES, 'compliance_officer']);
  return (
    <Layout style={{ minHeight: '100vh' }}>
      {!narrow && (
        <Layout.Sider theme="light" width={200} style={{ borderRight: '1px solid #f0f0f0' }}>
          <div style={{ padding: 16, fontWeight: 600 }}>{t('app.title')}</div>
          <nav aria-label={t('menu.label')}>{menu}</nav>
        </Layout.Sider>
      )}
      <Drawer open={narrow && drawer} onClose={() => setDrawer(false)} placement="left" size={240} title={t('app.title')}>
        <nav aria-label={t('menu.label')}>{menu}</nav>
      </Drawer>
      <Layout>
        <Layout.Header
          style={{
            background: '#fff',
            padding: '8px 16px',
            display: 'flex',
            alignItems: 'center',
            gap: 8,
            borderBottom: '1px solid #f0f0f0',
            flexWrap: 'wrap',
            height: 'auto',
            minHeight: 56,
            lineHeight: 'normal',
          }}
        >
          {narrow && (
            <Button onClick={() => setDrawer(true)} aria-label={t('menu.open')}>
              ☰
            </Button>
          )}
          <Space wrap style={{ flex: 1 }}>
            {readsPersonalData && <Typography.Text type="secondary">{t('purpose.current')}</Typography.Text>}
            {readsPersonalData && (purpose ? <Tag color="blue">{purpose.name}</Tag> : <Tag>{t('purpose.none')}</Tag>)}
            {purpose && (
              <Button size="small" onClick={() => choose(undefined)}>
                {t('purpose.change')}
              </Button>
            )}
          </Space>
          <Space wrap>
            <LanguageSwitch />
            <Typography.Text data-testid="signed-in-user">{username ?? user?.id}</Typography.Text>
            <Button
              size="small"
              onClick={() => {
                void signOut().then(() => navigate('/login'));
              }}
            >
              {t('auth.signOut')}
            </Button>
          </Space>
        </Layout.Header>
        {/* Ant Design's Content is the page's one <main> landmark */}
        <Layout.Content style={{ padding: narrow ? 8 : 24 }}>
          <Outlet />
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
