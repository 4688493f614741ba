import { useCallback, useState } from 'react';
import { Button, Card, Form, Input, Modal, Popconfirm, Select, Table, Tag, Typography } from 'antd';
import { api } from '../../api/api-client';
import { useI18n } from '../../i18n/i18n';
import type { Department, StaffAccount } from './admin-types';
import { listDepartments, LoadError, useLoad, useRun } from './page-kit';

/** The centre's departments: create one, name its manager (a staff account), deactivate it. */
export default function DepartmentsPage() {
  const { t } = useI18n();
  const run = useRun();
  const departments = useLoad(useCallback(() => listDepartments(), []));
  const staff = useLoad(useCallback(() => api.get<{ items: StaffAccount[] }>('/v1/staff').then((page) => page.items), []));
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm<{ code: string; name: string; managerId?: string }>();
  const staffOptions = (staff.data ?? []).filter((s) => s.status === 'active').map((s) => ({ value: s.staffId, label: `${s.username} · ${s.displayName}` }));
  const who = (id: string | null) => (id ? (staff.data?.find((s) => s.staffId === id)?.username ?? id.slice(0, 8)) : '');

  const create = async (values: { code: string; name: string; managerId?: string }) => {
    if (await run(() => api.request('/v1/departments', { method: 'POST', body: values }), t('departments.created'))) {
      setCreating(false);
      form.resetFields();
      departments.reload();
    }
  };
  const update = (d: Department, path: string, options: { method: 'PATCH' | 'POST'; body?: unknown }, done: string) =>
    void run(() => api.request(`/v1/departments/${d.departmentId}${path}`, options), done).then(departments.reload);

  return (
    <>
      <Typography.Title level={2}>{t('menu.departments')}</Typography.Title>
      <LoadError error={departments.error ?? staff.error} />
      <Card
        extra={
          <Button type="primary" onClick={() => setCreating(true)}>
            {t('departments.create')}
          </Button>
        }
      >
        <Table<Department>
          rowKey="departmentId"
          data-testid="departments-table"
          loading={!departments.data && !departments.error}
          dataSource={departments.data ?? []}
          scroll={{ x: true }}
          pagination={false}
          columns={[
            { title: t('departments.code'), dataIndex: 'code' },
            { title: t('departments.name'), dataIndex: 'name' },
            {
              title: t('departments.manager'),
              dataIndex: 'managerId',
              render: (managerId: string | null, d) =>
                d.status === 'active' ? (
                  <Select
                    style={{ width: 220 }}
                    allowClear
                    aria-label={t('departments.managerOf', { name: d.name })}
                    value={managerId ?? undefined}
                    options={staffOptions}
                    onChange={(id?: string) => update(d, '', { method: 'PATCH', body: { managerId: id ?? null } }, t('departments.managerSet'))}
                  />
                ) : (
                  who(managerId)
                ),
            },
            {
              title: t('field.status'),
              dataIndex: 'status',
              render: (status: string) => <Tag color={status === 'active' ? 'green' : 'default'}>{t(status === 'active' ? 'departments.active' : 'departments.inactive')}</Tag>,
            },
            {
              title: '',
              key: 'actions',
              render: (_: unknown, d) =>
                d.status === 'active' && (
                  <Popconfirm
                    title={t('departments.deactivateExplain')}
                    okText={t('admin.confirm')}
                    cancelText={t('admin.cancel')}
                    onConfirm={() => update(d, '/deactivate', { method: 'POST' }, t('departments.deactivated'))}
                  >
                    <Button size="small" danger>
                      {t('departments.deactivate')}
                    </Button>
                  </Popconfirm>
                ),
            },
          ]}
        />
      </Card>
      <Modal open={creating} title={t('departments.create')} onCancel={() => setCreating(false)} onOk={() => form.submit()} okText={t('departments.createOk')} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={(values) => void create(values)}>
          <Form.Item
            name="code"
            label={t('departments.code')}
            extra={t('departments.codeHint')}
            rules={[{ required: true, pattern: /^[a-z0-9-]{1,32}$/, message: t('departments.codeHint') }]}
          >
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="name" label={t('departments.name')} rules={[{ required: true, max: 100 }]}>
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="managerId" label={t('departments.manager')}>
            <Select allowClear options={staffOptions} aria-label={t('departments.manager')} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
