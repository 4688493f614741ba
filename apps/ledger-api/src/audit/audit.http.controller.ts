import { Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { AuditLog } from '@pi-ledger/audit/audit-log';
import { ProblemException } from '@pi-ledger/platform/http/problem';
import { ReadsProjections } from '../http/min-position';
import { SubjectIdPipe } from '../http/subject-id.pipe';
import { AuditEventsQuery } from './audit-events.query';

export class AuditEventsParams {
  @IsOptional() @IsUUID() subjectId?: string;
  @IsOptional() @IsString() @Length(1, 200) type?: string;
  @IsOptional() @IsString() @Length(1, 200) actor?: string;
  @IsOptional() @IsISO8601() from?: string;
  @IsOptional() @IsISO8601() to?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  @IsOptional() @Matches(/^\d{1,18}$/) cursor?: string;
}

export class InclusionParams {
  @IsUUID() eventId: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) treeSize?: number;
}

export class TreeHeadParams {
  @Type(() => Number) @IsInt() @Min(0) treeSize: number;
}

export class ConsistencyParams {
  @Type(() => Number) @IsInt() @Min(1) from: number;
  @Type(() => Number) @IsInt() @Min(1) to: number;
}

/** Read-only audit endpoints: no PI values, ever (api-contract.md, "Audit"). */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
@Roles('auditor', 'compliance_officer')
export class AuditHttpController {
  constructor(
    private readonly events: AuditEventsQuery,
    private readonly log: AuditLog,
  ) {}

  @Get('events')
  @ReadsProjections('audit_trail')
  @ApiOperation({ summary: 'Who did what to whose record, when and why: names of categories and fields, never values' })
  list(@Query() query: AuditEventsParams) {
    return this.events.list({
      subjectId: query.subjectId,
      type: query.type,
      actor: query.actor,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      limit: query.limit ?? 100,
      after: query.cursor ? Number(query.cursor) : undefined,
    });
  }

  @Get('events/:eventId')
  @ReadsProjections('audit_trail')
  @ApiOperation({ summary: 'One entry with its commitment (the leaf input)' })
  async one(@Param('eventId', SubjectIdPipe) eventId: string) {
    const entry = await this.events.one(eventId);
    if (!entry) throw new ProblemException(404, 'event-not-found', 'Event not found', `no event ${eventId}`);
    return entry;
  }

  @Get('tree-heads/latest')
  @ApiOperation({ summary: 'The latest signed tree head (Ed25519 over pi-ledger/tree-head/v1)' })
  async latestHead() {
    const head = await this.log.latestTreeHead();
    if (!head) throw new ProblemException(404, 'no-tree-head', 'No tree head yet', 'no tree head has been signed yet');
    return head;
  }

  /**
   * Signs a head now rather than waiting for the scheduler. With X-Ledger-Min-Position it first waits
   * for the tree to take in that write, so the head is sure to cover it.
   */
  @Post('tree-heads')
  @Roles('compliance_officer', 'ops')
  @ReadsProjections('audit_trail')
  @ApiOperation({ summary: 'Sign a tree head over the tree as it is now (201), or return the latest head when the tree has not grown (200)' })
  @ApiCreatedResponse({ description: 'A new head was signed' })
  @ApiOkResponse({ description: 'The tree had not grown: the latest head' })
  async signHead(@Res({ passthrough: true }) reply: FastifyReply) {
    const before = await this.log.latestTreeHead();
    const head = await this.log.createTreeHead();
    void reply.status(before?.treeSize === head.treeSize ? 200 : 201);
    return head;
  }

  @Get('tree-heads/:treeSize')
  @ApiOperation({ summary: 'The signed tree head of one size, e.g. an earlier head to check a consistency proof against' })
  async head(@Param() params: TreeHeadParams) {
    const head = await this.log.treeHead(params.treeSize);
    if (!head) throw new ProblemException(404, 'tree-head-not-found', 'Tree head not found', `no tree head of size ${params.treeSize} was signed`);
    return head;
  }

  @Get('public-key')
  @ApiOperation({ summary: 'The audit public key: verifies tree heads and erasure certificates' })
  publicKey() {
    return this.log.publicKey();
  }

  @Get('proofs/inclusion')
  @ReadsProjections('audit_trail')
  @ApiOperation({ summary: 'RFC 6962 inclusion proof of an event in the tree of a given size (default: latest head)' })
  async inclusion(@Query() query: InclusionParams) {
    const treeSize = query.treeSize ?? (await this.log.latestTreeHead())?.treeSize;
    return this.log.inclusionProof(query.eventId, treeSize);
  }

  @Get('proofs/consistency')
  @ApiOperation({ summary: 'RFC 6962 consistency proof between two tree sizes' })
  consistency(@Query() query: ConsistencyParams) {
    return this.log.consistencyProof(query.from, query.to);
  }
}
