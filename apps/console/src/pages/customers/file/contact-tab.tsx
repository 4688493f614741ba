import { useEffect, useState } from 'react';
import { Alert, Button, Card, Cascader, Checkbox, Descriptions, Form, Input, Modal, Select, Space, Table, Tag, Typography } from 'antd';
import { api, ApiProblem, type BreakGlass } from '../../../api/api-client';
import type { Profile } from '../../../api/types';
import { describeError } from '../../../api/problem-messages';
import { useI18n } from '../../../i18n/i18n';
import type { MessageKey } from '../../../i18n/messages';
import { loadDivisions, pathByNames, pathTo, type DivisionOption } from './divisions';
import { ADDRESS_TYPES, PHONE_TYPES } from '../../../../../../libs/ledger-domain/src/subject/contact';
import { EntryCards } from '../records/record-form';

interface Phone {
  number: string;
  type?: string;
  extension?: string;
  primary?: boolean;
}

interface Address {
  type: string;
  divisionCode?: string;
  province?: string;
  city?: string;
  district?: string;
  line?: string;
  postalCode?: string;
  country?: string;
  primary?: boolean;
}

const MAX_ENTRIES = 10;
const list = <T,>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);

/** An address as one line: the division's names (as the table has them), the street, the postal code. */
export function addressText(address: Address): string {
  return [address.country && address.country !== 'CN' ? address.country : '', address.province, address.city, address.district, address.line, address.postalCode]
    .filter(Boolean)
    .join(' ');
}

interface Props {
  profile: Profile;
  /** The person may write `contact`, and the file is shown as it is now (not as of a date). */
  mayEdit: boolean;
  /** The numbers are shown unmasked: only then may the lists be edited (a masked value is never sent back). */
  revealed: boolean;
  onAskReveal: () => void;
  purposeId: string | undefined;
  breakGlass?: BreakGlass;
  onChanged: () => void;
}

/**
 * The customer's phones (E.164, type from the number, one primary) and addresses (type, the
 * division by GB/T 2260 code with its names, street, postal code; or abroad), each edited as a
 * list and sent whole with If-Match, as the API takes them (PATCH …/data/contact).
 */
export function ContactTab({ profile, mayEdit, revealed, onAskReveal, purposeId, breakGlass, onChanged }: Props) {
  const { t } = useI18n();
  const contact = profile.data.contact ?? {};
  const phones = list<Phone>(contact.phones);
  const addresses = list<Address>(contact.addresses);
  const [editing, setEditing] = useState<'phones' | 'addresses' | 'email' | undefined>();
  const [askReveal, setAskReveal] = useState(false);
  const edit = (what: 'phones' | 'addresses' | 'email') => (revealed ? setEditing(what) : setAskReveal(true));
  const primary = (value?: boolean) => (value ? <Tag color="blue">{t('common.primary')}</Tag> : null);
  const editButton = (what: 'phones' | 'addresses' | 'email', label: MessageKey) =>
    mayEdit && purposeId ? (
      <Button size="small" onClick={() => edit(what)}>
        {t(label)}
      </Button>
    ) : null;
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size={16}>
      {askReveal && (
        <Alert
          type="info"
          showIcon
          role="status"
          title={t('contact.revealToEdit')}
          action={
            <Button
              size="small"
              onClick={() => {
                setAskReveal(false);
                onAskReveal();
              }}
            >
              {t('file.reveal')}
            </Button>
          }
        />
      )}
      <Card size="small" title={t('contact.phones')} extra={editButton('phones', 'contact.editPhones')}>
        <Table<Phone>
          data-testid="phones"
          rowKey={(row, index) => `${row.number}-${index}`}
          size="small"
          pagination={false}
          scroll={{ x: 'max-content' }}
          dataSource={phones}
          locale={{ emptyText: t('common.none') }}
          columns={[
            { title: t('contact.number'), dataIndex: 'number', render: (number: string, row) => `${number}${row.extension ? ` ${t('contact.extension')} ${row.extension}` : ''}` },
            { title: t('common.type'), dataIndex: 'type', render: (type?: string) => (type ? t(`contact.phoneType.${type}` as MessageKey) : '') },
            { title: '', dataIndex: 'primary', render: primary },
          ]}
        />
      </Card>
      <Card size="small" title={t('contact.addresses')} extra={editButton('addresses', 'contact.editAddresses')}>
        <Table<Address>
          data-testid="addresses"
          rowKey={(_, index) => String(index)}
          size="small"
          pagination={false}
          scroll={{ x: 'max-content' }}
          dataSource={addresses}
          locale={{ emptyText: t('common.none') }}
          columns={[
            { title: t('common.type'), dataIndex: 'type', render: (type: string) => t(`contact.addressType.${type}` as MessageKey) },
            { title: t('contact.addresses'), key: 'text', render: (_, row) => addressText(row) },
            { title: t('contact.divisionCode'), dataIndex: 'divisionCode', render: (code?: string) => (code ? <Typography.Text code>{code}</Typography.Text> : '') },
            { title: '', dataIndex: 'primary', render: primary },
          ]}
        />
      </Card>
      <Card size="small" title={t('contact.email')} extra={editButton('email', 'contact.editEmail')}>
        <Descriptions size="small" column={1}>
          <Descriptions.Item label={t('contact.email')}>{typeof contact.email === 'string' ? contact.email : '—'}</Descriptions.Item>
        </Descriptions>
      </Card>
      {editing && purposeId && (
        <ContactEditor
          profile={profile}
          what={editing}
          phones={phones}
          addresses={addresses}
          purposeId={purposeId}
          breakGlass={breakGlass}
          onClose={(changed) => {
            setEditing(undefined);
            if (changed) onChanged();
          }}
        />
      )}
    </Space>
  );
}

