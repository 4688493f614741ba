import { Body, Controller, Get, Headers, Param, Post, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FILE_ROLES } from '@pi-ledger/access-control/roles';
import { Inject } from '@nestjs/common';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { Ctx } from '../http/ctx.decorator';
import { RequestContext } from '../application/request-context';
import { IdempotencyInterceptor } from '../http/idempotency.interceptor';
import { ReadsProjections } from '../http/min-position';
import { PersonalDataLookup } from '../http/personal-data-lookup';
import { SubjectIdPipe } from '../http/subject-id.pipe';
import { SendMessageDto } from './messages.dto';
import { MessagesService } from './messages.service';

@ApiTags('messages')
@ApiBearerAuth()
@Controller('v1')
export class MessagesHttpController {
  constructor(
    private readonly messages: MessagesService,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
  ) {}

  @Post('subjects/:id/messages')
  @UseInterceptors(IdempotencyInterceptor)
  @Roles(...FILE_ROLES)
  @ReadsProjections('subject_profile')
  @ApiOperation({ summary: 'Queue a message to a customer, written by staff; marketing only under an active marketing consent, on a channel the customer chose' })
  send(@Param('id', SubjectIdPipe) id: string, @Body() body: SendMessageDto, @Ctx() context: RequestContext) {
    return this.messages.send(id, body, context);
  }

  @Get('subjects/:id/messages')
  @PersonalDataLookup()
  @Roles(...FILE_ROLES, 'data_subject')
  @ReadsProjections('outbox_messages')
  @ApiHeader({ name: 'X-Processing-Purpose', required: false, description: 'Required but for the subject’s own token' })
  @ApiOperation({ summary: 'What was sent (or is queued) to a customer, with recipients and contents; the read is recorded' })
  async list(@Param('id', SubjectIdPipe) id: string, @Headers('x-processing-purpose') purpose: string | undefined, @Ctx() context: RequestContext) {
    return { items: await this.messages.listOf(id, context, purpose) };
  }

  @Get('ops/outbox')
  @Roles('ops', 'admin')
  @ReadsProjections('outbox_messages')
  @ApiOperation({ summary: 'The outbox’s state: counts by status, kind and channel, the oldest due message, recent failures (ids and codes, no customer, no content)' })
  outbox() {
    return this.messages.outbox.summary(this.clock());
  }
}
