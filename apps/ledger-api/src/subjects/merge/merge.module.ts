import { Module } from '@nestjs/common';
import { AccessMatrixModule } from '../../access-matrix/access-matrix.module';
import { RightsModule } from '../../rights/rights.module';
import { SubjectsModule } from '../subjects.module';
import { MergeObstaclesFinder } from './merge-obstacles';
import { MergeRecordMover } from './merge-records';
import { MergeHttpController } from './merge.http.controller';
import { MergeService } from './merge.service';

/** Merge of two customer files of one person (issue #15 item 3). */
@Module({
  imports: [SubjectsModule, AccessMatrixModule, RightsModule],
  controllers: [MergeHttpController],
  providers: [MergeService, MergeObstaclesFinder, MergeRecordMover],
})
export class MergeModule {}
