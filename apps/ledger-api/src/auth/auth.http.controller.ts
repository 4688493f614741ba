import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '@pi-ledger/access-control/actor';
import { PublicRoute } from '@pi-ledger/access-control/public-route.decorator';
import { AuthRateLimit } from '@pi-ledger/platform/http/auth-rate-limit';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { ProblemException } from '@pi-ledger/platform/http/problem';
import { Inject } from '@nestjs/common';
import { CurrentActor } from '@pi-ledger/access-control/current-actor.decorator';
import { StaffSessions } from '@pi-ledger/access-control/staff-accounts/staff-sessions';
import { StaffAdminService } from '../staff/staff-admin.service';
import { STAFF_ROLES } from '../staff/staff-roles';
import { ChangePasswordDto, ConfirmEnrolmentDto, EnrolDto, LoginDto, MfaDto, RefreshDto, SessionsQueryDto } from './auth.dto';
import { invalidRefreshToken, sessionNotFound } from './auth.problems';
import { BearerSession } from './bearer-session';
import { EnrolmentService } from './enrolment.service';
import { clearRefreshCookie, refreshCookie, setRefreshCookie } from './refresh-cookie';
import { SignInOutcome, SignInService } from './sign-in.service';
import { StepTokens } from './step-tokens';

/** Sign-in for staff accounts: password, TOTP, sessions with rotating refresh tokens. */
@ApiTags('auth')
@Controller('v1/auth')
export class AuthHttpController {
  constructor(
    private readonly signIn: SignInService,
    private readonly enrolment: EnrolmentService,
    private readonly steps: StepTokens,
    private readonly sessions: StaffSessions,
    private readonly bearer: BearerSession,
    private readonly staff: StaffAdminService,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
  ) {}

  @Post('login')
  @PublicRoute()
  @AuthRateLimit()
  @HttpCode(200)
  @ApiOperation({ summary: 'Username and password → tokens, or the next step: a TOTP challenge, an enrolment token, a password token' })
  async login(@Body() body: LoginDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.answer(request, reply, await this.signIn.login(body.username, body.password, request.ip));
  }

  @Post('mfa')
  @PublicRoute()
  @AuthRateLimit()
  @HttpCode(200)
  @ApiOperation({ summary: 'The challenge and a TOTP code → access and refresh tokens' })
  async mfa(@Body() body: MfaDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.answer(request, reply, { status: 'signed-in', ...(await this.signIn.completeMfa(body.challenge, body.code, request.ip)) });
  }

  @Post('refresh')
  @PublicRoute()
  @AuthRateLimit()
  @HttpCode(200)
  @ApiOperation({ summary: 'A refresh token (body or cookie) → new tokens; the old refresh token is spent, and using it again ends the session' })
  async refresh(@Body() body: RefreshDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const token = body.refreshToken ?? refreshCookie(request);
    if (!token) throw invalidRefreshToken();
    try {
      const answer = this.answer(request, reply, { status: 'signed-in', ...(await this.signIn.refresh(token, request.ip)) });
      // came by cookie: the new one goes back only as the httpOnly cookie, out of reach of any script in the page
      if (body.refreshToken === undefined && 'refreshToken' in answer) delete (answer as { refreshToken?: string }).refreshToken;
      return answer;
    } catch (error) {
      clearRefreshCookie(request, reply);
      throw error;
    }
  }

  @Post('logout')
  @Roles(...STAFF_ROLES)
  @HttpCode(204)
  @ApiOperation({ summary: 'End the session of this access token' })
  async logout(@CurrentActor() actor: Actor, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    if (actor.sessionId) await this.signIn.endSession(actor.id, actor.sessionId, 'logout', request.ip, actor);
    clearRefreshCookie(request, reply);
  }

  @Get('me')
  @Roles(...STAFF_ROLES)
  @ApiOperation({ summary: 'The signed-in account: username, display name, roles, department, MFA state (for the console after a reload)' })
  async me(@CurrentActor() actor: Actor) {
    return this.staff.view(actor.id);
  }

