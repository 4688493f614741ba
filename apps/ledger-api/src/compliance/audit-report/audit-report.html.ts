import type { ComplianceReport } from '@pi-ledger/audit/compliance-report/compliance-report';

type Report = Awaited<ReturnType<ComplianceReport['build']>>;

const escape = (value: Cell): string => String(value ?? '—').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

type Cell = string | number | boolean | null | undefined;

function table(caption: string, head: string[], rows: Cell[][]): string {
  const cells = (row: Cell[], tag: 'td' | 'th') => `<tr>${row.map((cell) => `<${tag}>${escape(cell)}</${tag}>`).join('')}</tr>`;
  const body = rows.length > 0 ? rows.map((row) => cells(row, 'td')).join('\n') : `<tr><td colspan="${head.length}">—</td></tr>`;
  return `<table border="1" cellpadding="4">\n<caption>${escape(caption)}</caption>\n<thead>${cells(head, 'th')}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

const counts = (figures: Record<string, { count: number }>): Cell[][] => Object.entries(figures).map(([name, f]) => [name, f.count]);

/**
 * The report as a printable page: the same figures as the JSON, every value escaped, no script
 * and no style (the API's CSP allows neither), so it prints as plain tables. The JSON stays the
 * evidence: its positions and leaves prove each figure.
 */
export function renderComplianceReport(report: Report): string {
  const { auditTrail: trail } = report;
  const sections = [
    table(
      '处理目的 / Purposes',
      ['id', 'legal basis', 'categories', 'assessment required', 'automated decisions', 'assessments'],
      report.purposes.map((p) => [
        p.id,
        p.legalBasis,
        p.categories.join(', '),
        p.requiresAssessment,
        p.automatedDecisionMaking,
        p.assessments.map((a) => `${a.assessmentId} ${a.status} until ${a.expiresAt ?? '—'}`).join('; '),
      ]),
    ),
    table('同意 / Consents given, by purpose', ['purpose', 'count'], counts(report.consents.given.byPurpose)),
    table('撤回同意 / Consents withdrawn, by purpose', ['purpose', 'count'], counts(report.consents.withdrawn.byPurpose)),
    table(
      '个人权利请求 / Rights requests received, by type',
      ['type', 'received', 'fulfilled', 'rejected', 'open', 'average days to fulfil', 'longest'],
      Object.entries(report.rightsRequests.byType).map(([type, f]) => [type, f.received, f.fulfilled, f.rejected, f.open, f.averageDaysToFulfil, f.longestDaysToFulfil]),
    ),
    table(
      '逾期请求 / Overdue requests',
      ['request', 'type', 'received', 'due', 'days overdue'],
      report.rightsRequests.overdue.items.map((r) => [r.requestId, r.requestType, r.receivedAt, r.dueAt, r.daysOverdue]),
    ),
    table(
      '删除 / Erasures',
      ['request', 'erased at', 'categories', 'retained', 'certificate'],
      report.erasures.items.map((e) => [e.requestId, e.erasedAt, e.erasedCategories.join(', '), e.retainedCategories.join(', '), e.certificate]),
    ),
    table('对外提供 / Disclosures, by recipient', ['recipient', 'count'], counts(report.disclosures.byRecipient)),
    table(
      '出境提供 / Cross-border provision',
      ['recipient', 'country', 'mechanism', 'reference', 'count'],
      report.disclosures.crossBorder.items.map((c) => [c.recipient, c.country, c.mechanism, c.reference, c.count]),
    ),
    table(
      '批量查询告警 / Bulk look-up alerts',
      ['account', 'hour', 'look-ups'],
      report.lookupAlerts.items.map((a) => [a.account, a.windowStart, a.lookups]),
    ),
    table(
      '安全事件 / Incidents',
      ['incident', 'kind', 'detected', 'window', 'notified'],
      report.incidents.items.map((i) => [i.incidentId, i.kind, i.detectedAt, `${i.from} – ${i.to}`, i.notifications.map((n) => `${n.audience} ${n.notifiedAt}`).join('; ')]),
    ),
    table(
      '审计链 / Audit trail',
      ['verified', 'events', 'tree size', 'root hash', 'signed at', 'key'],
      [[trail.verification.ok, trail.verification.events, trail.treeHead.treeSize, trail.treeHead.rootHash, trail.treeHead.timestamp, trail.treeHead.keyId]],
    ),
  ];
  return [
    '<!doctype html>',
    '<html lang="zh-CN"><head><meta charset="utf-8">',
    `<title>个人信息保护合规审计报告 / PI protection compliance audit ${escape(report.period.from)} – ${escape(report.period.to)}</title></head><body>`,
    `<h1>个人信息保护合规审计报告 / Personal information protection compliance audit</h1>`,
    `<p>${escape(report.period.from)} – ${escape(report.period.to)}; generated ${escape(report.generatedAt)}; ${escape(report.format)}</p>`,
    ...sections,
    '</body></html>',
  ].join('\n');
}
