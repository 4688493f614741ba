import type { ComplianceReport } from '@pi-ledger/audit/compliance-report/compliance-report';

type Report = Awaited<ReturnType<ComplianceReport['build']>>;

const escape = (value: Cell): string => String(value ?? '—').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

type Cell = string | number | boolean | null | undefined;

function table(caption: string, head: string[], rows: Cell[][]): string {
  const cells = (row: Cell[], tag: 'td' | 'th') => `<tr>${row.map((cell) => `<${tag}>${escape(cell)}</${tag}>`).join('')}</tr>`;
  const body = rows.length > 0 ? rows.map((row) => cells(row, 'td')).join('\n') : `<tr><td colspan="${head.length}">—</td></tr>`;
  return `<table border="1" cellpadding="4">\n<caption>${escape(caption)}</caption>\n<thead>${cells(head, 'th')}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** The event positions a figure rests on: what the proofs in the JSON report cover. */
const at = (positions: readonly number[] | number): string => (typeof positions === 'number' ? [positions] : positions).join(' ');

const counts = (figures: Record<string, { count: number; positions: number[] }>): Cell[][] => Object.entries(figures).map(([name, f]) => [name, f.count, at(f.positions)]);

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
      ['id', 'legal basis', 'categories', 'Art. 55 triggers', 'assessment required', 'automated decisions', 'assessments', 'events'],
      report.purposes.map((p) => [
        p.id,
        p.legalBasis,
        p.categories.join(', '),
        p.assessmentTriggers.join(', '),
        p.requiresAssessment,
        p.automatedDecisionMaking,
        p.assessments.map((a) => `${a.assessmentId} ${a.status} until ${a.expiresAt ?? '—'} (events ${at(a.positions)})`).join('; '),
        at(p.positions),
      ]),
    ),
    table('同意 / Consents given, by purpose', ['purpose', 'count', 'events'], counts(report.consents.given.byPurpose)),
    table('撤回同意 / Consents withdrawn, by purpose', ['purpose', 'count', 'events'], counts(report.consents.withdrawn.byPurpose)),
    table(
      '个人权利请求 / Rights requests received, by type',
      ['type', 'received', 'fulfilled', 'rejected', 'open', 'average days to fulfil', 'longest', 'events'],
      Object.entries(report.rightsRequests.byType).map(([type, f]) => [
        type,
        f.received,
        f.fulfilled,
        f.rejected,
        f.open,
        f.averageDaysToFulfil,
        f.longestDaysToFulfil,
        at(f.positions),
      ]),
    ),
    table(
      '逾期请求 / Overdue requests',
      ['request', 'type', 'received', 'due', 'days overdue', 'events'],
      report.rightsRequests.overdue.items.map((r) => [r.requestId, r.requestType, r.receivedAt, r.dueAt, r.daysOverdue, at(r.positions)]),
    ),
    table(
      '删除 / Erasures',
      ['request', 'erased at', 'categories', 'retained', 'certificate', 'event'],
      report.erasures.items.map((e) => [e.requestId, e.erasedAt, e.erasedCategories.join(', '), e.retainedCategories.join(', '), e.certificate, at(e.position)]),
    ),
    table('对外提供 / Disclosures, by recipient', ['recipient', 'count', 'events'], counts(report.disclosures.byRecipient)),
    table(
      '出境提供 / Cross-border provision',
      ['recipient', 'country', 'mechanism', 'reference', 'assessment', 'count', 'events'],
      report.disclosures.crossBorder.items.map((c) => [c.recipient, c.country, c.mechanism, c.reference, c.assessmentId, c.count, at(c.positions)]),
    ),
    table(
      '批量查询告警 / Bulk look-up alerts',
      ['account', 'hour', 'look-ups', 'event'],
      report.lookupAlerts.items.map((a) => [a.account, a.windowStart, a.lookups, at(a.position)]),
    ),
    table(
      '紧急授权访问 / Break-glass accesses',
      ['account', 'reason', 'access', 'used at', 'event'],
      report.breakGlass.items.map((b) => [b.account, b.reason, b.access, b.usedAt, at(b.position)]),
    ),
    table(
      '安全事件 / Incidents',
      ['incident', 'kind', 'detected', 'window', 'notified', 'events'],
      report.incidents.items.map((i) => [
        i.incidentId,
        i.kind,
        i.detectedAt,
        `${i.from} – ${i.to}`,
        i.notifications.map((n) => `${n.audience} ${n.notifiedAt}`).join('; '),
        at(i.positions),
      ]),
    ),
    table(
      '审计链 / Audit trail',
      ['verified', 'events', 'tree size', 'root hash', 'signed at', 'key', 'Ed25519 signature', 'cited events proven', 'pending'],
      [
        [
          trail.verification.ok,
          trail.verification.events,
          trail.treeHead.treeSize,
          trail.treeHead.rootHash,
          trail.treeHead.timestamp,
          trail.treeHead.keyId,
          trail.treeHead.signature,
          trail.entries.length,
          at(trail.pending),
        ],
      ],
    ),
  ];
  return [
    '<!doctype html>',
    '<html lang="zh-CN"><head><meta charset="utf-8">',
    `<title>个人信息保护合规审计报告 / PI protection compliance audit ${escape(report.period.from)} – ${escape(report.period.to)}</title></head><body>`,
    `<h1>个人信息保护合规审计报告 / Personal information protection compliance audit</h1>`,
    `<p>${escape(report.period.from)} – ${escape(report.period.to)}; generated ${escape(report.generatedAt)}; ${escape(report.format)}</p>`,
    ...sections,
    '<p>每个数字所依据的事件位置见“events”列；其包含证明在同一报告的 JSON 版本中，可离线核验 / The events column gives the log positions each figure rests on; their inclusion proofs under the signed tree head above are in the JSON report: <code>node verify-evidence.mjs report.json --public-key audit-key.pem</code></p>',
    '</body></html>',
  ].join('\n');
}
