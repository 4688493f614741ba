import { Body, Controller, Get, Param, Put, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import { permittedCategories } from '@pi-ledger/ledger-domain/access-matrix/access-matrix.decider';
import { ROLES } from '@pi-ledger/access-control/roles';
import { Ctx } from '../http/ctx.decorator';
import { RequestContext } from '../application/request-context';
import { IdempotencyInterceptor } from '../http/idempotency.interceptor';
import { AccessMatrixService, MATRIX_ROLES } from './access-matrix.service';
import { SetRolePermissionsDto } from './access-matrix.dto';

@ApiTags('access-matrix')
@ApiBearerAuth()
@Controller('v1/access-matrix')
@UseInterceptors(IdempotencyInterceptor)
export class AccessMatrixHttpController {
  constructor(private readonly matrix: AccessMatrixService) {}

  @Get()
  @Roles('admin', 'compliance_officer', 'auditor')
  @ApiOperation({ summary: 'The category permission matrix: for each role, the data categories it may read and write' })
  async get() {
    const { roles } = await this.matrix.current();
    return { roles: Object.fromEntries(MATRIX_ROLES.map((role) => [role, Object.hasOwn(roles, role) ? roles[role] : { read: [], write: [] }])) };
  }

  /** The caller's own row (the union over its roles), so a client shows only the tabs and forms the API would allow. */
  @Get('mine')
  @Roles(...ROLES.filter((role) => role !== 'data_subject'))
  @ApiOperation({ summary: 'The data categories the caller’s own roles may read and write' })
  async mine(@Ctx() context: RequestContext) {
    const state = await this.matrix.current();
    const { roles } = context.actor;
    return { roles, read: permittedCategories(state, roles, 'read'), write: permittedCategories(state, roles, 'write') };
  }

  @Put(':role')
  @Roles('admin')
  @ApiOperation({ summary: 'Set the categories one role may read and write (replaces its row; recorded as an event with the actor)' })
  async set(@Param('role') role: string, @Body() body: SetRolePermissionsDto, @Ctx() context: RequestContext) {
    if (!(MATRIX_ROLES as string[]).includes(role)) {
      throw new InvalidInput([{ path: 'role', message: `must be one of ${MATRIX_ROLES.join(', ')}` }]);
    }
    const { version, position } = await this.matrix.execute({ type: 'SetRolePermissions', role: role, read: body.read, write: body.write }, context);
    const current = (await this.matrix.current()).roles[role];
    return { role, ...current, version, position };
  }
}
