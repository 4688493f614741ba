import { Pool } from 'pg';
import type { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import type { Logger } from '@pi-ledger/platform/logging/logger';
import { generateKey, installKeyFile, kekIdOf, loadMasterKey, publishKeyFile, readKeyFile } from '@pi-ledger/pii-vault/master-key';
import { openPiiVault } from '@pi-ledger/pii-vault/open-pii-vault';

export interface RotateMasterKeyRequest {
  /** A file holding the new key, base64 of 32 bytes. */
  newKeyFile?: string;
  /** Make the new key here. */
  generate?: boolean;
  batchSize?: number;
}

export interface RotationConsole {
  /** Results, and a generated key when LEDGER_MASTER_KEY must be updated by hand. */
  out(line: string): void;
  /** What the operator must do next. */
  note(line: string): void;
  progress?(done: number, total: number): void;
}

export interface RotationOutcome {
  fromKekId: string;
  toKekId: string;
  rewrapped: number;
  /** Key-file installs: the file now holding the new key, and the name the old one was kept under. */
  installed?: { path: string; keptOldAs: string };
}

/**
 * `ledger keys rotate-kek`. Resumable: the new key is saved (key-file installs: master.key.next)
 * or printed (LEDGER_MASTER_KEY installs) before any data key is re-wrapped under it, so an
 * interrupted run can always be finished with the same key.
 */
export async function rotateMasterKey(pool: Pool, config: LedgerConfig, logger: Logger, request: RotateMasterKeyRequest, io: RotationConsole): Promise<RotationOutcome> {
  if (Boolean(request.newKeyFile) === Boolean(request.generate)) {
    throw new Error('give either --new-key-file <path> or --generate');
  }
  const current = await loadMasterKey(config, logger);
  const staged = current.path ? `${current.path}.next` : undefined;
  const next = await newKey(staged, request, io, logger);
  if (kekIdOf(next) === current.kekId) throw new Error(`the new key is the current master key (kek id ${current.kekId}); nothing to rotate`);

  const vault = await openPiiVault(pool, config, logger, {
    masterKey: current,
    rotatingTo: next,
    listenForShreds: false,
    rotationBatchSize: request.batchSize,
  });
  try {
    if (request.generate && current.source === 'env') {
      io.out(next.toString('base64'));
      io.note(`ledger: the new master key (kek id ${kekIdOf(next)}) is on stdout; keep it now: an interrupted run resumes only with it (--new-key-file)`);
    }
    const { rewrapped } = await vault.rotateKek(next, io.progress && ((done, total) => io.progress?.(done, total)));
    const outcome: RotationOutcome = { fromKekId: current.kekId, toKekId: kekIdOf(next), rewrapped };
    if (current.path && staged) {
      const keptOldAs = `${current.path}.old-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await installKeyFile(current.path, staged, keptOldAs);
      outcome.installed = { path: current.path, keptOldAs };
    }
    return outcome;
  } finally {
    await vault.close();
  }
}

async function newKey(staged: string | undefined, request: RotateMasterKeyRequest, io: RotationConsole, logger: Logger): Promise<Buffer> {
  if (!staged) return request.newKeyFile ? readKeyFile(request.newKeyFile, logger) : generateKey();
  // key-file install: the new key waits in master.key.next until every data key is under it
  const wanted = request.newKeyFile ? await readKeyFile(request.newKeyFile, logger) : generateKey();
  if (await publishKeyFile(staged, wanted)) return wanted;
  const pending = await readKeyFile(staged);
  if (request.generate) {
    io.note(`ledger: resuming with the key an interrupted run left in ${staged} (kek id ${kekIdOf(pending)})`);
    return pending;
  }
  if (!pending.equals(wanted)) {
    throw new Error(
      `${staged} holds another new key (kek id ${kekIdOf(pending)}) from an interrupted rotation; ` + 'finish that one first (`ledger keys rotate-kek --generate` resumes it)',
    );
  }
  return wanted;
}

export function describeOutcome(outcome: RotationOutcome, source: 'env' | 'file'): { out: string[]; note: string[] } {
  const out = [`rotated the master key: kek id ${outcome.fromKekId} -> ${outcome.toKekId}; re-wrapped ${outcome.rewrapped} keys`];
  const note: string[] = [];
  if (outcome.installed) {
    out.push(`new master key installed in ${outcome.installed.path}; the old one kept as ${outcome.installed.keptOldAs}`);
    note.push(
      'ledger: restart the API and the projector; destroy the old key file once no backup taken before ' +
        'this rotation needs restoring (until then it can still open them, erased subjects included)',
    );
  } else if (source === 'env') {
    note.push(
      `ledger: set LEDGER_MASTER_KEY to the new key (kek id ${outcome.toKekId}) wherever the ledger runs, then restart it; ` + 'services still on the old key now refuse to start',
    );
  }
  return { out, note };
}
