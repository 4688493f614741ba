import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { useLocation, useNavigate, useParams } from 'react-router';
import { Alert, Button, Card, Descriptions, Grid, Input, Select, Space, Spin, Tabs, Tag, Typography } from 'antd';
import { api, ApiProblem, type BreakGlass } from '../../api/api-client';
import type { CategoryInfo, Profile } from '../../api/types';
import { describeError } from '../../api/problem-messages';
import { useI18n } from '../../i18n/i18n';
import { categoryLabel, DOCUMENT_TYPES, fieldLabel, statusLabel } from '../../i18n/labels';
import { usePurpose } from '../../session/purpose';
import { useSession } from '../../session/session';
import { hasAnyRole } from '../../session/jwt';
import { FILE_ROLES } from '../../layout/menus';
import { FieldValue } from './field-value';
import { CategoryEditor } from './category-editor';
import { AccessLogTab, ConsentsTab, DisclosuresTab, HistoryTab } from './customer-file-tabs';
import { BreakGlassForm } from './break-glass-form';
import { useMyCategories } from '../../session/permissions';
import { PurposeCovers, type RecordTabProps } from './records/record-tab';
import { CheckupsTab } from './records/checkups-tab';
import { ServicesTab } from './records/services-tab';
import { FollowUpsTab } from './records/follow-ups-tab';
import { ComplaintsTab } from './records/complaints-tab';
import { OrdersTab } from './records/orders-tab';
import { SurveysTab } from './records/surveys-tab';
import { PlansTab } from './records/plans-tab';
import { MessagesTab } from './records/messages-tab';
import { TimelineTab } from './records/timeline-tab';
import { ContactTab } from './file/contact-tab';
import { MASKED_CATEGORIES, RevealDialog } from './reveal-dialog';
import { CustomerProfileTab, LifecycleControl, type Lifecycle } from './file/profile-tab';
import type { MessageKey } from '../../i18n/messages';

/**
 * One customer's file under the chosen purpose: a tab per category, masked values revealed on
 * request (the reveal is recorded with the purpose), consents, disclosures, the access log, the
 * field history and the state as of a past moment, each as the person's roles allow.
 */
