import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { handleCommand, loadStream, StreamFold } from '@pi-ledger/event-store/command-handler';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { DeclaredEventCodec } from '@pi-ledger/pii-vault/declared-event-codec';
import { SURVEY_RESPONSE_PI } from '@pi-ledger/pii-vault/event-pi-declarations';
import { assertMaySeeSubject } from '@pi-ledger/access-control/subject-scope';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { Purpose } from '@pi-ledger/ledger-domain/registry/registry.events';
import { knownPurpose } from '@pi-ledger/ledger-domain/subject/processing-rules';
import { ServiceRecordEvent, serviceRecordStream } from '@pi-ledger/ledger-domain/service-records/service-record.events';
import { evolveServiceRecord, initialServiceRecordState, ServiceRecordState } from '@pi-ledger/ledger-domain/service-records/service-record.decider';
import {
  decideSurveyResponse,
  evolveSurveyResponse,
  initialSurveyResponseState,
  SurveyResponseCommand,
  SurveyResponseState,
} from '@pi-ledger/ledger-domain/surveys/survey-response.decider';
import { SURVEY_CATEGORY, SurveyResponseEvent, surveyResponseStream } from '@pi-ledger/ledger-domain/surveys/survey-response.events';
import type { SurveyErrorCode } from '@pi-ledger/ledger-domain/surveys/survey.errors';
import type { MessageChannel } from '@pi-ledger/ledger-domain/messages/message.events';
import { ResultsBy, StoredSurveyResponse, SurveyResponseQueries } from '@pi-ledger/read-models/projections/surveys/survey-responses.queries';
import { RequestContext } from '../application/request-context';
import { sealedUnder, SubjectRecordAccess } from '../subject-records/subject-record-access';
import { RegistryService } from '../registry/registry.service';
import { MessagesService } from '../messages/messages.service';
import { MessageRecipients } from '../messages/message-recipients';
import { derivedId, templates } from '../messages/message-templates';
import { SurveyDefinitionsService } from './survey-definitions.service';
import { effectiveEvents, followingMoves } from '@pi-ledger/ledger-domain/subject/record-move';

const RESPONSE_FOLD: StreamFold<SurveyResponseState, SurveyResponseEvent<unknown>> = followingMoves({ initialState: initialSurveyResponseState, evolve: evolveSurveyResponse });
const SERVICE_FOLD: StreamFold<ServiceRecordState, ServiceRecordEvent<unknown>> = followingMoves({ initialState: initialServiceRecordState, evolve: evolveServiceRecord });
/** What a customer answering its own survey is processed under: the service the survey belongs to. */
const SERVICE_PURPOSE = 'health-management';

/** A response as a customer's list and export show it: free text opened ("[erased]" once shredded). */
export type SurveyResponseView = Omit<StoredSurveyResponse, 'sealedComments'> & { comments?: unknown };

export interface DispatchInput {
  surveyId: string;
  purposeId: string;
  invite: boolean;
  channel?: MessageChannel;
}

/**
 * Satisfaction surveys after a service (issue #14 item 6): dispatched by staff for a service record
 * (one per record and questionnaire, its invitation queued through the outbox), answered once by
 * staff entering the customer's answers or by the customer, linked to the service and the staff
 * member who gave it; free text sealed under the customer's `service_interactions` key.
 */
