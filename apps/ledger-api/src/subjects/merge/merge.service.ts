import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { PreconditionFailed } from '@pi-ledger/event-store/command-handler';
import { assertMayWrite } from '@pi-ledger/ledger-domain/access-matrix/access-matrix.decider';
import { accessToCustomer } from '@pi-ledger/ledger-domain/assignment/assignment-scope';
import { Category } from '@pi-ledger/ledger-domain/registry/categories';
import type { MergeChoices, MergeCommand, MergeObstacles } from '@pi-ledger/ledger-domain/subject/merge.decider';
import { subjectStream } from '@pi-ledger/ledger-domain/subject/subject.events';
import { SubjectState } from '@pi-ledger/ledger-domain/subject/subject.state';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { LEDGER_LOGGER } from '@pi-ledger/platform/config/config.tokens';
import { RegistryState } from '@pi-ledger/ledger-domain/registry/registry.decider';
import { Purpose } from '@pi-ledger/ledger-domain/registry/registry.events';
import { ProjectionFreshness } from '../../application/projection-freshness';
import { AccessRecorder } from '../../access-log/access-recorder';
import { RequestContext } from '../../application/request-context';
import { AccessMatrixService } from '../../access-matrix/access-matrix.service';
import { SubjectCommandsService } from '../subject-commands.service';
import { SubjectIdNumbers } from '../subject-id-numbers';
import { OpenedFile, openFile } from './merge-files';
import { MergeObstaclesFinder } from './merge-obstacles';
import { MergeRecordMover, MovedRecord, RECORD_KINDS } from './merge-records';

export interface MergeInput {
  duplicateId: string;
  purposeId: string;
  choices: MergeChoices;
}

export interface MergeResult {
  survivorId: string;
  duplicateId: string;
  /** The survivor's version after the merge (its ETag) and the position of its SubjectMerged. */
  version: number;
  position: number;
}

/** The read models a merge's answer waits for, so that a read right after it shows the merge (and the records moved before it). */
const SHOWN_BY = ['subject_profile', 'consent_register', 'disclosure_register', ...RECORD_KINDS.map((kind) => kind.table)];
const MERGER_ROLE = 'compliance_officer';

/**
 * Merges a duplicate customer file into a survivor (issue #15), in steps that each can run again:
 * decide on both files as they stand (every refusal before anything is written), close the duplicate
 * with a pointer to the survivor (exactly at the version decided on), move each of its records and
 * open rights requests to the survivor (merge-records.ts), append the survivor's events (the
 * duplicate's chosen values, sealed under the survivor's keys), move the ID number, shred the
 * duplicate's keys. A retry after a failure finishes what the failed attempt left.
 */
@Injectable()
export class MergeService {
  constructor(
    private readonly subjects: SubjectCommandsService,
    private readonly idNumbers: SubjectIdNumbers,
    private readonly obstacles: MergeObstaclesFinder,
    private readonly records: MergeRecordMover,
    private readonly access: AccessRecorder,
    private readonly matrix: AccessMatrixService,
    private readonly freshness: ProjectionFreshness,
    @Inject(PII_VAULT) private readonly vault: PiiVault,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
  ) {}

