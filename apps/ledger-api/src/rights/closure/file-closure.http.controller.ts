import { Body, Controller, HttpCode, Param, Post, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { Ctx } from '../../http/ctx.decorator';
import { RequestContext } from '../../application/request-context';
import { IdempotencyInterceptor } from '../../http/idempotency.interceptor';
import { SubjectIdPipe } from '../../http/subject-id.pipe';
import { EndRelationshipDto } from './file-closure.dto';
import { FileClosureService } from './file-closure.service';

@ApiTags('rights')
@ApiBearerAuth()
@Controller('v1/subjects')
@UseInterceptors(IdempotencyInterceptor)
export class FileClosureHttpController {
  constructor(private readonly closure: FileClosureService) {}

  @Post(':id/relationship-end')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Record that the relationship with the customer ended: processing is restricted to storage; each category is erased by the retention sweep when its retention after the end runs out',
  })
  endRelationship(@Param('id', SubjectIdPipe) subjectId: string, @Body() body: EndRelationshipDto, @Ctx() context: RequestContext) {
    return this.closure.endRelationship(subjectId, body.reason, context);
  }

  @Post(':id/close')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Close the customer’s file (delete the customer): end the relationship and erase now, on the centre’s initiative (PIPL Art. 47(1)), every category no retention or legal hold keeps, with a certificate',
  })
  close(@Param('id', SubjectIdPipe) subjectId: string, @Body() body: EndRelationshipDto, @Ctx() context: RequestContext) {
    return this.closure.close(subjectId, body.reason, context);
  }
}
