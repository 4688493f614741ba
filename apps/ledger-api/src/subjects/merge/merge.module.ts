import { Module } from '@nestjs/common';
import { AccessMatrixModule } from '../../access-matrix/access-matrix.module';
import { LegalHoldsService } from '../../rights/legal-holds/legal-holds.service';
import { SubjectsModule } from '../subjects.module';
import { MergeObstaclesFinder } from './merge-obstacles';
import { MergeHttpController } from './merge.http.controller';
import { MergeService } from './merge.service';

/** Merge of two customer files of one person (issue #15 item 3). */
@Module({
  imports: [SubjectsModule, AccessMatrixModule],
  controllers: [MergeHttpController],
  providers: [MergeService, MergeObstaclesFinder, LegalHoldsService],
})
export class MergeModule {}
