import { useCallback, useState } from 'react';
import { Alert, Button, Card, Form, Input, Modal, Select, Space, Table, Tag, Typography } from 'antd';
import { api } from '../../api/api-client';
import { useI18n } from '../../i18n/i18n';
import { roleLabel } from '../../i18n/labels';
import { STAFF_ROLE_NAMES, type StaffAccount } from './admin-types';
import { departmentName, listDepartments, LoadError, useLoad, useRun } from './page-kit';
import { StaffDrawer } from './staff-drawer';

interface NewStaff {
  username: string;
  displayName: string;
  roles: string[];
  departmentId?: string;
}

/** The one-time password, shown this once: it is in no list, no log and no later answer. */
export function OneTimePassword({ username, password, onClose }: { username: string; password: string; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <Modal open title={t('staff.otpTitle')} onCancel={onClose} footer={<Button onClick={onClose}>{t('admin.close')}</Button>}>
      <Alert type="warning" showIcon title={t('staff.otpOnce', { username })} style={{ marginBottom: 16 }} />
      <Typography.Text code copyable data-testid="one-time-password" style={{ fontSize: 18 }}>
        {password}
      </Typography.Text>
    </Modal>
  );
}

/** Staff accounts: who they are, their roles and department, whether they can sign in; create one, open one to change it. */
export default function StaffPage() {
  const { t, lang } = useI18n();
  const run = useRun();
  const staff = useLoad(useCallback(() => api.get<{ items: StaffAccount[] }>('/v1/staff').then((page) => page.items), []));
  const departments = useLoad(useCallback(() => listDepartments(), []));
  const [creating, setCreating] = useState(false);
  const [issued, setIssued] = useState<{ username: string; password: string } | undefined>();
  const [open, setOpen] = useState<string | undefined>();
  const [form] = Form.useForm<NewStaff>();
  const roleOptions = STAFF_ROLE_NAMES.map((role) => ({ value: role, label: roleLabel(role, lang) }));
  const departmentOptions = (departments.data ?? []).filter((d) => d.status === 'active').map((d) => ({ value: d.departmentId, label: d.name }));

  const create = async (values: NewStaff) => {
    let password = '';
    const ok = await run(async () => {
      const answer = await api.request<{ oneTimePassword: string }>('/v1/staff', { method: 'POST', body: values });
      password = answer.data.oneTimePassword;
    });
    if (!ok) return;
    setCreating(false);
    form.resetFields();
    setIssued({ username: values.username, password });
    staff.reload();
  };

  return (
    <>
      <Typography.Title level={2}>{t('menu.staff')}</Typography.Title>
      <LoadError error={staff.error ?? departments.error} />
      <Card
        extra={
          <Button type="primary" onClick={() => setCreating(true)}>
            {t('staff.create')}
          </Button>
        }
      >
        <Table<StaffAccount>
          rowKey="staffId"
          data-testid="staff-table"
          loading={!staff.data && !staff.error}
          dataSource={staff.data ?? []}
          scroll={{ x: true }}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          columns={[
            {
              title: t('staff.username'),
              dataIndex: 'username',
              render: (username: string, row) => (
                <Button type="link" style={{ padding: 0 }} onClick={() => setOpen(row.staffId)}>
                  {username}
                </Button>
              ),
            },
            { title: t('staff.displayName'), dataIndex: 'displayName' },
            { title: t('staff.roles'), dataIndex: 'roles', render: (roles: string[]) => roles.map((role) => <Tag key={role}>{roleLabel(role, lang)}</Tag>) },
            { title: t('staff.department'), dataIndex: 'departmentId', render: (id: string | null) => departmentName(departments.data, id) },
            {
              title: t('field.status'),
              dataIndex: 'status',
              render: (status: string, row) => (
                <Space size={4} wrap>
                  <Tag color={status === 'active' ? 'green' : 'default'}>{t(status === 'active' ? 'staff.active' : 'staff.disabled')}</Tag>
                  {row.lockedUntil && <Tag color="red">{t('staff.locked')}</Tag>}
                  {row.passwordChangeRequired && <Tag>{t('staff.otpPending')}</Tag>}
                </Space>
              ),
            },
            { title: t('staff.mfa'), dataIndex: 'mfa', render: (mfa: string) => t(`staff.mfa.${mfa}` as 'staff.mfa.none') },
          ]}
        />
      </Card>
      <Modal open={creating} title={t('staff.create')} onCancel={() => setCreating(false)} onOk={() => form.submit()} okText={t('staff.createOk')} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={(values) => void create(values)} initialValues={{ roles: [] }}>
          <Form.Item
            name="username"
            label={t('staff.username')}
            extra={t('staff.usernameHint')}
            rules={[{ required: true, pattern: /^[a-z0-9._-]{3,64}$/, message: t('staff.usernameHint') }]}
          >
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="displayName" label={t('staff.displayName')} rules={[{ required: true, max: 100 }]}>
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="roles" label={t('staff.roles')} rules={[{ required: true, type: 'array', min: 1, message: t('staff.needRole') }]}>
            <Select mode="multiple" options={roleOptions} aria-label={t('staff.roles')} />
          </Form.Item>
          <Form.Item name="departmentId" label={t('staff.department')}>
            <Select allowClear options={departmentOptions} aria-label={t('staff.department')} />
          </Form.Item>
        </Form>
      </Modal>
      {issued && <OneTimePassword username={issued.username} password={issued.password} onClose={() => setIssued(undefined)} />}
      {open && (
        <StaffDrawer
          staffId={open}
          departments={departments.data ?? []}
          onClose={() => setOpen(undefined)}
          onChanged={staff.reload}
          onPassword={(username, password) => setIssued({ username, password })}
        />
      )}
    </>
  );
}