  @Get('sessions')
  @Roles(...STAFF_ROLES)
  @ApiOperation({ summary: 'Open sessions: one’s own; admin: another account’s with ?staffId=' })
  async listSessions(@CurrentActor() actor: Actor, @Query() query: SessionsQueryDto) {
    const staffId = this.whose(actor, query.staffId);
    const sessions = await this.sessions.active(staffId, this.clock());
    return { items: sessions.map((session) => ({ ...session, current: session.sessionId === actor.sessionId })) };
  }

  @Delete('sessions/:sessionId')
  @Roles(...STAFF_ROLES)
  @HttpCode(204)
  @ApiOperation({ summary: 'End a session: one’s own; admin: anyone’s' })
  async deleteSession(@CurrentActor() actor: Actor, @Param('sessionId') sessionId: string, @Req() request: FastifyRequest) {
    const session = await this.sessions.get(sessionId);
    if (!session || session.ended || (session.staffId !== actor.id && !actor.roles.includes('admin'))) throw sessionNotFound();
    await this.signIn.endSession(session.staffId, sessionId, 'session-deleted', request.ip, actor);
  }

  @Post('mfa/enrol')
  @PublicRoute()
  @AuthRateLimit()
  @HttpCode(200)
  @ApiOperation({ summary: 'Start a TOTP enrolment (with an enrolment token, or a bearer access token) → otpauth:// URI and a QR code (PNG data URL)' })
  async enrol(@Body() body: EnrolDto, @Req() request: FastifyRequest) {
    const staffId = body.enrolmentToken ? await this.steps.verify(body.enrolmentToken, 'mfa-enrolment', 'enrolmentToken') : (await this.bearer.actor(request)).id;
    return this.enrolment.start(staffId);
  }

  @Post('mfa/confirm')
  @PublicRoute()
  @AuthRateLimit()
  @HttpCode(200)
  @ApiOperation({ summary: 'Confirm the enrolment with a first code; with an enrolment token the sign-in completes (tokens)' })
  async confirm(@Body() body: ConfirmEnrolmentDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const staffId = body.enrolmentToken ? await this.steps.verify(body.enrolmentToken, 'mfa-enrolment', 'enrolmentToken') : (await this.bearer.actor(request)).id;
    const outcome = await this.enrolment.confirm(staffId, body.code, request.ip, body.enrolmentToken !== undefined);
    return outcome.status === 'enrolled' ? outcome : this.answer(request, reply, outcome);
  }

  @Post('password')
  @PublicRoute()
  @AuthRateLimit()
  @HttpCode(200)
  @ApiOperation({ summary: 'Choose a password: with the password token of a one-time-password sign-in (the sign-in goes on), or signed in with the current one' })
  async password(@Body() body: ChangePasswordDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    if (body.passwordToken) {
      const staffId = await this.steps.verify(body.passwordToken, 'password-change', 'passwordToken');
      const outcome = await this.enrolment.changePassword(staffId, body.newPassword, request.ip, 'one-time');
      return outcome.status === 'changed' ? outcome : this.answer(request, reply, outcome);
    }
    const actor = await this.bearer.actor(request);
    if (body.currentPassword === undefined) throw new InvalidInput([{ path: 'currentPassword', message: 'is required without a passwordToken' }]);
    return this.enrolment.changePassword(actor.id, body.newPassword, request.ip, { password: body.currentPassword, sessionId: actor.sessionId });
  }

  private whose(actor: Actor, staffId: string | undefined): string {
    if (staffId === undefined || staffId === actor.id) return actor.id;
    if (!actor.roles.includes('admin')) throw new ProblemException(403, 'forbidden', 'Forbidden', 'only admin may see another account’s sessions');
    return staffId;
  }

  /** The outcome as the client sees it; a session's refresh token also as the httpOnly cookie. */
  private answer(request: FastifyRequest, reply: FastifyReply, outcome: SignInOutcome) {
    const { status, ...body } = outcome;
    if (status === 'signed-in' && 'refreshToken' in body) setRefreshCookie(request, reply, body.refreshToken, body.sessionExpiresAt, this.clock());
    return body;
  }
}
