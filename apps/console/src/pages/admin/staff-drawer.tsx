import { useCallback, useEffect, useRef, useState, type Ref } from 'react';
import { Button, Descriptions, Drawer, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { api, type RequestOptions } from '../../api/api-client';
import { useI18n } from '../../i18n/i18n';
import { roleLabel } from '../../i18n/labels';
import { STAFF_ROLE_NAMES, type Department, type StaffAccount, type StaffLogin, type StaffSession } from './admin-types';
import { LoadError, useLoad, useRun, when, wordFor } from './page-kit';

interface Props {
  staffId: string;
  departments: Department[];
  onClose: () => void;
  onChanged: () => void;
  onPassword: (username: string, password: string) => void;
}

/**
 * One account: grant and revoke roles, the department, disable or enable, reset the password (a new
 * one-time password, shown once) or the authenticator, unlock; its open sessions and recent sign-ins.
 * Every change is sent with the version shown (If-Match): a change made meanwhile by another admin is refused, not overwritten.
 */
export function StaffDrawer({ staffId, departments, onClose, onChanged, onPassword }: Props) {
  const { t, lang } = useI18n();
  const run = useRun();
  const account = useLoad(useCallback(() => api.get<StaffAccount>(`/v1/staff/${staffId}`), [staffId]));
  const sessions = useLoad(useCallback(() => api.get<{ items: StaffSession[] }>('/v1/auth/sessions', { query: { staffId } }), [staffId]));
  const logins = useLoad(useCallback(() => api.get<{ items: StaffLogin[] }>(`/v1/staff/${staffId}/logins`, { query: { limit: 10 } }), [staffId]));
  const [adding, setAdding] = useState<string | undefined>();
  const a = account.data;
  // disabling or enabling replaces the button its confirmation was opened from, and the focus went with it (to the
  // page's body, where Escape no longer closes the drawer): the replacing button takes it once the account is read again
  const statusButton = useRef<HTMLButtonElement>(null);
  const [refocus, setRefocus] = useState<string | undefined>();
  useEffect(() => {
    if (!refocus || !a || a.status === refocus) return;
    setRefocus(undefined);
    statusButton.current?.focus();
  }, [refocus, a]);

  const change = async (path: string, options: RequestOptions, done: string) => {
    if (!a) return;
    const ok = await run(() => api.request(`/v1/staff/${staffId}${path}`, { ...options, ifMatch: a.version }), done);
    account.reload();
    sessions.reload();
    if (ok) onChanged();
  };
  const resetPassword = async () => {
    if (!a) return;
    let password = '';
    const ok = await run(async () => {
      password = (await api.request<{ oneTimePassword: string }>(`/v1/staff/${staffId}/password-reset`, { method: 'POST', ifMatch: a.version })).data.oneTimePassword;
    });
    account.reload();
    sessions.reload();
    if (ok) onPassword(a.username, password);
  };
  // the confirmation, once closed, may hand the focus back to a button no longer there: the status button takes it
  const keepFocus = (open: boolean) => {
    if (!open && (document.activeElement === null || document.activeElement === document.body)) statusButton.current?.focus();
  };
  const confirm = (label: string, explain: string, action: () => void, danger = false, ref?: Ref<HTMLButtonElement>) => (
    <Popconfirm title={explain} onConfirm={action} okText={t('admin.confirm')} cancelText={t('admin.cancel')} afterOpenChange={ref ? keepFocus : undefined}>
      <Button danger={danger} ref={ref}>
        {label}
      </Button>
    </Popconfirm>
  );
  const toggle = (path: '/disable' | '/enable', done: string) => {
    if (a) setRefocus(a.status);
    void change(path, { method: 'POST' }, done);
  };

  return (
    <Drawer open onClose={onClose} size={640} title={a ? `${a.username} · ${a.displayName}` : t('menu.staff')} data-testid="staff-drawer">
      <LoadError error={account.error} />
      {a && (
        <>
          <Descriptions column={1} size="small" bordered>
            <Descriptions.Item label={t('field.status')}>
              <Space wrap>
                <Tag color={a.status === 'active' ? 'green' : 'default'}>{t(a.status === 'active' ? 'staff.active' : 'staff.disabled')}</Tag>
                {a.lockedUntil && <Tag color="red">{t('staff.lockedUntil', { at: when(a.lockedUntil, lang) })}</Tag>}
              </Space>
            </Descriptions.Item>
            <Descriptions.Item label={t('staff.roles')}>
              <Space wrap>
                {a.roles.map((role) => (
                  <Tag
                    key={role}
                    closable
                    closeIcon={<span aria-label={t('staff.revokeRole', { role: roleLabel(role, lang) })}>×</span>}
                    onClose={(event) => {
                      event.preventDefault();
                      void change(`/roles/${role}`, { method: 'DELETE' }, t('staff.roleRevoked'));
                    }}
                  >
                    {roleLabel(role, lang)}
                  </Tag>
                ))}
                <Select
                  size="small"
                  style={{ width: 160 }}
                  placeholder={t('staff.grantRole')}
                  aria-label={t('staff.grantRole')}
                  value={adding}
                  onChange={setAdding}
                  options={STAFF_ROLE_NAMES.filter((role) => !a.roles.includes(role)).map((role) => ({ value: role, label: roleLabel(role, lang) }))}
                />
                <Button
                  size="small"
                  disabled={!adding}
                  onClick={() => {
                    void change('/roles', { method: 'POST', body: { role: adding } }, t('staff.roleGranted')).then(() => setAdding(undefined));
                  }}
                >
                  {t('staff.grant')}
                </Button>
              </Space>
            </Descriptions.Item>
            <Descriptions.Item label={t('staff.department')}>
              <Select
                style={{ width: 220 }}
                allowClear
                aria-label={t('staff.department')}
                value={a.departmentId ?? undefined}
                options={departments.filter((d) => d.status === 'active' || d.departmentId === a.departmentId).map((d) => ({ value: d.departmentId, label: d.name }))}
                onChange={(departmentId?: string) => void change('/department', { method: 'PUT', body: { departmentId: departmentId ?? null } }, t('staff.departmentSet'))}
              />
            </Descriptions.Item>
            <Descriptions.Item label={t('staff.mfa')}>{t(`staff.mfa.${a.mfa}` as 'staff.mfa.none')}</Descriptions.Item>
            <Descriptions.Item label={t('staff.createdAt')}>{when(a.createdAt, lang)}</Descriptions.Item>
          </Descriptions>
          <Typography.Paragraph type="secondary" style={{ marginTop: 12 }}>
            {t('staff.revokesExplain')}
          </Typography.Paragraph>
          <Space wrap style={{ marginBottom: 24 }}>
            {a.status === 'active'
              ? confirm(t('staff.disable'), t('staff.disableExplain'), () => toggle('/disable', t('staff.disabledDone')), true, statusButton)
              : confirm(t('staff.enable'), t('staff.enableExplain'), () => toggle('/enable', t('staff.enabledDone')), false, statusButton)}
            {confirm(t('staff.resetPassword'), t('staff.resetPasswordExplain'), () => void resetPassword())}
            {a.mfa !== 'none' && confirm(t('staff.resetMfa'), t('staff.resetMfaExplain'), () => void change('/mfa-reset', { method: 'POST' }, t('staff.mfaResetDone')))}
            {a.lockedUntil && <Button onClick={() => void change('/unlock', { method: 'POST' }, t('staff.unlocked'))}>{t('staff.unlock')}</Button>}
          </Space>
          <Typography.Title level={4}>{t('staff.sessions')}</Typography.Title>
          <LoadError error={sessions.error} />
          <Table<StaffSession>
            rowKey="sessionId"
            size="small"
            pagination={false}
            dataSource={sessions.data?.items ?? []}
            locale={{ emptyText: <Typography.Text type="secondary">{t('staff.noSessions')}</Typography.Text> }}
            columns={[
              { title: t('staff.sessionStarted'), dataIndex: 'createdAt', render: (at: string) => when(at, lang) },
              { title: t('staff.sessionRefreshed'), dataIndex: 'refreshedAt', render: (at: string) => when(at, lang) },
              { title: t('staff.sessionExpires'), dataIndex: 'expiresAt', render: (at: string) => when(at, lang) },
              {
                title: '',
                key: 'end',
                render: (_: unknown, session) => (
                  <Button
                    size="small"
                    onClick={() => void run(() => api.request(`/v1/auth/sessions/${session.sessionId}`, { method: 'DELETE' }), t('staff.sessionEnded')).then(sessions.reload)}
                  >
                    {t('staff.endSession')}
                  </Button>
                ),
              },
            ]}
          />
          <Typography.Title level={4} style={{ marginTop: 24 }}>
            {t('staff.logins')}
          </Typography.Title>
          <Table<StaffLogin>
            rowKey="sequence"
            size="small"
            pagination={false}
            dataSource={logins.data?.items ?? []}
            columns={[
              { title: t('staff.loginAt'), dataIndex: 'at', render: (at: string) => when(at, lang) },
              { title: t('staff.loginOutcome'), dataIndex: 'outcome', render: (outcome: string) => wordFor(t, `staff.outcome.${outcome}`, outcome) },
              { title: t('staff.loginReason'), dataIndex: 'reason', render: (reason?: string) => reason ?? '' },
            ]}
          />
        </>
      )}
    </Drawer>
  );
}
