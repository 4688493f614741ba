import { useCallback, useEffect, useState } from 'react';
import { Button, Card, Checkbox, Space, Table, Tag, Typography } from 'antd';
import { api } from '../../api/api-client';
import { useI18n } from '../../i18n/i18n';
import { categoryLabel, roleLabel } from '../../i18n/labels';
import { useSession } from '../../session/session';
import { hasAnyRole } from '../../session/jwt';
import type { AccessMatrix, RegistryCategory } from './admin-types';
import { LoadError, useLoad, useRun } from './page-kit';

type Row = { read: string[]; write: string[] };
const same = (a: Row, b: Row) => [...a.read].sort().join() === [...b.read].sort().join() && [...a.write].sort().join() === [...b.write].sort().join();

/**
 * The category permission matrix: a row per role, a read and a write box per category. An admin edits
 * a role's row and saves it (one RolePermissionsSet event, the admin named in it); compliance officers
 * and auditors see it as it stands.
 */
export default function AccessMatrixPage() {
  const { t, lang } = useI18n();
  const { user } = useSession();
  const run = useRun();
  const mayEdit = hasAnyRole(user, ['admin']);
  const matrix = useLoad(useCallback(() => api.get<AccessMatrix>('/v1/access-matrix'), []));
  const categories = useLoad(useCallback(() => api.get<RegistryCategory[]>('/v1/categories'), []));
  const [draft, setDraft] = useState<Record<string, Row>>({});
  useEffect(() => setDraft(matrix.data?.roles ?? {}), [matrix.data]);
  const roles = Object.keys(matrix.data?.roles ?? {});

  const toggle = (role: string, category: string, access: 'read' | 'write', on: boolean) =>
    setDraft((current) => {
      const row = { read: [...current[role].read], write: [...current[role].write] };
      const set = (list: string[], value: boolean) => (value ? [...new Set([...list, category])] : list.filter((c) => c !== category));
      row[access] = set(row[access], on);
      // writing a category one may not read makes no sense: writing implies reading, not reading forbids writing
      if (access === 'write' && on) row.read = set(row.read, true);
      if (access === 'read' && !on) row.write = set(row.write, false);
      return { ...current, [role]: row };
    });
  const save = (role: string) =>
    void run(() => api.request(`/v1/access-matrix/${role}`, { method: 'PUT', body: draft[role] }), t('matrix.saved', { role: roleLabel(role, lang) })).then(matrix.reload);

  return (
    <>
      <Typography.Title level={2}>{t('menu.accessMatrix')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t(mayEdit ? 'matrix.explainEdit' : 'matrix.explainView')}</Typography.Paragraph>
      <LoadError error={matrix.error ?? categories.error} />
      <Card>
        <Table<string>
          rowKey={(role) => role}
          data-testid="access-matrix"
          loading={!matrix.data && !matrix.error}
          dataSource={roles}
          pagination={false}
          scroll={{ x: true }}
          size="small"
          columns={[
            {
              title: t('matrix.role'),
              key: 'role',
              fixed: 'left',
              render: (_: unknown, role) => (
                <Space orientation="vertical" size={4}>
                  <strong>{roleLabel(role, lang)}</strong>
                  {mayEdit && draft[role] && matrix.data && !same(draft[role], matrix.data.roles[role]) && (
                    <Button size="small" type="primary" onClick={() => save(role)} aria-label={t('matrix.saveRole', { role: roleLabel(role, lang) })}>
                      {t('matrix.save')}
                    </Button>
                  )}
                </Space>
              ),
            },
            ...(categories.data ?? []).map((category) => ({
              title: (
                <span>
                  {categoryLabel(category.name, lang)}
                  {category.sensitive && (
                    <Tag color="orange" style={{ marginLeft: 4 }}>
                      {t('registry.sensitive')}
                    </Tag>
                  )}
                </span>
              ),
              key: category.name,
              render: (_: unknown, role: string) => {
                const row = draft[role];
                if (!row) return null;
                const label = (access: 'read' | 'write') =>
                  t(access === 'read' ? 'matrix.cellRead' : 'matrix.cellWrite', { role: roleLabel(role, lang), category: categoryLabel(category.name, lang) });
                return (
                  <Space orientation="vertical" size={0}>
                    {(['read', 'write'] as const).map((access) => (
                      <Checkbox
                        key={access}
                        disabled={!mayEdit}
                        checked={row[access].includes(category.name)}
                        aria-label={label(access)}
                        onChange={(event) => toggle(role, category.name, access, event.target.checked)}
                      >
                        {t(access === 'read' ? 'matrix.read' : 'matrix.write')}
                      </Checkbox>
                    ))}
                  </Space>
                );
              },
            })),
          ]}
        />
      </Card>
    </>
  );
}
