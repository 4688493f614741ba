import { lazy, Suspense, type ReactNode } from 'react';
import { createBrowserRouter, Navigate, RouterProvider, useLocation } from 'react-router';
import { ConfigProvider, Spin } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import enUS from 'antd/locale/en_US';
import { I18nProvider, useI18n } from './i18n/i18n';
import { SessionProvider, useSession } from './session/session';
import { PurposeProvider, RequirePurpose } from './session/purpose';
import { LoginPage } from './pages/login-page';

// every page but sign-in, and the signed-in frame, load when first opened: the login route ships the least script
const ConsoleLayout = lazy(() => import('./layout/console-layout'));
const HomePage = lazy(() => import('./pages/home/home-page'));
const SearchPage = lazy(() => import('./pages/customers/search-page'));
const RegisterPage = lazy(() => import('./pages/customers/register-page'));
const CustomerFilePage = lazy(() => import('./pages/customers/customer-file-page'));
const RightsQueuePage = lazy(() => import('./pages/compliance/rights-queue-page'));
const RightsRequestPage = lazy(() => import('./pages/compliance/rights-request-page'));
const AuditPage = lazy(() => import('./pages/audit/audit-page'));
const ReportsPage = lazy(() => import('./pages/reports/reports-page'));
const FollowUpQueuePage = lazy(() => import('./pages/work/follow-up-queue-page'));
const ComplaintQueuePage = lazy(() => import('./pages/work/complaint-queue-page'));
const DuplicatesPage = lazy(() => import('./pages/customers/duplicates-page'));
const MfaEnrolPage = lazy(() => import('./pages/mfa-enrol-page'));
const StaffPage = lazy(() => import('./pages/admin/staff-page'));
const DepartmentsPage = lazy(() => import('./pages/admin/departments-page'));
const AccessMatrixPage = lazy(() => import('./pages/admin/access-matrix-page'));
const RegistryPage = lazy(() => import('./pages/admin/registry-page'));
const ProjectionsPage = lazy(() => import('./pages/ops/projections-page'));
const LegalHoldsPage = lazy(() => import('./pages/compliance/legal-holds-page'));
const AccessLogPage = lazy(() => import('./pages/compliance/access-log-page'));
const BreakGlassPage = lazy(() => import('./pages/compliance/break-glass-page'));
const AssessmentsPage = lazy(() => import('./pages/compliance/assessments-page'));
const IncidentsPage = lazy(() => import('./pages/compliance/incidents-page'));
const ImportWizardPage = lazy(() => import('./pages/imports/import-wizard-page'));
const QueryPage = lazy(() => import('./pages/query/query-page'));
const MergePage = lazy(() => import('./pages/customers/merge-page'));
const ExportPage = lazy(() => import('./pages/exports/export-page'));

function Loading() {
  return <Spin style={{ display: 'block', margin: '64px auto' }} />;
}

function RequireSignIn({ children }: { children: ReactNode }) {
  const { ready, user } = useSession();
  const location = useLocation();
  if (!ready) return <Loading />;
  if (!user) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  return <>{children}</>;
}

/** A page that reads personal data: the purpose is asked first. */
const pi = (page: ReactNode) => <RequirePurpose>{page}</RequirePurpose>;

const router = createBrowserRouter(
  [
    { path: '/login', element: <LoginPage /> },
    {
      path: '/',
      element: (
        <RequireSignIn>
          <ConsoleLayout />
        </RequireSignIn>
      ),
      children: [
        { index: true, element: <HomePage /> },
        { path: 'customers', element: pi(<SearchPage />) },
        { path: 'customers/new', element: pi(<RegisterPage />) },
        { path: 'customers/:subjectId/*', element: pi(<CustomerFilePage />) },
        { path: 'duplicates', element: pi(<DuplicatesPage />) },
        { path: 'work/my-follow-ups', element: <FollowUpQueuePage view="mine" /> },
        { path: 'work/overdue-follow-ups', element: <FollowUpQueuePage view="department" /> },
        { path: 'work/complaints', element: <ComplaintQueuePage /> },
        { path: 'rights', element: <RightsQueuePage /> },
        { path: 'rights/:requestId', element: <RightsRequestPage /> },
        { path: 'audit', element: <AuditPage /> },
        { path: 'reports', element: <ReportsPage /> },
        { path: 'account/mfa', element: <MfaEnrolPage /> },
        { path: 'admin/staff', element: <StaffPage /> },
        { path: 'admin/departments', element: <DepartmentsPage /> },
        { path: 'admin/access-matrix', element: <AccessMatrixPage /> },
        { path: 'admin/registry', element: <RegistryPage /> },
        { path: 'ops/projections', element: <ProjectionsPage /> },
        { path: 'compliance/legal-holds', element: <LegalHoldsPage /> },
        { path: 'compliance/access-log', element: <AccessLogPage /> },
        { path: 'compliance/break-glass', element: <BreakGlassPage /> },
        { path: 'compliance/assessments', element: <AssessmentsPage /> },
        { path: 'compliance/incidents', element: <IncidentsPage /> },
        { path: 'imports', element: <ImportWizardPage /> },
        { path: 'query', element: pi(<QueryPage />) },
        { path: 'duplicates/:first/:second/merge', element: pi(<MergePage />) },
        { path: 'exports', element: pi(<ExportPage />) },
        { path: '*', element: <Navigate to="/" replace /> },
      ],
    },
  ],
  { basename: '/console' },
);

/**
 * Ant Design's defaults with the grey and tag texts dark enough for WCAG AA contrast (4.5:1) on white and on the
 * page's grey, and tinted tags in console.css), which the axe-core scan (test/console/accessibility.spec.ts) holds the console to.
 */
// a person whose system asks for less motion (WCAG 2.3.3) gets drawers, menus and dialogs that appear without sliding or zooming
const REDUCED_MOTION = window.matchMedia('(prefers-reduced-motion: reduce)').matches;

const THEME = {
  token: {
    motion: !REDUCED_MOTION,
    colorPrimary: '#0b6bcb',
    colorTextDescription: 'rgba(0, 0, 0, 0.62)',
    colorTextTertiary: 'rgba(0, 0, 0, 0.62)',
    colorTextPlaceholder: 'rgba(0, 0, 0, 0.56)',
    colorError: '#cf1322',
    colorLink: '#0b6bcb',
  },
};

function Localised() {
  const { lang } = useI18n();
  return (
    <ConfigProvider locale={lang === 'zh' ? zhCN : enUS} theme={THEME}>
      {/* antd's App (message, notification, modal) wraps the signed-in frame (layout/console-layout.tsx), not the sign-in page */}
      <Suspense fallback={<Loading />}>
        <RouterProvider router={router} />
      </Suspense>
    </ConfigProvider>
  );
}

export function ConsoleApp() {
  return (
    <I18nProvider>
      <SessionProvider>
        <PurposeProvider>
          <Localised />
        </PurposeProvider>
      </SessionProvider>
    </I18nProvider>
  );
}