export default function CustomerFilePage() {
  // /customers/<id>[/<tab>[/<record id>]]: ids only, so a reload or a link opens the same tab and record
  const { subjectId = '', '*': rest = '' } = useParams();
  const [tabKey, itemId] = rest.split('/').filter(Boolean);
  const navigate = useNavigate();
  const mergedFrom = (useLocation().state as { mergedFrom?: string } | null)?.mergedFrom;
  const mine = useMyCategories();
  const narrow = !Grid.useBreakpoint().md;
  const { t, lang } = useI18n();
  const { purpose } = usePurpose();
  const { user } = useSession();
  const [profile, setProfile] = useState<Profile | undefined>();
  const [categories, setCategories] = useState<CategoryInfo[] | undefined>();
  const [error, setError] = useState<{ text: string; outsideAssignment: boolean } | undefined>();
  const [breakGlass, setBreakGlass] = useState<BreakGlass | undefined>();
  const [revealed, setRevealed] = useState<string[]>([]);
  const [asOf, setAsOf] = useState<string | undefined>();
  const [askReveal, setAskReveal] = useState(false);
  const [editing, setEditing] = useState<CategoryInfo | undefined>();
  const [reads, setReads] = useState(0);
  const auditor = hasAnyRole(user, ['compliance_officer', 'auditor']);
  const compliance = hasAnyRole(user, ['compliance_officer']);
  // the file roles: the record routes (check-ups, services, complaints, orders, the timeline, …) are theirs alone, whatever the matrix lets another role read
  const editor = hasAnyRole(user, FILE_ROLES);

  const load = useCallback(
    async (reveal: string[], at: string | undefined, glass?: BreakGlass) => {
      setError(undefined);
      try {
        const read = await api.get<Profile>(`/v1/subjects/${subjectId}`, { personalData: true, breakGlass: glass, query: { reveal: reveal.join(',') || undefined, asOf: at } });
        setProfile(read);
        setReads((count) => count + 1);
      } catch (caught) {
        setProfile(undefined);
        // a file merged into another: its id leads to the file that stayed (the API's pointer, followed knowingly, for reads only)
        if (caught instanceof ApiProblem && caught.code === 'subject-merged' && typeof caught.problem.mergedInto === 'string') {
          void navigate(`/customers/${caught.problem.mergedInto}`, { replace: true, state: { mergedFrom: subjectId } });
          return;
        }
        setError({ text: describeError(caught, lang), outsideAssignment: caught instanceof ApiProblem && caught.code === 'outside-assignment' });
      }
    },
    [subjectId, lang, navigate],
  );

  useEffect(() => {
    void load([], undefined);
    api
      .get<CategoryInfo[]>('/v1/categories')
      .then(setCategories)
      .catch(() => setCategories([]));
  }, [load]);

  if (error) {
    return (
      <>
        <Alert
          type="error"
          showIcon
          role="alert"
          title={t('file.refused')}
          description={error.text}
          action={<Button onClick={() => void load(revealed, asOf, breakGlass)}>{t('file.retry')}</Button>}
        />
        {error.outsideAssignment && (
          <BreakGlassForm
            onSubmit={(glass) => {
              setBreakGlass(glass);
              void load(revealed, asOf, glass);
            }}
          />
        )}
      </>
    );
  }
  if (!profile) return <Spin style={{ display: 'block', margin: '64px auto' }} />;

  // coded values in the page's language
  const readable = (field: string, value: unknown) =>
    field === 'type' && typeof value === 'string' && DOCUMENT_TYPES.includes(value)
      ? t(`document.${value}` as 'document.resident_id')
      : field === 'gender' && (value === 'female' || value === 'male')
        ? t(`gender.${value}`)
        : value;
  const name = typeof profile.data.identity?.name === 'string' ? profile.data.identity.name : t('search.noName');
  const maskable = MASKED_CATEGORIES.filter((category) => profile.data[category] && !revealed.includes(category));
  const reload = () => void load(revealed, asOf, breakGlass);
  const mayEdit = (category: string) => editor && !asOf && (mine?.write.includes(category) ?? false);
  // contact and the classification have their own pages: lists and choices, not the generic field list
  const ownTab = (category: CategoryInfo): ReactNode | undefined =>
    category.name === 'contact' ? (
      <ContactTab
        profile={profile}
        mayEdit={mayEdit('contact')}
        revealed={revealed.includes('contact')}
        onAskReveal={() => setAskReveal(true)}
        purposeId={purpose?.id}
        breakGlass={breakGlass}
        onChanged={reload}
      />
    ) : category.name === 'customer_profile' ? (
      <CustomerProfileTab profile={profile} mayEdit={mayEdit('customer_profile')} purposeId={purpose?.id} breakGlass={breakGlass} onChanged={reload} />
    ) : undefined;
  const dataTabs = (categories ?? [])
    .filter((category) => profile.data[category.name] || (category.name === 'customer_profile' && mayEdit(category.name)))
    .map((category) => ({
      key: category.name,
      label: (
        <span>
          {categoryLabel(category.name, lang)} {category.sensitive && <Tag color="volcano">{t('file.sensitive')}</Tag>}
        </span>
      ),
      children: ownTab(category) ?? (
        <>
          <Descriptions column={1} bordered size="small">
            {category.fields
              .filter((field) => profile.data[category.name][field] !== undefined)
              .map((field) => (
                <Descriptions.Item key={field} label={fieldLabel(field, lang)}>
                  <FieldValue value={readable(field, profile.data[category.name][field])} />
                </Descriptions.Item>
              ))}
          </Descriptions>
          {editor && !asOf && (
            <Button style={{ marginTop: 12 }} onClick={() => setEditing(category)}>
              {t('file.edit')}
            </Button>
          )}
        </>
      ),
    }));
  const showTab = (key: string, item?: string) => void navigate(`/customers/${subjectId}/${key}${item ? `/${item}` : ''}`, { replace: true });
  /**
   * A record tab, shown to a file role whose row of the matrix reads its category (the timeline: any of its
   * categories), as the file is now; the chosen purpose must cover one of them, else the tab says so and reads nothing.
   */
  const record = (key: string, label: MessageKey, category: string | readonly string[], tab: (props: RecordTabProps) => ReactNode) => {
    const readable = (typeof category === 'string' ? [category] : category).filter((name) => mine?.read.includes(name));
    if (!mine || !editor || asOf || readable.length === 0) return [];
    const props: RecordTabProps = {
      subjectId,
      mayWrite: typeof category === 'string' && mine.write.includes(category) && editor,
      breakGlass,
      itemId: tabKey === key ? itemId : undefined,
      openItem: (item) => showTab(key, item),
    };
    return [{ key, label: t(label), children: <PurposeCovers categories={readable}>{tab(props)}</PurposeCovers> }];
  };
  const showVisit = mine?.read.includes('health_records') ? (visitId: string) => showTab('checkups', visitId) : undefined;
  const tabs = [
    ...dataTabs,
    ...record('timeline', 'timeline.tab', ['service_interactions', 'health_records', 'consumption'], (props) => <TimelineTab {...props} onOpen={showTab} />),
    ...record('checkups', 'checkups.tab', 'health_records', (props) => <CheckupsTab {...props} />),
    ...record('services', 'services.tab', 'service_interactions', (props) => <ServicesTab {...props} />),
    ...record('follow-ups', 'followUps.tab', 'service_interactions', (props) => <FollowUpsTab {...props} onShowVisit={showVisit} />),
    ...record('plans', 'plans.tab', 'service_interactions', (props) => <PlansTab {...props} />),
    ...record('complaints', 'complaints.tab', 'service_interactions', (props) => <ComplaintsTab {...props} />),
    ...record('orders', 'orders.tab', 'consumption', (props) => <OrdersTab {...props} />),
    ...record('surveys', 'surveys.tab', 'service_interactions', (props) => <SurveysTab {...props} />),
    ...record('messages', 'messages.tab', 'service_interactions', (props) => <MessagesTab {...props} />),
    {
      key: 'consents',
      label: t('file.consents'),
      children: <ConsentsTab profile={profile} mayWithdraw={editor && !asOf} onChanged={() => void load(revealed, asOf, breakGlass)} />,
    },
    ...(hasAnyRole(user, ['staff', 'compliance_officer']) ? [{ key: 'disclosures', label: t('file.disclosures'), children: <DisclosuresTab subjectId={subjectId} /> }] : []),
    ...(auditor
      ? [
          { key: 'access', label: t('file.accessLog'), children: <AccessLogTab subjectId={subjectId} refreshKey={reads} /> },
          { key: 'history', label: t('file.history'), children: <HistoryTab subjectId={subjectId} /> },
        ]
      : []),
  ];

  // the tabs wait for the categories and the person's row of the matrix: a bar that grew under the pointer would take a click for
  // another tab, and a first tab chosen before the categories arrived would open a record tab the person did not ask for
  const ready = categories !== undefined && mine !== undefined;
  const active = tabs.some((tab) => tab.key === tabKey) ? tabKey : tabs[0]?.key;

  return (
    <>
      {mergedFrom && <Alert type="info" showIcon role="status" title={t('merge.mergedNotice')} style={{ marginBottom: 16 }} />}
      <Card>
        <Space wrap align="center" style={{ justifyContent: 'space-between', width: '100%' }}>
          {/* elementtiming: bench:console reads when the file's heading painted (Element Timing API) */}
          <Typography.Title level={2} style={{ margin: 0 }} {...{ elementtiming: 'customer-file' }}>
            {name}
          </Typography.Title>
          <Space wrap>
            <Tag color={profile.status === 'active' ? 'green' : 'orange'}>{statusLabel(profile.status, lang)}</Tag>
            <LifecycleControl
              subjectId={subjectId}
              lifecycle={(profile as Profile & { lifecycle?: Lifecycle }).lifecycle}
              version={profile.version}
              mayMove={mayEdit('customer_profile')}
              purposeId={purpose?.id}
              breakGlass={breakGlass}
              onChanged={reload}
            />
            <Typography.Text type="secondary">{t('file.version', { version: profile.version })}</Typography.Text>
          </Space>
        </Space>
        <Space wrap style={{ marginTop: 12 }}>
          {maskable.length > 0 && !asOf && <Button onClick={() => setAskReveal(true)}>{t('file.reveal')}</Button>}
          {revealed.length > 0 && (
            <Button
              onClick={() => {
                setRevealed([]);
                void load([], asOf, breakGlass);
              }}
            >
              {t('file.mask')}
            </Button>
          )}
          {compliance && (
            <Input
              type="datetime-local"
              aria-label={t('file.asOf')}
              style={{ width: 220 }}
              onChange={(event) => {
                const at = event.target.value ? new Date(event.target.value).toISOString() : undefined;
                setAsOf(at);
                void load(revealed, at, breakGlass);
              }}
            />
          )}
          {breakGlass && <Tag color="red">{t('breakGlass.active', { reason: t(`breakGlass.reason.${breakGlass.reason}` as 'breakGlass.reason.emergency') })}</Tag>}
          {asOf && <Tag color="gold">{t('file.asOfShown', { at: new Date(asOf).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB') })}</Tag>}
        </Space>
      </Card>
      <Card style={{ marginTop: 16 }}>
        {!ready && <Spin style={{ display: 'block', margin: '24px auto' }} />}
        {ready && (
          <Tabs
            items={tabs}
            activeKey={active}
            onChange={(key) => showTab(key)}
            // a column of sections beside the file on a desktop: a row of twenty would overflow into a "more" menu, which sits in
            // the tablist among the tabs (axe: aria-required-children) and hides sections behind a click
            tabPlacement={narrow ? 'top' : 'start'}
            // on a phone the tabs do not fit in a row: one list to choose from instead of a bar scrolled sideways
            renderTabBar={
              narrow
                ? () => (
                    <Select
                      aria-label={t('file.sections')}
                      value={active}
                      onChange={(key: string) => showTab(key)}
                      options={tabs.map((tab) => ({ value: tab.key, label: tab.label }))}
                      // twenty sections at most: all in the list (a virtual one renders only those near the chosen one)
                      virtual={false}
                      style={{ width: '100%', marginBottom: 12 }}
                    />
                  )
                : undefined
            }
          />
        )}
      </Card>
      <RevealDialog
        open={askReveal}
        purposeName={purpose?.name ?? ''}
        categories={maskable}
        onCancel={() => setAskReveal(false)}
        onConfirm={() => {
          const next = [...revealed, ...maskable];
          setAskReveal(false);
          setRevealed(next);
          void load(next, asOf, breakGlass);
        }}
      />
      {editing && purpose && (
        <CategoryEditor
          profile={profile}
          category={editing}
          purposeId={purpose.id}
          breakGlass={breakGlass}
          onClose={(changed) => {
            setEditing(undefined);
            if (changed) void load(revealed, asOf, breakGlass);
          }}
        />
      )}
    </>
  );
}
