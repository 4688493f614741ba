import { Inject, Injectable } from '@nestjs/common';
import { currentContact } from '@pi-ledger/ledger-domain/subject/contact';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { SubjectProfileQueries } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.queries';
import { DisclosureRegisterQueries } from '@pi-ledger/read-models/projections/disclosure-register/disclosure-register.queries';
import { AccessLogQueries } from '@pi-ledger/read-models/projections/access-log/access-log.queries';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { Purpose } from '@pi-ledger/ledger-domain/registry/registry.events';
import { purposeOf } from '@pi-ledger/ledger-domain/registry/registry.decider';
import { AUTOMATED_DECISIONS_ID } from '@pi-ledger/ledger-domain/subject/processing-rules';
import { RegistryService } from '../../registry/registry.service';
import { ProjectionFreshness } from '../../application/projection-freshness';
import { CrossBorderTransfer, Recipient, subjectStream } from '@pi-ledger/ledger-domain/subject/subject.events';
import { CheckupsService } from '../../checkups/checkups.service';
import { ServiceRecordsService } from '../../service-records/service-records.service';
import { FollowUpsService } from '../../follow-ups/follow-ups.service';
import { OrdersService } from '../../orders/orders.service';
import { ComplaintsService } from '../../complaints/complaints.service';
import { FollowUpPlansService } from '../../follow-ups/follow-up-plans.service';
import { MessagesService } from '../../messages/messages.service';
import { SurveyResponsesService } from '../../surveys/survey-responses.service';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import type { EventStore } from '@pi-ledger/event-store/event-store.port';
import { mergesOf } from '../../subjects/merge/merges-of';

/** The categories an export shows: the file's, and those of the records it lists. */
export function exportedCategories(body: { data: Record<string, unknown>; records: Record<string, unknown> }): string[] {
  const ofRecords: Record<string, string> = {
    checkups: 'health_records',
    serviceRecords: 'service_interactions',
    followUps: 'service_interactions',
    orders: 'consumption',
    complaints: 'service_interactions',
    followUpPlans: 'service_interactions',
    messages: 'service_interactions',
    surveyResponses: 'service_interactions',
  };
  return [...new Set([...Object.keys(body.data), ...Object.keys(body.records).map((kind) => ofRecords[kind])])];
}

/**
 * The machine-readable copy of a subject's file (PIPL Art. 45; format `pi-ledger-export/v1`,
 * documented in docs/rights-requests.md), and the plain-words explanation (Art. 48).
 */
