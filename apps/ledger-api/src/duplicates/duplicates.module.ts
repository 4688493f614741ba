import { Module } from '@nestjs/common';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import type { DuplicatePairErrorCode } from '@pi-ledger/ledger-domain/duplicates/duplicate-pair';
import { DuplicateCandidateQueries } from '@pi-ledger/read-models/projections/duplicates/duplicate-candidates.queries';
import { AccessMatrixModule } from '../access-matrix/access-matrix.module';
import { RegistryModule } from '../registry/registry.module';
import { SubjectsModule } from '../subjects/subjects.module';
import { DuplicatesHttpController } from './duplicates.http.controller';
import { DuplicatesService } from './duplicates.service';

registerProblemCodes({
  'duplicate-pair-not-found': { status: 404, title: 'Duplicate candidate pair not found' },
  'duplicate-pair-dismissed': { status: 409, title: 'Duplicate candidate pair already dismissed' },
} satisfies Record<DuplicatePairErrorCode, unknown>);

/** Duplicate candidates across the ledger (issue #15, item 2): the list and dismissals. */
@Module({
  imports: [RegistryModule, AccessMatrixModule, SubjectsModule],
  controllers: [DuplicatesHttpController],
  providers: [DuplicatesService, DuplicateCandidateQueries],
})
export class DuplicatesModule {}