@Injectable()
export class SurveyResponsesService {
  readonly codec: DeclaredEventCodec<SurveyResponseEvent<unknown>>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PII_VAULT) vault: PiiVault,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    private readonly access: SubjectRecordAccess,
    private readonly registry: RegistryService,
    private readonly definitions: SurveyDefinitionsService,
    private readonly messages: MessagesService,
    private readonly recipients: MessageRecipients,
    private readonly responses: SurveyResponseQueries,
  ) {
    this.codec = new DeclaredEventCodec<SurveyResponseEvent<unknown>>(vault, SURVEY_RESPONSE_PI);
  }

  async dispatch(serviceRecordId: string, input: DispatchInput, context: RequestContext) {
    const { events } = await loadStream(this.store, serviceRecordStream(serviceRecordId), SERVICE_FOLD);
    const service = effectiveEvents(events).find((event) => event.type === 'ServiceRecorded')?.data;
    if (!service) throw new DomainError<SurveyErrorCode>('service-record-not-found', 'no such service record', { serviceRecordId });
    const purpose = await this.access.authorizeWrite(service.subjectId, context, input.purposeId, SURVEY_CATEGORY);
    const survey = await this.definitions.get(input.surveyId);
    const responseId = derivedId('survey-response', serviceRecordId, survey.surveyId);
    const current = await loadStream(this.store, surveyResponseStream(responseId), RESPONSE_FOLD);
    if (current.state.status !== 'absent') throw new DomainError<SurveyErrorCode>('survey-already-dispatched', 'this survey was sent for this service already', { responseId });
    let message: { messageId: string; channel: MessageChannel } | undefined;
    if (input.invite) {
      const recipient = await this.recipients.resolve(service.subjectId, input.channel ? { channel: input.channel } : {});
      const content = templates.surveyInvitation(survey.title, service.serviceDate, responseId);
      const messageId = derivedId('survey-invitation', responseId);
      message = await this.messages.queue(
        { messageId, subjectId: service.subjectId, kind: 'survey_invitation', source: { kind: 'survey', responseId }, recipient, content, purpose },
        context,
      );
    }
    const command: SurveyResponseCommand = {
      type: 'DispatchSurvey',
      responseId,
      actor: context.actor.id,
      now: this.clock().toISOString(),
      subjectId: service.subjectId,
      survey,
      service: { serviceRecordId, serviceType: service.serviceType, serviceDate: service.serviceDate, staffId: service.staffId },
      messageId: message?.messageId ?? null,
    };
    const handled = await this.decide(responseId, command, context, purpose);
    return { responseId, surveyId: survey.surveyId, surveyVersion: survey.version, messageId: command.messageId, channel: message?.channel ?? null, position: handled.position };
  }

  /** Answers by staff (under `purposeId`) or by the customer itself (its own token), once. */
  async answer(responseId: string, answers: Record<string, unknown>, purposeId: string | undefined, context: RequestContext) {
    const { state } = await loadStream(this.store, surveyResponseStream(responseId), RESPONSE_FOLD);
    if (state.status === 'absent') throw new DomainError<SurveyErrorCode>('survey-not-dispatched', 'no survey was sent under this id', { responseId });
    const own = context.actor.roles.includes('data_subject');
    let purpose: Purpose;
    if (own) {
      assertMaySeeSubject(context.actor, state.subjectId);
      purpose = knownPurpose(await this.registry.current(), SERVICE_PURPOSE);
    } else {
      purpose = await this.access.authorizeWrite(state.subjectId, context, purposeId ?? SERVICE_PURPOSE, SURVEY_CATEGORY);
    }
    const survey = await this.definitions.get(state.surveyId, state.surveyVersion);
    const command: SurveyResponseCommand = {
      type: 'AnswerSurvey',
      responseId,
      actor: context.actor.id,
      now: this.clock().toISOString(),
      survey,
      answers,
      via: own ? 'subject' : 'staff',
    };
    const handled = await this.decide(responseId, command, context, purpose);
    return { responseId, status: handled.state.status, position: handled.position };
  }

  async listOf(subjectId: string, context: RequestContext, purposeHeader: string | undefined): Promise<SurveyResponseView[]> {
    const read = await this.access.authorizeRead(subjectId, context, purposeHeader, SURVEY_CATEGORY);
    const responses = await this.exportOf(subjectId);
    await this.access.recordRead(context, [subjectId], read, SURVEY_CATEGORY, 'surveys');
    return responses;
  }

  /** Every survey response of the subject with its free text opened, for its access/copy export (PIPL Art. 45). */
  async exportOf(subjectId: string): Promise<SurveyResponseView[]> {
    return Promise.all(
      (await this.responses.bySubject(subjectId)).map(async ({ sealedComments, ...row }) => {
        if (sealedComments === null || sealedComments === undefined) return row;
        const opened = await this.codec.open({ type: 'SurveyAnswered', data: { responseId: row.responseId, subjectId, comments: sealedComments } } as SurveyResponseEvent<unknown>);
        return { ...row, comments: (opened.data as { comments?: unknown }).comments };
      }),
    );
  }

  async results(surveyId: string, from: string, to: string, by: ResultsBy) {
    const survey = await this.definitions.get(surveyId);
    return { surveyId, title: survey.title, from, to, by, ...(await this.responses.results(surveyId, from, to, by)) };
  }

  private decide(responseId: string, command: SurveyResponseCommand, context: RequestContext, purpose: Purpose) {
    return handleCommand(this.store, surveyResponseStream(responseId), RESPONSE_FOLD, ({ state }) => decideSurveyResponse(command, state), {
      prepare: sealedUnder(this.codec, context, purpose),
    });
  }
}
