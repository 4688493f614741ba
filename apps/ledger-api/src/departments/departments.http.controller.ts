import { Body, Controller, Get, HttpCode, Param, Patch, Post, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { v7 as uuidv7 } from 'uuid';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { ROLES } from '@pi-ledger/access-control/roles';
import { InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import { existingDepartment, listDepartments } from '@pi-ledger/ledger-domain/departments/department.decider';
import { Ctx } from '../http/ctx.decorator';
import { RequestContext } from '../application/request-context';
import { IdempotencyInterceptor } from '../http/idempotency.interceptor';
import { SubjectIdPipe } from '../http/subject-id.pipe';
import { DepartmentsService } from './departments.service';
import { ChangeDepartmentDto, CreateDepartmentDto } from './departments.dto';

/** Every staff role: a department is no personal data, and consoles show it beside customers. */
const STAFF_ROLES = ROLES.filter((role) => role !== 'data_subject');

@ApiTags('departments')
@ApiBearerAuth()
@Controller('v1/departments')
@UseInterceptors(IdempotencyInterceptor)
export class DepartmentsHttpController {
  constructor(private readonly departments: DepartmentsService) {}

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Create a department (a unique code, a name, optionally its head); recorded with the actor' })
  async create(@Body() body: CreateDepartmentDto, @Ctx() context: RequestContext) {
    const departmentId = uuidv7();
    const result = await this.departments.execute({ type: 'CreateDepartment', departmentId, code: body.code, name: body.name, managerId: body.managerId ?? null }, context);
    return { ...(await this.one(departmentId)), ...result };
  }

  @Get()
  @Roles(...STAFF_ROLES)
  @ApiOperation({ summary: 'Every department, active and deactivated, by code' })
  async list() {
    return { items: listDepartments(await this.departments.current()) };
  }

  @Get(':id')
  @Roles(...STAFF_ROLES)
  @ApiOperation({ summary: 'One department' })
  async get(@Param('id', SubjectIdPipe) id: string) {
    return this.one(id);
  }

  @Patch(':id')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rename a department or set its head (null: none); nothing is recorded when nothing changes' })
  async change(@Param('id', SubjectIdPipe) id: string, @Body() body: ChangeDepartmentDto, @Ctx() context: RequestContext) {
    if (body.name === undefined && body.managerId === undefined) throw new InvalidInput([{ path: 'name', message: 'give a name or a managerId to change' }]);
    const result = await this.departments.execute({ type: 'ChangeDepartment', departmentId: id, name: body.name, managerId: body.managerId }, context);
    return { ...(await this.one(id)), ...result };
  }

  @Post(':id/deactivate')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Deactivate a department: it keeps its customers and history, takes no new assignments; again changes nothing' })
  async deactivate(@Param('id', SubjectIdPipe) id: string, @Ctx() context: RequestContext) {
    const result = await this.departments.execute({ type: 'DeactivateDepartment', departmentId: id }, context);
    return { ...(await this.one(id)), ...result };
  }

  private async one(id: string) {
    return existingDepartment(await this.departments.current(), id);
  }
}
