/**
 * What a saved query holds: the combined query's `where`, `sort` and `columns` as the client sent
 * them (issue #16). The conditions' values are criteria (a condition's name, an age band, a tier),
 * never a person's data; a definition may name a customer number, which is a pseudonymous id.
 */
export interface SavedQueryDefinition {
  where?: Record<string, unknown>;
  sort?: unknown[];
  columns?: string[];
}

/**
 * Events of one saved query's stream (`saved-query-<queryId>`), shared within the department of the
 * staff member who saved it. Nothing sealed: a name, a definition, a department, accounts and times.
 */
export type SavedQueryEvent =
  | {
      type: 'SavedQueryCreated';
      data: { queryId: string; name: string; departmentId: string; definition: SavedQueryDefinition; createdBy: string; createdAt: string };
    }
  | { type: 'SavedQueryDeleted'; data: { queryId: string; departmentId: string; deletedBy: string; deletedAt: string } };

export const savedQueryStream = (queryId: string) => `saved-query-${queryId}`;
