import { Module } from '@nestjs/common';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import { StaffModule } from '../staff/staff.module';
import { AuthHttpController } from './auth.http.controller';
import { BearerSession } from './bearer-session';
import { EnrolmentService } from './enrolment.service';
import { SignInService } from './sign-in.service';
import { StepTokens } from './step-tokens';

registerProblemCodes({
  'invalid-credentials': { status: 401, title: 'Invalid credentials' },
  'invalid-mfa-code': { status: 401, title: 'Invalid code' },
  'invalid-step-token': { status: 401, title: 'Invalid or expired sign-in step' },
  'invalid-refresh-token': { status: 401, title: 'Invalid refresh token' },
  'refresh-token-reused': { status: 401, title: 'Refresh token reused' },
  'current-password-incorrect': { status: 403, title: 'Current password incorrect' },
  'session-not-found': { status: 404, title: 'Session not found' },
});

/** Staff sign-in (/v1/auth): password, TOTP and its enrolment, sessions, refresh-token rotation. */
@Module({
  imports: [StaffModule],
  controllers: [AuthHttpController],
  providers: [SignInService, EnrolmentService, StepTokens, BearerSession],
})
export class AuthModule {}