  async merge(survivorId: string, input: MergeInput, ifMatch: number | undefined, context: RequestContext): Promise<MergeResult> {
    const { duplicateId } = input;
    const before = await this.subjects.load(survivorId);
    const closedHere = (await this.subjects.load(duplicateId)).state;
    const resumed = closedHere.status === 'merged' && closedHere.mergedInto === survivorId;
    const mergedBefore = resumed && before.events.some((event) => event.type === 'SubjectMerged' && event.data.duplicateId === duplicateId);
    if (mergedBefore) return this.finish(survivorId, duplicateId, before.version, context);
    if (ifMatch !== undefined && before.version !== ifMatch) throw new PreconditionFailed(subjectStream(survivorId), before.version);

    const duplicate = await openFile(this.subjects, duplicateId, resumed);
    const survivor = await openFile(this.subjects, survivorId, false);
    const records = await this.records.recordsOf(duplicateId);
    await this.authorize(survivor.state, duplicate, records, context);
    let obstacles: MergeObstacles = { legalHolds: [], pendingErasures: [] };
    let purpose: Purpose | undefined;
    const command = (registry: RegistryState, now: string, survivorData = survivor.file.data): MergeCommand => ({
      type: 'MergeDuplicate',
      duplicate: duplicate.file,
      purposeId: input.purposeId,
      choices: input.choices,
      survivorData,
      obstacles,
      now,
      registry,
    });
    // every refusal here, before anything is written: first what the two streams show, then what waits for the read models
    await this.subjects.decide(survivorId, (_state, registry, now) => command(registry, now));
    obstacles = await this.obstacles.of(survivorId, duplicateId, this.clock());
    const decided = await this.subjects.decide(survivorId, (_state, registry, now) => {
      purpose = registry.purposes[input.purposeId];
      return command(registry, now);
    });
    const { purposeId } = input;
    if (!resumed) await this.subjects.execute(duplicateId, context, duplicate.version, (_state, registry, now) => ({ type: 'CloseMerged', survivorId, purposeId, now, registry }));
    // the duplicate closed, none of its records can be written any more: each moves to the survivor, sealed under its keys
    const moved = await this.records.moveAll(survivorId, duplicateId, purpose!, context, this.clock().toISOString());
    // the duplicate's file and records were opened to be sealed again (PIPL Art. 51: a processing of them, recorded)
    const opened = new Set([...Object.keys(duplicate.file.data), ...records.flatMap((record) => (record.category ? [record.category] : []))]);
    await this.access.record(context, [{ subjectId: duplicateId, purposeId, categories: [...opened].sort(), revealed: [], via: 'merge' }]);
    const number = documentNumberTaken(decided);
    const reserved = number ? await this.idNumbers.reserve(survivorId, number) : undefined;
    // decided again on the survivor as it then stands when another write came between (handleCommand's retry)
    let first = true;
    const appended = await this.subjects.execute(survivorId, context, undefined, async (_state, registry, now) => {
      const data = first ? survivor.file.data : (await openFile(this.subjects, survivorId, false)).file.data;
      first = false;
      return command(registry, now, data);
    });
    if (reserved) await this.idNumbers.releaseOthers(survivorId, reserved.hash);
    this.logger.info({ survivorId, duplicateId, position: appended.position, recordsMoved: moved.length }, 'customer files merged');
    return this.finish(survivorId, duplicateId, appended.version, context, appended.position);
  }

  /** The duplicate's ID number and keys go (its values now live sealed under the survivor's keys); the read models are waited for. */
  private async finish(survivorId: string, duplicateId: string, version: number, context: RequestContext, position?: number): Promise<MergeResult> {
    await this.idNumbers.releaseOthers(duplicateId);
    await this.vault.shred(duplicateId, undefined, { reason: 'merge', actor: context.actor.id }); // idempotent: a retry shreds what is left

    const [last] = (await this.subjects.load(survivorId)).events.slice(-1);
    await this.freshness.waitFor(SHOWN_BY, position ?? last?.position ?? 0);
    return { survivorId, duplicateId, version, position: position ?? last?.position ?? 0 };
  }

  /**
   * Changing customer files in every category either file holds and the duplicate's records are sealed
   * under (the permission matrix), or the compliance officer's; and reaching both customers (assignment
   * scope, or break-glass recorded).
   */
  private async authorize(survivor: SubjectState, duplicate: OpenedFile, records: readonly MovedRecord[], context: RequestContext): Promise<void> {
    const categories = new Set<Category>(records.flatMap((record) => (record.category ? [record.category] : [])));
    for (const state of [survivor, duplicate.state])
      if (state.status === 'active' || state.status === 'restricted') for (const category of Object.keys(state.held)) categories.add(category as Category);
    if (!context.actor.roles.includes(MERGER_ROLE)) assertMayWrite(await this.matrix.current(), context.actor.roles, [...categories]);
    // refused here, before anything about the files is told; break-glass is recorded by each file's write
    for (const state of [survivor, duplicate.state])
      if (state.status === 'active' || state.status === 'restricted') accessToCustomer(context.actor, state.subjectId, state.assignment, context.breakGlass);
  }
}

/** The identity document number the merge takes from the duplicate, which the survivor must hold in the ID-number index. */
function documentNumberTaken(events: ReadonlyArray<{ type: string; data: unknown }>): string | undefined {
  for (const event of events) {
    const data = event.data as { category?: string; fields?: Record<string, unknown>; set?: Record<string, unknown> };
    if (data.category !== 'identity_document') continue;
    const number = (data.fields ?? data.set)?.number;
    if (typeof number === 'string') return number;
  }
  return undefined;
}
