import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FILE_ROLES } from '@pi-ledger/access-control/roles';
import { Ctx } from '../http/ctx.decorator';
import { RequestContext } from '../application/request-context';
import { IdempotencyInterceptor } from '../http/idempotency.interceptor';
import { etag, expectedVersionFromIfMatch } from '../http/if-match';
import { ReadsProjections } from '../http/min-position';
import { PersonalDataLookup } from '../http/personal-data-lookup';
import { SubjectIdPipe } from '../http/subject-id.pipe';
import { CancelOrderDto, ListOrdersDto, PayOrderDto, PlaceOrderDto, RefundOrderDto } from './orders.dto';
import { OrderChange, OrdersService } from './orders.service';

type Reply = Pick<FastifyReply, 'header'>;
const PURPOSE_HEADER = { name: 'X-Processing-Purpose', required: false, description: 'Required but for the subject’s own token' };
const ORDER_KEY = 'an order id (UUID) or number (O2026000123)';

@ApiTags('orders')
@ApiBearerAuth()
@Controller('v1')
@UseInterceptors(IdempotencyInterceptor)
export class OrdersHttpController {
  constructor(private readonly orders: OrdersService) {}

  @Post('subjects/:id/orders')
  @Roles(...FILE_ROLES)
  @ApiOperation({ summary: 'Place an order (消费记录) for a customer: numbered, items in fen, the total computed; sealed under the customer’s consumption key' })
  async place(@Param('id', SubjectIdPipe) id: string, @Body() body: PlaceOrderDto, @Ctx() context: RequestContext, @Res({ passthrough: true }) reply: Reply) {
    const placed = await this.orders.place(id, body, context);
    reply.header('etag', etag(placed.version)).header('location', `/v1/orders/${placed.orderId}`);
    return placed;
  }

  @Get('subjects/:id/orders')
  @PersonalDataLookup()
  @Roles(...FILE_ROLES, 'data_subject')
  @ReadsProjections('orders')
  @ApiHeader(PURPOSE_HEADER)
  @ApiOperation({ summary: 'A customer’s orders, newest first, with items and refunds; the read is recorded' })
  list(@Param('id', SubjectIdPipe) id: string, @Query() query: ListOrdersDto, @Headers('x-processing-purpose') purpose: string | undefined, @Ctx() context: RequestContext) {
    return this.orders.listOf(id, query, context, purpose);
  }

  @Get('orders/:orderId')
  @PersonalDataLookup()
  @Roles(...FILE_ROLES, 'data_subject')
  @ReadsProjections('orders')
  @ApiHeader(PURPOSE_HEADER)
  @ApiOperation({ summary: `One order, by ${ORDER_KEY}; ETag is its version; the read is recorded` })
  async get(
    @Param('orderId') orderId: string,
    @Headers('x-processing-purpose') purpose: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    const order = await this.orders.get(orderId, context, purpose);
    reply.header('etag', etag(order.version));
    return order;
  }

  @Post('orders/:orderId/pay')
  @HttpCode(200)
  @Roles(...FILE_ROLES)
  @ApiOperation({ summary: 'Record the payment of a placed order in full, with its method; If-Match makes it exact' })
  pay(
    @Param('orderId') orderId: string,
    @Body() body: PayOrderDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    const change: OrderChange = { type: 'PayOrder', paymentMethod: body.paymentMethod, ...(body.amountFen === undefined ? {} : { amountFen: body.amountFen }) };
    return this.changed(reply, this.orders.change(orderId, change, body.purposeId, context, expectedVersionFromIfMatch(ifMatch)));
  }

  @Post('orders/:orderId/cancel')
  @HttpCode(200)
  @Roles(...FILE_ROLES)
  @ApiOperation({ summary: 'Cancel an unpaid order (a paid one is refunded instead), with a sealed reason' })
  cancel(
    @Param('orderId') orderId: string,
    @Body() body: CancelOrderDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    const change: OrderChange = { type: 'CancelOrder', ...(body.reason === undefined ? {} : { reason: body.reason }) };
    return this.changed(reply, this.orders.change(orderId, change, body.purposeId, context, expectedVersionFromIfMatch(ifMatch)));
  }

  @Post('orders/:orderId/refunds')
  @Roles(...FILE_ROLES)
  @ApiOperation({ summary: 'Refund part or all of what is left of a paid order, with a sealed reason: each refund its own event' })
  refund(
    @Param('orderId') orderId: string,
    @Body() body: RefundOrderDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    const change: OrderChange = { type: 'RefundOrder', amountFen: body.amountFen, reason: body.reason };
    return this.changed(reply, this.orders.change(orderId, change, body.purposeId, context, expectedVersionFromIfMatch(ifMatch)));
  }

  private async changed<T extends { version: number }>(reply: Reply, changing: Promise<T>): Promise<T> {
    const changed = await changing;
    reply.header('etag', etag(changed.version));
    return changed;
  }
}
