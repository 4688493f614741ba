import { Controller, Get, Inject, Query } from '@nestjs/common';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { ProblemException } from '@pi-ledger/platform/http/problem';
import { ConsentRegisterQueries } from '@pi-ledger/read-models/projections/consent-register/consent-register.queries';
import { DailyActivityQueries } from '@pi-ledger/read-models/projections/statistics/daily-activity.queries';
import { SubjectStatisticsQueries } from '@pi-ledger/read-models/projections/statistics/subject-statistics.queries';
import { ReadsProjections } from '../http/min-position';
import { ActivityQueryDto } from './stats.dto';

const DAY_MS = 86_400_000;
const MAX_DAYS = 366;

/**
 * Counts only, never a value or an id: the management view of what the ledger holds. For admins
 * and compliance officers; `ops` runs the service and sees projections, not the population.
 */
@ApiTags('statistics')
@ApiBearerAuth()
@Controller('v1/stats')
export class StatsHttpController {
  constructor(
    private readonly subjectStatistics: SubjectStatisticsQueries,
    private readonly consentRegister: ConsentRegisterQueries,
    private readonly activity: DailyActivityQueries,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
  ) {}

  @Get('subjects')
  @Roles('admin', 'compliance_officer')
  @ReadsProjections('subject_profile', 'consent_register')
  @ApiOperation({ summary: 'Subjects by status, category held, gender, age band and province; consents by purpose and status' })
  async subjects() {
    const [subjects, consentsByPurpose] = await Promise.all([this.subjectStatistics.subjects(this.clock().getUTCFullYear()), this.consentRegister.countsByPurpose()]);
    return { ...subjects, consentsByPurpose };
  }

  @Get('activity')
  @Roles('admin', 'compliance_officer')
  @ReadsProjections('daily_activity')
  @ApiOperation({ summary: 'Per day (UTC): data collections and rights-request events' })
  async dailyActivity(@Query() query: ActivityQueryDto) {
    const to = query.to ? day(query.to) : this.clock().toISOString().slice(0, 10);
    const from = query.from ? day(query.from) : new Date(Date.parse(to) - 29 * DAY_MS).toISOString().slice(0, 10);
    const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
    if (days < 1) throw invalid('query.from', 'must not be after to');
    if (days > MAX_DAYS) throw invalid('query.from', `the range may span at most ${MAX_DAYS} days`);
    return { from, to, days: await this.activity.between(from, to) };
  }
}

/** The UTC day of an ISO date or date-time. */
function day(iso: string): string {
  return new Date(iso).toISOString().slice(0, 10);
}

function invalid(path: string, message: string): ProblemException {
  return new ProblemException(400, 'validation-failed', 'The request is invalid', `${path}: ${message}`, [{ path, message }]);
}
