import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Put, Query, Res, UseInterceptors } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import { Ctx } from '../http/ctx.decorator';
import { RequestContext } from '../application/request-context';
import { IdempotencyInterceptor } from '../http/idempotency.interceptor';
import { etag, expectedVersionFromIfMatch } from '../http/if-match';
import { CreateStaffDto, GrantRoleDto, LoginHistoryQueryDto, SetDepartmentDto } from './staff.dto';
import { StaffAdminService } from './staff-admin.service';
import { STAFF_ROLES } from './staff-roles';

type Reply = Pick<FastifyReply, 'header' | 'status'>;

/**
 * Staff accounts, managed by admin. Every change is an event with the admin as actor; `If-Match`
 * makes it exact. `Idempotency-Key` is honoured on every change except creation and password reset:
 * their answers carry a one-time password, which is shown once and never stored (an idempotency
 * record keeps the answer). A retried creation answers 409 `username-taken`; a retried reset issues
 * a new password.
 */
@ApiTags('staff')
@Controller('v1/staff')
export class StaffHttpController {
  constructor(private readonly staff: StaffAdminService) {}

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Create a staff account; the answer carries its one-time password, shown this once' })
  async create(@Body() body: CreateStaffDto, @Ctx() context: RequestContext, @Res({ passthrough: true }) reply: Reply) {
    const created = await this.staff.create({ username: body.username, displayName: body.displayName, roles: body.roles, departmentId: body.departmentId ?? null }, context);
    reply.status(201).header('etag', etag(created.version)).header('location', `/v1/staff/${created.staffId}`);
    return created;
  }

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'Every staff account, by username' })
  async list() {
    return { items: await this.staff.list() };
  }

  @Get(':staffId')
  @Roles('admin')
  async get(@Param('staffId') staffId: string, @Res({ passthrough: true }) reply: Reply) {
    const view = await this.staff.view(staffId);
    reply.header('etag', etag(view.version));
    return view;
  }

  @Post(':staffId/roles')
  @UseInterceptors(IdempotencyInterceptor)
  @Roles('admin')
  @ApiOperation({ summary: 'Grant a role (effective from the account’s next token)' })
  async grant(
    @Param('staffId') staffId: string,
    @Body() body: GrantRoleDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    return this.changed(reply, staffId, await this.staff.change(staffId, { type: 'GrantRole', role: body.role }, context, expectedVersionFromIfMatch(ifMatch)));
  }

  @Delete(':staffId/roles/:role')
  @UseInterceptors(IdempotencyInterceptor)
  @Roles('admin')
  @ApiOperation({ summary: 'Revoke a role: the account’s sessions end and its tokens are refused' })
  async revoke(
    @Param('staffId') staffId: string,
    @Param('role') role: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    if (!(STAFF_ROLES as string[]).includes(role)) throw new InvalidInput([{ path: 'role', message: `must be one of ${STAFF_ROLES.join(', ')}` }]);
    return this.changed(reply, staffId, await this.staff.change(staffId, { type: 'RevokeRole', role }, context, expectedVersionFromIfMatch(ifMatch)));
  }

  @Put(':staffId/department')
  @UseInterceptors(IdempotencyInterceptor)
  @Roles('admin')
  async department(
    @Param('staffId') staffId: string,
    @Body() body: SetDepartmentDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    return this.changed(reply, staffId, await this.staff.change(staffId, { type: 'SetDepartment', departmentId: body.departmentId }, context, expectedVersionFromIfMatch(ifMatch)));
  }

  @Post(':staffId/password-reset')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Set a one-time password (shown this once); the person must choose their own at the next sign-in' })
  async resetPassword(
    @Param('staffId') staffId: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    const result = await this.staff.resetPassword(staffId, context, expectedVersionFromIfMatch(ifMatch));
    reply.header('etag', etag(result.version));
    return { staffId, ...result };
  }

  @Post(':staffId/mfa-reset')
  @UseInterceptors(IdempotencyInterceptor)
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove the account’s TOTP enrolment (a lost phone); it enrols again at the next sign-in' })
  async resetMfa(@Param('staffId') staffId: string, @Headers('if-match') ifMatch: string | undefined, @Ctx() context: RequestContext, @Res({ passthrough: true }) reply: Reply) {
    return this.changed(reply, staffId, await this.staff.change(staffId, { type: 'ResetMfa' }, context, expectedVersionFromIfMatch(ifMatch)));
  }

  @Post(':staffId/disable')
  @UseInterceptors(IdempotencyInterceptor)
  @Roles('admin')
  @HttpCode(200)
  async disable(@Param('staffId') staffId: string, @Headers('if-match') ifMatch: string | undefined, @Ctx() context: RequestContext, @Res({ passthrough: true }) reply: Reply) {
    return this.changed(reply, staffId, await this.staff.change(staffId, { type: 'DisableAccount' }, context, expectedVersionFromIfMatch(ifMatch)));
  }

  @Post(':staffId/enable')
  @UseInterceptors(IdempotencyInterceptor)
  @Roles('admin')
  @HttpCode(200)
  async enable(@Param('staffId') staffId: string, @Headers('if-match') ifMatch: string | undefined, @Ctx() context: RequestContext, @Res({ passthrough: true }) reply: Reply) {
    return this.changed(reply, staffId, await this.staff.change(staffId, { type: 'EnableAccount' }, context, expectedVersionFromIfMatch(ifMatch)));
  }

  @Post(':staffId/unlock')
  @UseInterceptors(IdempotencyInterceptor)
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Lift a lock after repeated failed sign-ins' })
  async unlock(@Param('staffId') staffId: string, @Ctx() context: RequestContext) {
    return { staffId, ...(await this.staff.unlock(staffId, context)) };
  }

  @Get(':staffId/logins')
  @Roles('admin', 'compliance_officer')
  @ApiOperation({ summary: 'The account’s sign-ins, failures, locks and logouts, newest first (time and address; never a secret)' })
  async logins(@Param('staffId') staffId: string, @Query() query: LoginHistoryQueryDto) {
    return { items: await this.staff.logins(staffId, query.limit ?? 100) };
  }

  private changed(reply: Reply, staffId: string, result: { version: number; position: number }) {
    reply.header('etag', etag(result.version));
    return { staffId, ...result };
  }
}
