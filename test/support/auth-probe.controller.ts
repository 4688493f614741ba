import { Controller, Get, Param } from '@nestjs/common';
import type { Actor } from '../../libs/access-control/src/actor';
import { CurrentActor } from '../../libs/access-control/src/current-actor.decorator';
import { Roles } from '../../libs/access-control/src/roles.decorator';
import { assertMaySeeSubject } from '../../libs/access-control/src/subject-scope';

/** Routes for test/auth.e2e-spec.ts: one per kind of access rule, answering with the actor. */
@Controller('v1/probe')
export class AuthProbeController {
  @Get('staff')
  @Roles('staff')
  staff(@CurrentActor() actor: Actor) {
    return { actor };
  }

  /** Forgot its @Roles: must be closed to everyone. */
  @Get('unguarded')
  unguarded() {
    return { reached: true };
  }

  @Get('subjects/:id')
  @Roles('data_subject', 'staff')
  subject(@Param('id') subjectId: string, @CurrentActor() actor: Actor) {
    assertMaySeeSubject(actor, subjectId);
    return { subjectId, actor: actor.id };
  }
}
