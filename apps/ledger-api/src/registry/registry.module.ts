import { Module } from '@nestjs/common';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import type { RegistryErrorCode } from '@pi-ledger/ledger-domain/registry/registry.errors';
import { RegistryService } from './registry.service';
import { RegistryHttpController } from './registry.http.controller';

registerProblemCodes({
  'purpose-exists': { status: 409, title: 'Purpose already exists' },
  'notice-exists': { status: 409, title: 'Notice version already published' },
  'unknown-purpose': { status: 422, title: 'Unknown purpose' },
  'notice-without-purpose': { status: 422, title: 'A notice must cover at least one purpose' },
} satisfies Record<RegistryErrorCode, unknown>);

/** Purposes, notices and category sensitivity: the registry every decision is made against. */
@Module({
  controllers: [RegistryHttpController],
  providers: [RegistryService],
  exports: [RegistryService],
})
export class RegistryModule {}
