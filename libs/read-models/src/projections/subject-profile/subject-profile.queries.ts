import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import type { JsonValue } from '@pi-ledger/event-store/event-store.port';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { Category } from '@pi-ledger/ledger-domain/registry/categories';
import type { SubjectProfileDocument } from './subject-profile.document';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import type { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { DOCUMENT_COLUMNS, documentOf, lifecycleOf } from './subject-profile.projection';
import { primaryPhone } from '@pi-ledger/ledger-domain/subject/contact';
import { DEFAULT_LIFECYCLE_STAGE } from '@pi-ledger/ledger-domain/subject/lifecycle';
import { nameSearchKey, namePrefixQuery } from './subject-profile.row';
import { openProfileData, StoredProfileData } from './profile-sealing';

export interface ProfileSearch {
  /** Blind indexes (vault.blindIndex) of the values searched for. */
  phoneBidx?: string;
  emailBidx?: string;
  idNumberBidx?: string;
  /** As typed: normalised and blind-indexed here like the stored prefixes (NAME_PREFIX_MIN to NAME_PREFIX_MAX characters). */
  namePrefix?: string;
  status?: 'active' | 'restricted';
  /** Assigned to this department / this health manager (`?departmentId=`, `?healthManagerId=`). */
  departmentId?: string;
  healthManagerId?: string;
  /** Only customers a scoped caller reaches: assigned to its department, or to it personally (assignment-scope.ts). Absent: every customer. */
  reach?: { departmentId: string | null; healthManagerId: string | null };
  /** The centre's classification (customer_profile) and the lifecycle stage, exactly; a tag by its blind index. */
  customerType?: string;
  tier?: string;
  tagBidx?: string;
  lifecycleStage?: string;
  /** Exactly (customer_numbers): a pseudonymous identifier, not category data; a merged-away customer's number finds the survivor. */
  customerNumber?: string;
  /** Keyset pagination: subjects with an id greater than this. */
  after?: string;
  limit: number;
}

/** A profile as stored: `data` names the categories held, `stored` holds their sealed values. */
export interface SealedProfile extends SubjectProfileDocument {
  stored: StoredProfileData;
}

/** What a search result needs: enough to decide the legal basis and to show a masked summary. */
export interface ProfileMatch extends Pick<SubjectProfileDocument, 'subjectId' | 'status' | 'updatedAt' | 'consents' | 'restrictions' | 'minor' | 'assignment' | 'lifecycle'> {
  categories: Category[];
  name?: JsonValue;
  /** The primary phone (else the first). */
  phone?: JsonValue;
  /** The customer_profile category's values (type, tier, tags, remarks), shown only where it may be read. */
  customerProfile?: Record<string, JsonValue>;
}

const MATCH_COLUMNS = `subject_id, status, updated_at, consents, restrictions, minor, categories, department_id, health_manager_id, lifecycle_stage, lifecycle_changed_at,
  data->'identity' AS identity, data->'contact' AS contact, data->'customer_profile' AS customer_profile`;

/** Reads of the `subject_profile` view, its values opened. Erased subjects are never found by a search. */
@Injectable()
export class SubjectProfileQueries {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PII_VAULT) private readonly vault: PiiVault,
  ) {}

  async find(subjectId: string): Promise<SubjectProfileDocument | undefined> {
    const sealed = await this.findSealed(subjectId);
    if (!sealed) return undefined;
    const { stored: _stored, ...document } = sealed;
    return { ...document, data: await this.open(sealed, Object.keys(sealed.stored) as Category[]) };
  }

  /**
   * The profile with its values still sealed: its categories, consents and restrictions tell what a
   * purpose may read, and `open` then decrypts only those categories.
   */
  async findSealed(subjectId: string): Promise<SealedProfile | undefined> {
    const { rows } = await this.pool.query(`SELECT ${DOCUMENT_COLUMNS} FROM subject_profile WHERE subject_id = $1`, [subjectId]);
    return rows[0] ? { ...documentOf(rows[0]), stored: rows[0].data as StoredProfileData } : undefined;
  }

  /** The values of `categories` of a sealed profile, opened. */
  async open(profile: SealedProfile, categories: readonly Category[]): Promise<SubjectProfileDocument['data']> {
    const wanted = Object.fromEntries(Object.entries(profile.stored).filter(([category]) => categories.includes(category as Category)));
    return openProfileData(this.vault, profile.subjectId, wanted);
  }

  /** The stream version applied for a subject; 0 when the projection has not seen it. */
  async versionOf(subjectId: string): Promise<number> {
    const { rows } = await this.pool.query(`SELECT version FROM subject_profile WHERE subject_id = $1`, [subjectId]);
    return rows[0]?.version ?? 0;
  }

  /** Matches in subject-id order, after `after`, at most `limit`. */
  async search(search: ProfileSearch): Promise<ProfileMatch[]> {
    const { where, params } = this.conditions(search);
    params.push(search.limit);
    const { rows } = await this.pool.query(`SELECT ${MATCH_COLUMNS} FROM subject_profile WHERE ${where.join(' AND ')} ORDER BY subject_id LIMIT $${params.length}`, params);
    return this.matchesOfRows(rows);
  }

  /** The matches of these subjects, in this order (the combined query's page); erased ones left out. */
  async matchesOf(subjectIds: readonly string[]): Promise<ProfileMatch[]> {
    if (subjectIds.length === 0) return [];
    const { rows } = await this.pool.query(`SELECT ${MATCH_COLUMNS} FROM subject_profile WHERE subject_id = ANY($1::text[]) AND status <> 'erased'`, [subjectIds]);
    const order = new Map(subjectIds.map((subjectId, index) => [subjectId, index]));
    rows.sort((a, b) => order.get(a.subject_id)! - order.get(b.subject_id)!);
    return this.matchesOfRows(rows);
  }

  private async matchesOfRows(rows: Array<Record<string, unknown>>): Promise<ProfileMatch[]> {
    const opened = await Promise.all(rows.map((row) => this.nameAndPhone(row)));
    return rows.flatMap((row, index) => {
      const { name, phone, customerProfile } = opened[index];
      return [
        {
          subjectId: row.subject_id as string,
          status: row.status as ProfileMatch['status'],
          updatedAt: (row.updated_at as Date).toISOString(),
          consents: row.consents as ProfileMatch['consents'],
          restrictions: row.restrictions as ProfileMatch['restrictions'],
          minor: row.minor as boolean,
          categories: row.categories as Category[],
          assignment: { departmentId: row.department_id as string | null, healthManagerId: row.health_manager_id as string | null },
          lifecycle: lifecycleOf(row),
          ...(name === undefined ? {} : { name }),
          ...(phone === undefined ? {} : { phone }),
          ...(customerProfile === undefined ? {} : { customerProfile }),
        },
      ];
    });
  }

  /** The WHERE of a search (erased subjects never match), with its parameters. */
  private conditions(search: Omit<ProfileSearch, 'limit'>): { where: string[]; params: unknown[] } {
    const where = [`status <> 'erased'`];
    const params: unknown[] = [];
    const add = (condition: (placeholder: string) => string, value: unknown) => {
      params.push(value);
      where.push(condition(`$${params.length}`));
    };
    // phone_bidx too: a row a previous release's projector wrote during a rolling deploy has no list
    if (search.phoneBidx) add((p) => `(phone_bidxs @> ARRAY[${p}::text] OR phone_bidx = ${p})`, search.phoneBidx);
    if (search.tagBidx) add((p) => `tag_bidxs @> ARRAY[${p}::text]`, search.tagBidx);
    if (search.customerType) add((p) => `customer_type = ${p}`, search.customerType);
    if (search.tier) add((p) => `tier = ${p}`, search.tier);
    // a customer never moved is active: its row holds no stage
    if (search.lifecycleStage) add((p) => `coalesce(lifecycle_stage, '${DEFAULT_LIFECYCLE_STAGE}') = ${p}`, search.lifecycleStage);
    if (search.emailBidx) add((p) => `email_bidx = ${p}`, search.emailBidx);
    if (search.idNumberBidx) add((p) => `id_number_bidx = ${p}`, search.idNumberBidx);
    const namePrefix = search.namePrefix === undefined ? undefined : nameSearchKey(search.namePrefix);
    if (namePrefix !== undefined) add((p) => `name_prefix_bidx @> ARRAY[${p}::text]`, namePrefixQuery(this.vault, namePrefix));
    if (search.status) add((p) => `status = ${p}`, search.status);
    if (search.departmentId) add((p) => `department_id = ${p}`, search.departmentId);
    if (search.healthManagerId) add((p) => `health_manager_id = ${p}`, search.healthManagerId);
    if (search.reach) {
      // NULL matches nothing: a scoped caller without a department reaches only its own customers
      params.push(search.reach.departmentId, search.reach.healthManagerId);
      where.push(`(department_id = $${params.length - 1} OR health_manager_id = $${params.length})`);
    }
    if (search.customerNumber) add((p) => `subject_id = (SELECT coalesce(merged_into, subject_id) FROM customer_numbers WHERE customer_number = ${p})`, search.customerNumber);
    if (search.after) add((p) => `subject_id > ${p}`, search.after);
    return { where, params };
  }

  /** How many subjects match, counted up to `cap` (a bound on the work, not the answer: `cap` means "at least"). */
  async countUpTo(search: Omit<ProfileSearch, 'after' | 'limit'>, cap: number): Promise<number> {
    const { where, params } = this.conditions(search);
    params.push(cap);
    const { rows } = await this.pool.query(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM subject_profile WHERE ${where.join(' AND ')} LIMIT $${params.length}) AS matches`,
      params,
    );
    return rows[0].n as number;
  }

  /** Matches in subject-id order, after `after`, at most `limit`, with their values still sealed (`open` decrypts what may be shown). */
  async searchSealed(search: ProfileSearch): Promise<SealedProfile[]> {
    const { where, params } = this.conditions(search);
    params.push(search.limit);
    const { rows } = await this.pool.query(`SELECT ${DOCUMENT_COLUMNS} FROM subject_profile WHERE ${where.join(' AND ')} ORDER BY subject_id LIMIT $${params.length}`, params);
    return rows.map((row) => ({ ...documentOf(row), stored: row.data as StoredProfileData }));
  }

  private async nameAndPhone(row: Record<string, unknown>): Promise<{ name?: JsonValue; phone?: JsonValue; customerProfile?: Record<string, JsonValue> }> {
    const stored: StoredProfileData = {};
    if (row.identity !== null) stored.identity = row.identity;
    if (row.contact !== null) stored.contact = row.contact;
    if (row.customer_profile !== null) stored.customer_profile = row.customer_profile;
    const data = await openProfileData(this.vault, row.subject_id as string, stored);
    return { name: data.identity?.name, phone: data.contact ? primaryPhone(data.contact) : undefined, customerProfile: data.customer_profile };
  }
}
