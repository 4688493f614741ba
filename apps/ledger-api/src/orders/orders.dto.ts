import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import { ORDER_ITEM_KINDS, ORDER_STATUSES, OrderItemKind, OrderStatus, PAYMENT_METHODS, PaymentMethod } from '@pi-ledger/ledger-domain/orders/order.events';
import { DATE, PURPOSE_ID } from '../checkups/checkups.dto';

/** The centre's product and service codes (SKU, package codes): letters, digits and - . _ */
const ITEM_CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;
/** ¥10,000,000.00 a unit at most: with 100,000 units and 200 lines, every sum stays an exact integer. */
const MAX_UNIT_PRICE_FEN = 1_000_000_000;

export class OrderItemDto {
  @ApiProperty({ enum: ORDER_ITEM_KINDS }) @IsIn(ORDER_ITEM_KINDS) kind: OrderItemKind;
  @ApiProperty({ example: 'PKG-STD' }) @IsString() @Matches(ITEM_CODE) code: string;
  @ApiProperty({ example: '标准体检套餐' }) @IsString() @Length(1, 200) name: string;
  @ApiProperty({ example: 1, minimum: 1 }) @IsInt() @Min(1) @Max(100_000) quantity: number;
  @ApiProperty({ example: 128000, description: 'In fen (分), a whole number: ¥1,280.00 is 128000' }) @IsInt() @Min(0) @Max(MAX_UNIT_PRICE_FEN) unitPriceFen: number;
}

export class PlaceOrderDto {
  @ApiProperty({ example: '2026-06-01' }) @IsString() @Matches(DATE, { message: 'orderDate must be YYYY-MM-DD' }) orderDate: string;
  @ApiProperty({ type: [OrderItemDto] }) @IsArray() @ArrayMinSize(1) @ArrayMaxSize(200) @ValidateNested({ each: true }) @Type(() => OrderItemDto) items: OrderItemDto[];
  @ApiPropertyOptional({ description: 'The total in fen as the client computed it: refused unless it is the items’ sum' }) @IsOptional() @IsInt() @Min(0) amountFen?: number;
  @ApiPropertyOptional({ description: 'Sealed with the items' }) @IsOptional() @IsString() @Length(1, 2000) note?: string;
  @ApiProperty({ example: 'health-management' }) @IsString() @Matches(PURPOSE_ID) purposeId: string;
}

export class PayOrderDto {
  @ApiProperty({ enum: PAYMENT_METHODS }) @IsIn(PAYMENT_METHODS) paymentMethod: PaymentMethod;
  @ApiPropertyOptional({ description: 'In fen: when given, must be the order’s amount (422 payment-amount-mismatch)' }) @IsOptional() @IsInt() @Min(0) amountFen?: number;
  @ApiProperty({ example: 'health-management' }) @IsString() @Matches(PURPOSE_ID) purposeId: string;
}

export class CancelOrderDto {
  @ApiPropertyOptional({ description: 'Why (sealed)' }) @IsOptional() @IsString() @Length(1, 2000) reason?: string;
  @ApiProperty({ example: 'health-management' }) @IsString() @Matches(PURPOSE_ID) purposeId: string;
}

export class RefundOrderDto {
  @ApiProperty({ example: 13650, description: 'In fen, at most what is left to refund (422 refund-exceeds-remaining)' }) @IsInt() @Min(1) amountFen: number;
  @ApiProperty({ description: 'Why (sealed)' }) @IsString() @Length(1, 2000) reason: string;
  @ApiProperty({ example: 'health-management' }) @IsString() @Matches(PURPOSE_ID) purposeId: string;
}

export class ListOrdersDto {
  @ApiPropertyOptional({ enum: ORDER_STATUSES }) @IsOptional() @IsIn(ORDER_STATUSES) status?: OrderStatus;
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @Length(1, 400) cursor?: string;
}
