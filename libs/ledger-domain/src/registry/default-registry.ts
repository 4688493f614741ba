import { createHash } from 'node:crypto';
import { RegistryCommand } from './registry.decider';
import { Purpose } from './registry.events';

/**
 * Seeded on first start (api-contract.md): three purposes and notice v1 describing them. They do
 * not require an impact assessment yet, so a new ledger works at once: the admin turns
 * `requiresAssessment` on (PATCH /v1/purposes/{id}) once the centre's assessment is approved.
 */
export const DEFAULT_PURPOSES: Purpose[] = [
  {
    id: 'health-management',
    name: 'Health management services',
    description: 'Providing the health-management services the customer signed up for: check-ups, records, follow-ups, service history.',
    legalBasis: 'contract',
    categories: ['identity', 'identity_document', 'contact', 'employment', 'demographics', 'health', 'health_records', 'consumption', 'service_interactions', 'customer_profile'],
    necessaryForService: true,
    retentionDays: 3650,
    requiresAssessment: false,
  },
  {
    id: 'marketing',
    name: 'Marketing',
    description: 'Offers and news about the centre’s services through the channels the customer chose.',
    legalBasis: 'consent',
    categories: ['identity', 'contact', 'preferences', 'consumption'],
    necessaryForService: false,
    retentionDays: 730,
    requiresAssessment: false,
  },
  {
    id: 'research',
    name: 'Health research',
    description: 'De-identified statistical research on health outcomes.',
    legalBasis: 'consent',
    categories: ['identity', 'demographics', 'health', 'health_records'],
    necessaryForService: false,
    retentionDays: 1825,
    requiresAssessment: false,
  },
];

export const DEFAULT_NOTICE_CONTENT = [
  '个人信息处理规则 v1 / Personal information notice v1',
  '我们为提供健康管理服务（合同所必需）、经您同意的营销和健康研究处理您的个人信息。',
  'We process your personal information to provide health-management services (necessary for the contract), and, with your consent, for marketing and health research.',
  '敏感个人信息（健康、体检记录、证件号码、消费记录）仅在您单独同意后处理。',
  'Sensitive personal information (health, exam records, ID numbers, purchases) is processed only with your separate consent.',
  '您可以随时查阅、复制、更正、删除您的信息或撤回同意。 You may access, copy, correct or erase your data, or withdraw consent, at any time.',
].join('\n');

export function contentHash(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

export function defaultRegistryCommands(now: string): RegistryCommand[] {
  return [
    ...DEFAULT_PURPOSES.map((purpose): RegistryCommand => ({ type: 'DefinePurpose', purpose, now })),
    {
      type: 'PublishNotice',
      notice: { version: 'v1', content: DEFAULT_NOTICE_CONTENT, contentHash: contentHash(DEFAULT_NOTICE_CONTENT), purposeIds: DEFAULT_PURPOSES.map((p) => p.id) },
      now,
    },
  ];
}
