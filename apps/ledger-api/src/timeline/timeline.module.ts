import { Module } from '@nestjs/common';
import { TimelineQueries } from '@pi-ledger/read-models/projections/timeline/timeline.queries';
import { SubjectRecordsModule } from '../subject-records/subject-records.module';
import { TimelineHttpController } from './timeline.http.controller';
import { TimelineService } from './timeline.service';

/** A customer's timeline across every kind of record (timeline-sources.ts lists the kinds). */
@Module({
  imports: [SubjectRecordsModule],
  controllers: [TimelineHttpController],
  providers: [TimelineService, TimelineQueries],
})
export class TimelineModule {}
