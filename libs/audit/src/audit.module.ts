import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { Global, Module } from '@nestjs/common';
import type { Pool } from 'pg';
import { LEDGER_CONFIG, LEDGER_LOGGER, PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import type { Logger } from '@pi-ledger/platform/logging/logger';
import { loadAuditSigningKey } from './audit-signing-key';
import { AuditLog } from './audit-log';
import { AuditTreeWriter } from './audit-tree-writer';
import { AuditVerifier } from './audit-verifier';
import { TreeHeadSigner } from './tree-head-signer';

// AuditError and AuditTreeCorrupt know nothing of HTTP; the problem filter maps their codes
registerProblemCodes({
  'event-not-in-tree': { status: 404, title: 'Event not in the audit tree' },
  'no-tree-head': { status: 404, title: 'No tree head signed yet' },
  'tree-size-too-large': { status: 400, title: 'Tree size larger than the audit tree' },
  'invalid-range': { status: 400, title: 'Invalid range' },
  'invalid-tree-size': { status: 400, title: 'Invalid tree size' },
  'audit-tree-corrupt': { status: 500, title: 'Audit tree storage is corrupt' },
});

/**
 * The audit trail on the platform's pool: the signing key (TreeHeadSigner), reads and proofs
 * (AuditLog), the verifier, and the writer the projection runner drives. Needs PlatformModule.
 * The classes are their own injection tokens.
 */
@Global()
@Module({
  providers: [
    {
      provide: TreeHeadSigner,
      inject: [LEDGER_CONFIG, LEDGER_LOGGER],
      useFactory: (config: LedgerConfig, logger: Logger) => loadAuditSigningKey(config, logger),
    },
    {
      provide: AuditLog,
      inject: [PG_POOL, TreeHeadSigner, LEDGER_CLOCK],
      useFactory: (pool: Pool, signer: TreeHeadSigner, clock: LedgerClock) => new AuditLog(pool, signer, clock),
    },
    {
      provide: AuditVerifier,
      inject: [PG_POOL, TreeHeadSigner],
      useFactory: (pool: Pool, signer: TreeHeadSigner) => new AuditVerifier(pool, signer.verificationKey),
    },
    { provide: AuditTreeWriter, useFactory: () => new AuditTreeWriter() },
  ],
  exports: [TreeHeadSigner, AuditLog, AuditVerifier, AuditTreeWriter],
})
export class AuditModule {}
