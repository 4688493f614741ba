import { Provider } from '@nestjs/common';
import { AuditLog } from './audit-log';
import { AuditTreeWriter } from './audit-tree-writer';
import { AuditTrailProjection } from './audit-trail.projection';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { ledgerProjections } from '@pi-ledger/read-models/projections/ledger-projections';
import { LEDGER_PROJECTIONS } from '@pi-ledger/read-models/read-models.module';
import { followingMoves } from '@pi-ledger/read-models/projections/subject-records/record-moves';
import { RightsRequestsProjection } from '@pi-ledger/read-models/projections/rights-requests/rights-requests.projection';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';

/** Every projection of the ledger: the read models and the audit trail. */
export function allProjections(vault: PiiVault, writer: AuditTreeWriter, log: AuditLog, clock: LedgerClock) {
  return [...ledgerProjections(vault, clock), followingMoves(new RightsRequestsProjection()), new AuditTrailProjection(writer, log)];
}

export const ledgerProjectionsProvider: Provider = {
  provide: LEDGER_PROJECTIONS,
  inject: [PII_VAULT, AuditTreeWriter, AuditLog, LEDGER_CLOCK],
  useFactory: allProjections,
};
