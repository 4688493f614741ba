import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { CachedStreamFold, handleCommand, StreamFold } from '@pi-ledger/event-store/command-handler';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import {
  decideSurveyDefinition,
  evolveSurveyDefinitions,
  initialSurveyDefinitions,
  latestVersion,
  SURVEY_DEFINITIONS_STREAM,
  SurveyDefinitions,
  SurveyPublished,
  SurveyQuestion,
  SurveyVersion,
  surveyVersion,
} from '@pi-ledger/ledger-domain/surveys/survey-definition';
import { RequestContext, withMetadata } from '../application/request-context';

const DEFINITIONS_FOLD: StreamFold<SurveyDefinitions, SurveyPublished> = { initialState: initialSurveyDefinitions, evolve: evolveSurveyDefinitions };

/** A questionnaire as listed: its latest version, and which versions exist. */
export type SurveySummary = SurveyVersion & { versions: number[] };

/** The questionnaires, folded in memory and kept in step with their one stream (like the follow-up rule). */
@Injectable()
export class SurveyDefinitionsService {
  private readonly folded: CachedStreamFold<SurveyDefinitions, SurveyPublished>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
  ) {
    this.folded = new CachedStreamFold(store, SURVEY_DEFINITIONS_STREAM, DEFINITIONS_FOLD);
  }

  async list(): Promise<SurveySummary[]> {
    const { surveys } = await this.folded.current();
    return Object.values(surveys).map((versions) => ({ ...versions[versions.length - 1], versions: versions.map((v) => v.version) }));
  }

  async get(surveyId: string, version?: number): Promise<SurveySummary> {
    const state = await this.folded.current();
    const found = version === undefined ? latestVersion(state, surveyId) : surveyVersion(state, surveyId, version);
    return { ...found, versions: state.surveys[surveyId].map((v) => v.version) };
  }

  async publish(surveyId: string | undefined, input: { title: string; questions: SurveyQuestion[] }, context: RequestContext) {
    const id = surveyId ?? uuidv7();
    const now = this.clock().toISOString();
    const command = { type: surveyId ? ('ReviseSurvey' as const) : ('DefineSurvey' as const), surveyId: id, ...input, actor: context.actor.id, now };
    const handled = await handleCommand(this.store, SURVEY_DEFINITIONS_STREAM, DEFINITIONS_FOLD, ({ state }) => decideSurveyDefinition(command, state), {
      prepare: withMetadata(context),
    });
    return { ...latestVersion(handled.state, id), changed: handled.events.length > 0, position: handled.position };
  }
}