@Injectable()
export class SubjectExport {
  constructor(
    private readonly profiles: SubjectProfileQueries,
    private readonly disclosures: DisclosureRegisterQueries,
    private readonly accessLog: AccessLogQueries,
    private readonly registry: RegistryService,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    private readonly freshness: ProjectionFreshness,
    private readonly checkups: CheckupsService,
    private readonly services: ServiceRecordsService,
    private readonly followUps: FollowUpsService,
    private readonly orders: OrdersService,
    private readonly complaints: ComplaintsService,
    private readonly followUpPlans: FollowUpPlansService,
    private readonly messages: MessagesService,
    private readonly surveys: SurveyResponsesService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async build(subjectId: string, portability: boolean) {
    const profile = await this.profiles.find(subjectId);
    if (!profile) await this.freshness.assertNotQuarantined('subject_profile', subjectStream(subjectId)); // 503, not "erased"
    if (!profile || profile.status === 'erased') throw new DomainError('subject-erased', 'this subject’s data was erased', { subjectId });
    const purposes = await this.relevantPurposes(profile.consents);
    const disclosures = await this.disclosures.bySubject(subjectId);
    // Portability covers data provided under consent or contract (Art. 45 / NDSMR 25)
    const portable = new Set(purposes.filter((p) => p.legalBasis === 'consent' || p.legalBasis === 'contract').flatMap((p) => p.categories as string[]));
    const data = Object.fromEntries(
      Object.entries(profile.data)
        .filter(([category]) => !portability || portable.has(category))
        .map(([category, fields]) => [category, category === 'contact' && fields ? currentContact(fields) : fields]),
    );
    // the customer's records kept in streams of their own (issue #14), each under its category's rule
    const records = {
      ...(!portability || portable.has('health_records') ? { checkups: await this.checkups.exportOf(subjectId) } : {}),
      ...(!portability || portable.has('service_interactions')
        ? {
            serviceRecords: await this.services.exportOf(subjectId),
            followUps: await this.followUps.exportOf(subjectId),
            followUpPlans: await this.followUpPlans.exportOf(subjectId),
            surveyResponses: await this.surveys.exportOf(subjectId),
          }
        : {}),
      ...(!portability || portable.has('consumption') ? { orders: await this.orders.exportOf(subjectId) } : {}),
      // a complaint holding health data goes with health_records, the others with service_interactions
      complaints: await this.complaints.exportOf(subjectId, (category) => !portability || portable.has(category)),
      // what was sent to the customer, whatever the purpose (portability: only what the customer provided, which messages are not)
      ...(!portability ? { messages: await this.messages.exportOf(subjectId) } : {}),
    };
    // files of the same person merged into this one: their values, consents and disclosures are this file's now, their access records listed too
    const merged = await mergesOf(this.store, subjectId);
    const accessLog = (
      await Promise.all([subjectId, ...merged.map((file) => file.subjectId)].map(async (id) => (await this.accessLog.list({ subjectId: id, limit: 1000 })).items))
    ).flat();
    return {
      format: 'pi-ledger-export/v1',
      kind: portability ? 'portability' : 'copy',
      generatedAt: this.clock().toISOString(),
      subjectId,
      status: profile.status,
      lifecycle: profile.lifecycle,
      data,
      records,
      consents: profile.consents,
      purposes: purposes.map((p) => ({
        id: p.id,
        name: p.name,
        description: p.description,
        legalBasis: p.legalBasis,
        categories: p.categories,
        retentionDays: p.retentionDays ?? null,
      })),
      disclosures,
      crossBorderRecipients: crossBorderRecipients(disclosures),
      accessLog,
      mergedFiles: merged,
    };
  }

  async explain(subjectId: string) {
    const profile = await this.profiles.find(subjectId);
    if (!profile) await this.freshness.assertNotQuarantined('subject_profile', subjectStream(subjectId));
    if (!profile) throw new DomainError('subject-not-found', 'no such subject');
    const purposes = await this.relevantPurposes(profile.consents);
    const disclosures = await this.disclosures.bySubject(subjectId);
    const recipients = [...new Set(disclosures.map((d) => d.recipient.name))];
    const abroad = crossBorderRecipients(disclosures);
    const line = (p: Purpose) => ({
      zh: `「${p.name}」：${BASIS_ZH[p.legalBasis]}；涉及 ${p.categories.join('、')}；保存 ${p.retentionDays ?? '—'} 天。`,
      en: `"${p.name}": ${BASIS_EN[p.legalBasis]}; covers ${p.categories.join(', ')}; kept ${p.retentionDays ?? '—'} days.`,
    });
    const lines = purposes.map(line);
    return {
      zh: [
        '我们为以下目的处理您的个人信息：',
        ...lines.map((l) => l.zh),
        recipients.length ? `提供给：${recipients.join('、')}。` : '未向第三方提供您的个人信息。',
        ...abroad.map((r) => `向境外提供：${r.name}（${r.country}），依据：${MECHANISM_ZH[r.mechanism]}（${r.reference}）。`),
      ].join('\n'),
      en: [
        'We process your personal information for these purposes:',
        ...lines.map((l) => l.en),
        recipients.length ? `Provided to: ${recipients.join(', ')}.` : 'We have not provided your personal information to third parties.',
        ...abroad.map((r) => `Provided outside the mainland to ${r.name} (${r.country}) under ${r.mechanism.replace('-', ' ')} (${r.reference}).`),
      ].join('\n'),
      purposes: purposes.map((p) => p.id),
      recipients,
      crossBorderRecipients: abroad,
    };
  }

  /**
   * Why and how a decision about the subject was made by automated means (PIPL Art. 24): the
   * purpose's description of its logic, the categories it decides on and their basis, and the
   * subject's right to refuse such decisions, with whether the subject refuses them now.
   */
  async explainDecision(subjectId: string, purposeId: string, decisionRef: string) {
    const profile = await this.profiles.find(subjectId);
    if (!profile) await this.freshness.assertNotQuarantined('subject_profile', subjectStream(subjectId));
    if (!profile) throw new DomainError('subject-not-found', 'no such subject');
    const purpose = purposeOf(await this.registry.current(), purposeId);
    if (!purpose) throw new DomainError('unknown-purpose', `unknown purpose ${purposeId}`, { purposeId });
    const refused = profile.restrictions.some((r) => r.purposeIds?.includes(AUTOMATED_DECISIONS_ID));
    const held = purpose.categories.filter((category) => category in profile.data);
    return {
      decisionRef,
      purposeId: purpose.id,
      logic: purpose.description,
      categories: held,
      legalBasis: purpose.legalBasis,
      refusesAutomatedDecisions: refused,
      zh: [
        `决定 ${decisionRef} 由「${purpose.name}」的自动化决策作出：${purpose.description}`,
        `所依据的信息类别：${held.join('、') || '—'}；${BASIS_ZH[purpose.legalBasis]}。`,
        refused ? '您已拒绝仅通过自动化决策方式作出决定，此后不再对您作出此类决定。' : '您有权拒绝仅通过自动化决策方式作出对您个人权益有重大影响的决定。',
      ].join('\n'),
      en: [
        `Decision ${decisionRef} was made by automated means for "${purpose.name}": ${purpose.description}`,
        `Information it used: ${held.join(', ') || '—'}; ${BASIS_EN[purpose.legalBasis]}.`,
        refused
          ? 'You have refused decisions made solely by automated means; none will be made about you.'
          : 'You may refuse decisions made solely by automated means that significantly affect your rights and interests.',
      ].join('\n'),
    };
  }

  /** Purposes the subject has a relation with: those it consented to, and those necessary for the service. */
  private async relevantPurposes(consents: Array<{ purposeId: string }>): Promise<Purpose[]> {
    const registry = await this.registry.current();
    const ids = new Set(consents.map((c) => c.purposeId));
    return Object.values(registry.purposes).filter((p) => ids.has(p.id) || p.necessaryForService);
  }
}

/** Recipients outside the mainland (PIPL Arts. 38–39, 48): whom, where, under which mechanism; once per recipient, country and mechanism. */
function crossBorderRecipients(disclosures: Array<{ recipient: { name: string } & Partial<Pick<Recipient, 'country' | 'transfer'>>; purposeId: string }>) {
  const seen = new Map<string, { name: string; country: string; mechanism: CrossBorderTransfer['mechanism']; reference: string; purposeIds: string[] }>();
  for (const { recipient, purposeId } of disclosures) {
    if (!recipient.transfer || !recipient.country) continue;
    const key = JSON.stringify([recipient.name, recipient.country, recipient.transfer.mechanism, recipient.transfer.reference]);
    const { mechanism, reference } = recipient.transfer;
    const entry = seen.get(key) ?? { name: recipient.name, country: recipient.country, mechanism, reference, purposeIds: [] };
    if (!entry.purposeIds.includes(purposeId)) entry.purposeIds.push(purposeId);
    seen.set(key, entry);
  }
  return [...seen.values()];
}

const MECHANISM_ZH: Record<CrossBorderTransfer['mechanism'], string> = {
  'security-assessment': '数据出境安全评估',
  certification: '个人信息保护认证',
  'standard-contract': '个人信息出境标准合同',
  exemption: '《促进和规范数据跨境流动规定》豁免情形',
};

const BASIS_ZH: Record<string, string> = {
  consent: '基于您的同意（可随时撤回）',
  contract: '为订立、履行您作为一方的合同所必需',
  legal_obligation: '为履行法定职责或义务所必需',
  vital_interest: '为保护您的生命健康和财产安全所必需',
  public_interest: '为公共利益所必需',
  public_data: '处理已合法公开的信息',
  other_law: '法律、行政法规规定的其他情形',
};
const BASIS_EN: Record<string, string> = {
  consent: 'based on your consent (you may withdraw it at any time)',
  contract: 'necessary for the contract you are party to',
  legal_obligation: 'necessary to fulfil a legal obligation',
  vital_interest: 'necessary to protect your life, health or property',
  public_interest: 'necessary for the public interest',
  public_data: 'information lawfully made public',
  other_law: 'another case provided by law',
};
