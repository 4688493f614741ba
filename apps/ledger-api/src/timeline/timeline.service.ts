import { Inject, Injectable } from '@nestjs/common';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import { TimelineQueries } from '@pi-ledger/read-models/projections/timeline/timeline.queries';
import { cursorKey, encodeCursor } from '@pi-ledger/read-models/projections/keyset-cursor';
import { RequestContext } from '../application/request-context';
import { SubjectRecordAccess } from '../subject-records/subject-record-access';
import { OpenSealed, openerFor, TIMELINE_KINDS, TIMELINE_SOURCES, TimelineSource } from './timeline-sources';
import { TimelineQueryDto } from './timeline.dto';

export interface TimelineEntry {
  kind: string;
  date: string;
  id: string;
  summary: Record<string, unknown>;
}

/**
 * A customer's timeline (客户时间线): every kind of record the caller's roles and purpose may read,
 * in one list by date, newest first, from the read models. Kinds whose category the caller may not
 * read are left out (`kinds` says which are in); the read is purpose-checked and recorded like any
 * read of the customer's records.
 */
@Injectable()
export class TimelineService {
  private readonly open: OpenSealed;

  constructor(
    @Inject(PII_VAULT) vault: PiiVault,
    private readonly access: SubjectRecordAccess,
    private readonly queries: TimelineQueries,
  ) {
    this.open = openerFor(vault);
  }

  async page(subjectId: string, query: TimelineQueryDto, context: RequestContext, purposeHeader: string | undefined) {
    const wanted = this.sourcesOf(query.kinds);
    const before = cursorKey(query.cursor, 2) as [string, string] | undefined;
    const read = await this.access.authorizeReadSome(subjectId, context, purposeHeader, [...new Set(wanted.map((source) => source.category))]);
    const shown = wanted.filter((source) => read.categories.includes(source.category));
    const limit = query.limit ?? 50;
    const rows = await this.queries.page(subjectId, shown, before, limit + 1);
    const byKind = new Map(shown.map((source) => [source.kind, source]));
    const items: TimelineEntry[] = await Promise.all(
      rows.slice(0, limit).map(async ({ kind, date, id, row }) => ({ kind, date, id, summary: await byKind.get(kind)!.summarise({ subjectId, id, row }, this.open) })),
    );
    if (shown.length > 0) await this.access.recordRead(context, [subjectId], read, [...new Set(shown.map((source) => source.category))], 'timeline');
    const last = items.at(-1);
    return { kinds: shown.map((source) => source.kind), items, nextCursor: rows.length > limit && last ? encodeCursor([last.date, last.id]) : null };
  }

  private sourcesOf(kinds: string | undefined): readonly TimelineSource[] {
    if (kinds === undefined) return TIMELINE_SOURCES;
    const names = new Set(kinds.split(','));
    const unknown = [...names].filter((name) => !TIMELINE_KINDS.includes(name));
    if (unknown.length > 0) throw new InvalidInput([{ path: 'query.kinds', message: `unknown kinds ${unknown.join(', ')}; known: ${TIMELINE_KINDS.join(', ')}` }]);
    return TIMELINE_SOURCES.filter((source) => names.has(source.kind));
  }
}
