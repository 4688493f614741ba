import { Module } from '@nestjs/common';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import type { SavedQueryErrorCode } from '@pi-ledger/ledger-domain/saved-queries/saved-query.errors';
import { SavedQueryQueries } from '@pi-ledger/read-models/projections/customer-query/saved-queries.projection';
import { DepartmentsModule } from '../departments/departments.module';
import { SavedQueriesHttpController } from './saved-queries.http.controller';
import { SavedQueriesService } from './saved-queries.service';

registerProblemCodes({
  'saved-query-not-found': { status: 404, title: 'Saved query not found' },
  'saved-query-exists': { status: 409, title: 'Saved query exists' },
  'department-required': { status: 422, title: 'Your account belongs to no department' },
  'not-saved-query-owner': { status: 403, title: 'Only its author or the department’s manager deletes a saved query' },
} satisfies Record<SavedQueryErrorCode, unknown>);

/** Combined queries saved and shared within a department (issue #16). */
@Module({
  imports: [DepartmentsModule],
  controllers: [SavedQueriesHttpController],
  providers: [SavedQueriesService, SavedQueryQueries],
})
export class SavedQueriesModule {}
