import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { Ctx } from '../../http/ctx.decorator';
import { RequestContext } from '../../application/request-context';
import { CustomerNumbersService } from './customer-numbers.service';

export class BackfillCustomerNumbersDto {
  @ApiPropertyOptional({ default: 500, minimum: 1, maximum: 5000 }) @IsOptional() @IsInt() @Min(1) @Max(5000) limit?: number;
}

@ApiTags('subjects')
@ApiBearerAuth()
@Controller('v1/customer-numbers')
export class CustomerNumbersHttpController {
  constructor(private readonly numbers: CustomerNumbersService) {}

  @Post('backfill')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Numbers, oldest first, up to `limit` customers registered without a customer number; call again until `remaining` is 0' })
  backfill(@Body() body: BackfillCustomerNumbersDto, @Ctx() context: RequestContext): Promise<{ numbered: number; remaining: number }> {
    return this.numbers.backfill(context, body.limit ?? 500);
  }
}
