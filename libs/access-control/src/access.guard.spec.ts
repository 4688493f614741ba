import { Controller, Get } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { SignJWT } from 'jose';
import pino from 'pino';
import { AccessGuard } from './access.guard';
import { BearerAuthentication } from './bearer-authentication';
import type { Actor } from './actor';
import { Roles } from './roles.decorator';
import type { Role } from './roles';
import { TokenService } from './token.service';
import { RevocationCache } from './revocation/revocation-cache';

const SECRET = 'guard-spec-secret-that-is-long-enough-000';

@Controller('v1/probe')
@Roles('compliance_officer')
class ProbeController {
  @Get('staff')
  @Roles('staff')
  staff() {}

  @Get('inherited')
  inherited() {}
}

@Controller('v1/undeclared')
class UndeclaredController {
  @Get()
  open() {}
}

@Controller('health')
class PublicController {
  @Get('live')
  live() {}

  @Get('secured')
  @Roles('ops')
  secured() {}
}

interface Call {
  controller: new () => object;
  method: string;
  route: string;
  authorization?: string;
}

describe('AccessGuard', () => {
  const tokens = new TokenService({ dataDir: '/nonexistent', jwtSecret: SECRET }, pino({ level: 'silent' }));
  const revocations = new RevocationCache();
  const guard = new AccessGuard(new Reflector(), new BearerAuthentication(tokens, revocations), pino({ level: 'silent' }));
  const bearer = async (...roles: Role[]) => `Bearer ${await tokens.sign({ sub: `actor-${roles.join('+')}`, roles })}`;

  async function decide({ controller, method, route, authorization }: Call) {
    const request: { actor?: Actor; [key: string]: unknown } = {
      method: 'GET',
      url: `${route}?q=1`,
      routeOptions: { url: route },
      headers: authorization === undefined ? {} : { authorization },
    };
    const handler = (controller.prototype as Record<string, () => void>)[method];
    try {
      const allowed = await guard.canActivate(new ExecutionContextHost([request, {}, undefined], controller, handler));
      return { allowed, actor: request.actor };
    } catch (error) {
      const { status, code, detail, headers, extensions } = error as Record<string, unknown>;
      return { status, code, detail, wwwAuthenticate: (headers as Record<string, string> | undefined)?.['www-authenticate'], extensions };
    }
  }

  const staffRoute = { controller: ProbeController, method: 'staff', route: '/v1/probe/staff' };

  it('lets anyone reach routes outside /v1, token or not', async () => {
    expect(await decide({ controller: PublicController, method: 'live', route: '/health/live' })).toEqual({ allowed: true, actor: undefined });
    expect(await decide({ controller: PublicController, method: 'live', route: '/health/live', authorization: 'Bearer junk' })).toEqual({ allowed: true, actor: undefined });
  });

  it('still enforces @Roles on a route outside /v1 that declares them', async () => {
    const secured = { controller: PublicController, method: 'secured', route: '/health/secured' };
    expect(await decide(secured)).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(await decide({ ...secured, authorization: await bearer('ops') })).toMatchObject({ allowed: true });
  });

  it('refuses a /v1 route without @Roles: 401 without a token, 403 to every role', async () => {
    const undeclared = { controller: UndeclaredController, method: 'open', route: '/v1/undeclared' };
    expect(await decide(undeclared)).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(await decide({ ...undeclared, authorization: await bearer('admin', 'staff', 'compliance_officer', 'auditor', 'ops') })).toMatchObject({
      status: 403,
      code: 'forbidden',
      detail: 'this route declares no roles, so it is closed to every caller',
    });
  });

  it('answers 401 with a Bearer challenge when the token is missing or unusable', async () => {
    const expired = `Bearer ${await new SignJWT({ roles: ['staff'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('a')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(SECRET))}`;
    const table: Array<[string | undefined, object]> = [
      [undefined, { status: 401, code: 'unauthorized', wwwAuthenticate: 'Bearer realm="pi-ledger"' }],
      ['Basic YWxpY2U6c2VjcmV0', { status: 401, code: 'unauthorized', wwwAuthenticate: 'Bearer realm="pi-ledger"' }],
      ['Bearer', { status: 401, code: 'unauthorized', wwwAuthenticate: expect.stringMatching(/^Bearer realm="pi-ledger", error="invalid_request"/) }],
      ['Bearer a b', { status: 401, code: 'unauthorized', wwwAuthenticate: expect.stringMatching(/error="invalid_request"/) }],
      ['Bearer not.a.jwt', { status: 401, code: 'invalid-token', wwwAuthenticate: expect.stringMatching(/^Bearer realm="pi-ledger", error="invalid_token", error_description="/) }],
      [expired, { status: 401, code: 'token-expired', wwwAuthenticate: 'Bearer realm="pi-ledger", error="invalid_token", error_description="the token has expired"' }],
    ];
    for (const [authorization, outcome] of table) {
      expect(await decide({ ...staffRoute, authorization })).toMatchObject(outcome);
    }
  });

  it('answers 403 naming the roles when the token is valid but the role is wrong', async () => {
    expect(await decide({ ...staffRoute, authorization: await bearer('auditor') })).toMatchObject({
      status: 403,
      code: 'forbidden',
      detail: 'this route requires one of the roles: staff',
      extensions: { requiredRoles: ['staff'] },
    });
  });

  it('lets the right role pass and puts the actor on the request', async () => {
    expect(await decide({ ...staffRoute, authorization: await bearer('staff') })).toMatchObject({ allowed: true, actor: { id: 'actor-staff', roles: ['staff'] } });
    expect(await decide({ ...staffRoute, authorization: (await bearer('auditor', 'staff')).replace('Bearer', 'bearer') })).toMatchObject({ allowed: true });
  });

  it('takes the controller’s roles when the handler declares none, and the handler’s when it does', async () => {
    const inherited = { controller: ProbeController, method: 'inherited', route: '/v1/probe/inherited' };
    expect(await decide({ ...inherited, authorization: await bearer('compliance_officer') })).toMatchObject({ allowed: true });
    expect(await decide({ ...inherited, authorization: await bearer('staff') })).toMatchObject({ status: 403 });
    expect(await decide({ ...staffRoute, authorization: await bearer('compliance_officer') })).toMatchObject({ status: 403 });
  });

  it('judges by the request path when the route pattern is unknown', async () => {
    const request = { method: 'GET', url: '/v1/undeclared?x=1', headers: {} };
    const handler = UndeclaredController.prototype.open;
    await expect(guard.canActivate(new ExecutionContextHost([request, {}, undefined], UndeclaredController, handler))).rejects.toMatchObject({ status: 401 });
  });

  it('answers 401 token-revoked for a revoked token, session or actor, and lets a token issued after an actor’s revocation pass', async () => {
    const decode = (authorization: string) => JSON.parse(Buffer.from(authorization.split('.')[1], 'base64url').toString()) as { jti: string; iat: number };
    const machine = await bearer('staff');
    const other = await bearer('staff');
    revocations.add({ kind: 'token', target: decode(machine).jti });
    expect(await decide({ ...staffRoute, authorization: machine })).toMatchObject({
      status: 401,
      code: 'token-revoked',
      wwwAuthenticate: 'Bearer realm="pi-ledger", error="invalid_token", error_description="the token has been revoked; sign in again"',
    });
    expect(await decide({ ...staffRoute, authorization: other })).toMatchObject({ allowed: true });

    const session = `Bearer ${await tokens.sign({ sub: 'someone', roles: ['staff'], sessionId: 'session-1' })}`;
    expect(await decide({ ...staffRoute, authorization: session })).toMatchObject({ allowed: true });
    revocations.add({ kind: 'session', target: 'session-1' });
    expect(await decide({ ...staffRoute, authorization: session })).toMatchObject({ status: 401, code: 'token-revoked' });

    const before = `Bearer ${await tokens.sign({ sub: 'leaver', roles: ['staff'] })}`;
    revocations.add({ kind: 'actor', target: 'leaver', issuedBefore: decode(before).iat });
    const after = `Bearer ${await new SignJWT({ roles: ['staff'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('leaver')
      .setIssuedAt(decode(before).iat + 0.001)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET))}`;
    expect(await decide({ ...staffRoute, authorization: before })).toMatchObject({ status: 401, code: 'token-revoked' });
    expect(await decide({ ...staffRoute, authorization: after })).toMatchObject({ allowed: true, actor: { id: 'leaver' } });
    // without iat a token cannot show it is newer than the revocation
    const undated = `Bearer ${await new SignJWT({ roles: ['staff'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('leaver').setExpirationTime('1h').sign(new TextEncoder().encode(SECRET))}`;
    expect(await decide({ ...staffRoute, authorization: undated })).toMatchObject({ status: 401, code: 'token-revoked' });
  });

  it('admits nothing outside HTTP', async () => {
    const context = new ExecutionContextHost([{}, {}, undefined], ProbeController, ProbeController.prototype.staff);
    context.setType('rpc');
    expect(await guard.canActivate(context)).toBe(false);
  });
});

describe('@Roles', () => {
  it('refuses unknown or no roles when the code loads', () => {
    expect(() => Roles('root' as Role)).toThrow(/known roles, got root/);
    expect(() => Roles()).toThrow(/got none/);
  });
});
