import { createPublicKey, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Inject } from '@nestjs/common';
import { Presets, SingleBar } from 'cli-progress';
import { InvalidArgumentError } from 'commander';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { AuditVerification, AuditVerifier } from '@pi-ledger/audit/audit-verifier';
import { auditPublicKeyFrom } from '@pi-ledger/audit/tree-head-signer';

/** Exit status when the trail does not verify (1 stays "the command itself failed"). */
export const EXIT_NOT_INTACT = 3;

interface AuditVerifyOptions {
  allowPending?: boolean;
  publicKey?: KeyObject[];
  batchSize?: number;
  json?: boolean;
}

/**
 * `ledger audit verify`: recomputes every leaf, node and tree head from the event log. Exit 0 and a
 * summary when intact; exit 3 naming the first bad position (or tree head) otherwise.
 */
@SubCommand({
  name: 'verify',
  description:
    'recompute the audit trail from the event log: payload digests, leaves, nodes, signed tree heads and their consistency; ' +
    'exit 0 when intact, 3 naming the first bad position otherwise',
})
export class AuditVerifyCommand extends CommandRunner {
  constructor(@Inject(AuditVerifier) private readonly verifier: AuditVerifier) {
    super();
  }

  @Option({ flags: '--allow-pending', description: 'accept events at the end of the log not yet in the tree (a live ledger whose projection lags)' })
  parseAllowPending(): boolean {
    return true;
  }

  @Option({ flags: '--public-key <file>', description: 'verify tree heads with this Ed25519 public key (PEM) instead of the ledger’s own; repeatable, e.g. after a key rotation' })
  parsePublicKey(path: string, previous: KeyObject[] = []): KeyObject[] {
    let key: KeyObject;
    try {
      key = auditPublicKeyFrom(createPublicKey(readFileSync(path, 'utf8')));
    } catch (error) {
      throw new InvalidArgumentError(`${path}: not an Ed25519 public key in PEM (${(error as Error).message})`);
    }
    return [...previous, key];
  }

  @Option({ flags: '--batch-size <n>', description: 'events read per round trip (default 1000)' })
  parseBatchSize(value: string): number {
    if (!/^[1-9]\d*$/.test(value) || Number(value) > 10_000) throw new InvalidArgumentError('an integer from 1 to 10000 is expected');
    return Number(value);
  }

  @Option({ flags: '--json', description: 'print the result as one JSON object' })
  parseJson(): boolean {
    return true;
  }

  async run(_args: string[], options: AuditVerifyOptions = {}): Promise<void> {
    const bar = new SingleBar(
      { stream: process.stderr, format: 'verifying audit trail [{bar}] {percentage}% | {value}/{total} events | {eta_formatted}', hideCursor: true },
      Presets.shades_classic,
    );
    let started = false;
    let result: AuditVerification;
    try {
      result = await this.verifier.verify({
        allowPending: options.allowPending,
        publicKeys: options.publicKey,
        batchSize: options.batchSize,
        onProgress: (checked, total) => {
          if (!started) bar.start(total, checked);
          started = true;
          bar.setTotal(total);
          bar.update(checked);
        },
      });
    } finally {
      if (started) bar.stop();
    }
    process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : describe(result));
    if (!result.ok) process.exitCode = EXIT_NOT_INTACT;
  }
}

function describe(result: AuditVerification): string {
  const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const counts = `${count(result.events, 'event', 'events')}, ${count(result.leaves, 'leaf', 'leaves')}, ${count(result.treeHeads, 'signed tree head', 'signed tree heads')} checked`;
  if (!result.ok) return `audit trail NOT intact: ${result.failure!.message}\n(checked before stopping: ${counts})\n`;
  const head = result.latestTreeHead;
  const lines = [`audit trail intact: ${counts}`];
  if (head) lines.push(`latest tree head: size ${head.treeSize}, root ${head.rootHash}, ${head.timestamp}, key ${head.keyId}`);
  if (result.pendingEvents > 0) lines.push(`${result.pendingEvents} events at the end of the log are not in the tree yet (--allow-pending)`);
  return `${lines.join('\n')}\n`;
}