/** Sends one change of the file (PATCH …/data/{category}) with If-Match; a 412 is said in plain words, nothing overwritten. */
export async function saveCategory(
  profile: Profile,
  category: string,
  set: Record<string, unknown>,
  purposeId: string,
  breakGlass: BreakGlass | undefined,
  lang: 'zh' | 'en',
  t: (key: MessageKey, vars?: Record<string, string | number>) => string,
) {
  try {
    await api.request(`/v1/subjects/${profile.subjectId}/data/${category}`, {
      method: 'PATCH',
      body: { set, reason: 'update', purposeId },
      ifMatch: profile.version,
      personalData: true,
      breakGlass,
    });
    return undefined;
  } catch (caught) {
    if (caught instanceof ApiProblem && caught.code === 'precondition-failed')
      return t('common.stale', { theirs: typeof caught.problem.currentVersion === 'number' ? caught.problem.currentVersion : '?' });
    return describeError(caught, lang);
  }
}

function ContactEditor({
  profile,
  what,
  phones,
  addresses,
  purposeId,
  breakGlass,
  onClose,
}: {
  profile: Profile;
  what: 'phones' | 'addresses' | 'email';
  phones: Phone[];
  addresses: Address[];
  purposeId: string;
  breakGlass?: BreakGlass;
  onClose: (changed: boolean) => void;
}) {
  const { t, lang } = useI18n();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [divisions, setDivisions] = useState<DivisionOption[] | undefined>();
  useEffect(() => {
    if (what === 'addresses') void loadDivisions().then(setDivisions);
  }, [what]);

  const submit = async (values: { phones?: Phone[]; addresses?: (Address & { division?: string[]; abroad?: boolean })[]; email?: string }) => {
    let set: Record<string, unknown>;
    if (what === 'phones') {
      set = {
        phones: (values.phones ?? []).map((phone) => ({
          // the API takes an extension as part of the number as typed ("… ext. 806") and stores it apart
          number: phone.extension?.trim() ? `${phone.number.trim()} ext. ${phone.extension.trim()}` : phone.number.trim(),
          ...(phone.type ? { type: phone.type } : {}),
          ...(phone.primary ? { primary: true } : {}),
        })),
      };
    } else if (what === 'addresses') {
      set = {
        addresses: (values.addresses ?? []).map(({ division, abroad, type, line, postalCode, country, primary }) => ({
          type,
          // the code names the province, city and district: the API stores their names as the table has them
          ...(abroad ? { country: country?.trim() } : division?.length ? { divisionCode: division[division.length - 1] } : {}),
          ...(line?.trim() ? { line: line.trim() } : {}),
          ...(postalCode?.trim() ? { postalCode: postalCode.trim() } : {}),
          ...(primary ? { primary: true } : {}),
        })),
      };
    } else {
      set = { email: values.email?.trim() || null };
    }
    setBusy(true);
    setError(undefined);
    const refused = await saveCategory(profile, 'contact', set, purposeId, breakGlass, lang, t);
    setBusy(false);
    if (refused) setError(refused);
    else onClose(true);
  };

  const initial = {
    phones: phones.map((phone) => ({ ...phone })),
    addresses: addresses.map((address) => ({
      ...address,
      abroad: !!address.country && address.country !== 'CN',
      division: divisions && (pathTo(divisions, address.divisionCode) ?? pathByNames(divisions, address)),
    })),
    email: typeof profile.data.contact?.email === 'string' ? profile.data.contact.email : undefined,
  };
  const title = t(what === 'phones' ? 'contact.editPhones' : what === 'addresses' ? 'contact.editAddresses' : 'contact.editEmail');
  if (what === 'addresses' && !divisions) {
    return (
      <Modal open title={title} onCancel={() => onClose(false)} footer={null}>
        <Typography.Text>{t('contact.divisionsLoading')}</Typography.Text>
      </Modal>
    );
  }
  return (
    <Modal open title={title} onCancel={() => onClose(false)} footer={null} width={720} destroyOnHidden>
      <Form layout="vertical" initialValues={initial} onFinish={(values) => void submit(values)}>
        {what === 'email' && (
          <Form.Item name="email" label={t('contact.email')} rules={[{ type: 'email', message: t('contact.emailInvalid') }]}>
            <Input autoComplete="off" />
          </Form.Item>
        )}
        {what === 'phones' && (
          <EntryCards
            name="phones"
            title={(index) => `${t('contact.phones')} ${index + 1}`}
            removeLabel={t('common.remove')}
            addLabel={t('common.add')}
            most={MAX_ENTRIES}
            newEntry={(count) => ({ primary: count === 0 })}
          >
            {(field) => (
              <Space wrap align="start">
                <Form.Item name={[field.name, 'number']} label={t('contact.number')} rules={[{ required: true, whitespace: true, message: t('form.required') }]}>
                  <Input style={{ width: 200 }} autoComplete="off" inputMode="tel" />
                </Form.Item>
                <Form.Item name={[field.name, 'type']} label={t('common.type')}>
                  <Select
                    allowClear
                    placeholder={t('contact.phoneTypeAuto')}
                    aria-label={t('common.type')}
                    style={{ width: 160 }}
                    options={PHONE_TYPES.map((value) => ({ value, label: t(`contact.phoneType.${value}`) }))}
                  />
                </Form.Item>
                <Form.Item name={[field.name, 'extension']} label={t('contact.extension')}>
                  <Input style={{ width: 90 }} autoComplete="off" />
                </Form.Item>
                <Form.Item name={[field.name, 'primary']} valuePropName="checked" label=" ">
                  <Checkbox>{t('common.primary')}</Checkbox>
                </Form.Item>
              </Space>
            )}
          </EntryCards>
        )}
        {what === 'addresses' && (
          <EntryCards
            name="addresses"
            title={(index) => `${t('contact.addresses')} ${index + 1}`}
            removeLabel={t('common.remove')}
            addLabel={t('common.add')}
            most={MAX_ENTRIES}
            newEntry={(count) => ({ type: 'home', primary: count === 0 })}
          >
            {(field) => (
              <>
                <Space wrap align="start">
                  <Form.Item name={[field.name, 'type']} label={t('common.type')} rules={[{ required: true, message: t('form.required') }]}>
                    <Select aria-label={t('common.type')} style={{ width: 120 }} options={ADDRESS_TYPES.map((value) => ({ value, label: t(`contact.addressType.${value}`) }))} />
                  </Form.Item>
                  <Form.Item name={[field.name, 'abroad']} valuePropName="checked" label=" ">
                    <Checkbox>{t('contact.abroad')}</Checkbox>
                  </Form.Item>
                  <Form.Item name={[field.name, 'primary']} valuePropName="checked" label=" ">
                    <Checkbox>{t('common.primary')}</Checkbox>
                  </Form.Item>
                </Space>
                <Form.Item noStyle shouldUpdate>
                  {({ getFieldValue }) =>
                    getFieldValue(['addresses', field.name, 'abroad']) ? (
                      <Form.Item name={[field.name, 'country']} label={t('contact.country')} rules={[{ required: true, whitespace: true, message: t('form.required') }]}>
                        <Input style={{ width: 200 }} autoComplete="off" />
                      </Form.Item>
                    ) : (
                      <Form.Item name={[field.name, 'division']} label={t('contact.division')} rules={[{ required: true, message: t('form.required') }]}>
                        <Cascader options={divisions} showSearch changeOnSelect aria-label={t('contact.division')} style={{ width: '100%' }} />
                      </Form.Item>
                    )
                  }
                </Form.Item>
                <Space wrap align="start">
                  <Form.Item name={[field.name, 'line']} label={t('contact.line')}>
                    <Input style={{ width: 320 }} autoComplete="off" />
                  </Form.Item>
                  <Form.Item name={[field.name, 'postalCode']} label={t('contact.postalCode')}>
                    <Input style={{ width: 120 }} autoComplete="off" inputMode="numeric" />
                  </Form.Item>
                </Space>
              </>
            )}
          </EntryCards>
        )}
        {error && <Alert type="error" showIcon title={error} role="alert" style={{ marginBottom: 16 }} />}
        <Typography.Paragraph type="secondary">{t('edit.version', { version: profile.version })}</Typography.Paragraph>
        <Button type="primary" htmlType="submit" loading={busy}>
          {t('edit.save')}
        </Button>
      </Form>
    </Modal>
  );
}
