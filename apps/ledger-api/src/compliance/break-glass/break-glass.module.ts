import { Module } from '@nestjs/common';
import { BreakGlassRecorder } from './break-glass.recorder';
import { BreakGlassReport } from './break-glass.report';
import { BreakGlassHttpController } from './break-glass.http.controller';

/** Break-glass: accesses outside the assignment, recorded (BreakGlassRecorder) and reported to compliance. */
@Module({
  controllers: [BreakGlassHttpController],
  providers: [BreakGlassRecorder, BreakGlassReport],
  exports: [BreakGlassRecorder],
})
export class BreakGlassModule {}
