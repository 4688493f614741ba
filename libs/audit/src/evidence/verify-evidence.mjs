#!/usr/bin/env node
// Verifies a pi-ledger evidence package (format pi-ledger-evidence/v1), or the evidence of a
// compliance-audit report (format pi-ledger-compliance-audit/v1), offline, with nothing but
// Node's standard library: no pi-ledger code, no network, no database. Self-contained on purpose:
// copy this one file to wherever the verification happens.
//
//   node verify-evidence.mjs <package.json | -> [--public-key <trusted-audit-key.pem>]
//
// Checks: the tree head's Ed25519 signature over
// "pi-ledger/tree-head/v1\n<treeSize>\n<rootHash>\n<timestamp>"; for every entry, its leaf hash
// SHA-256(0x00 ‖ UTF-8 commitment) and its inclusion proof against the signed root (RFC 9162
// §2.1.3.2); that each commitment is canonical JSON naming the entry's own event, of the package's
// subject, within the package's range. For a compliance-audit report: every event position a
// figure cites is proven (or listed as pending), each figure's count is the number of events it
// cites, and each section cites only events of its own types (consents given: ConsentGranted, …).
// Exit 0 verified, 1 not verified, 2 bad usage or unreadable.
//
// Without --public-key the key comes from the package itself, which proves only that the package
// is internally consistent: compare the printed keyId with one the ledger's operator published.

import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

const FORMAT = 'pi-ledger-evidence/v1';
const REPORT_FORMAT = 'pi-ledger-compliance-audit/v1';
/** The event types each section of a compliance-audit report may cite. */
const REPORT_SECTION_TYPES = {
  purposes: /^(PurposeDefined|PurposeFlagsChanged|AssessmentRecorded|AssessmentApproved)$/,
  'consents.given': /^ConsentGranted$/,
  'consents.withdrawn': /^ConsentWithdrawn$/,
  rightsRequests: /^RightsRequest(Filed|Extended|Fulfilled|Rejected)$/,
  erasures: /^SubjectErased$/,
  disclosures: /^DisclosedToThirdParty$/,
  lookupAlerts: /^BulkLookupSuspected$/,
  breakGlass: /^BreakGlassUsed$/,
  incidents: /^Incident(Recorded|NotificationRecorded)$/,
};
const COMMITMENT_MEMBERS = ['eventId', 'metadata', 'payloadDigest', 'position', 'recordedAt', 'schemaVersion', 'streamId', 'streamVersion', 'type'];
const HEX64 = /^[0-9a-f]{64}$/;
const MAX_LISTED = 20;

const sha256 = (...parts) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};
const leafHashOf = (commitment) => sha256(Buffer.of(0x00), Buffer.from(commitment, 'utf8'));
const nodeHash = (left, right) => sha256(Buffer.of(0x01), left, right);
const isIndex = (n) => Number.isSafeInteger(n) && n >= 0;

/** RFC 9162 §2.1.3.2: the root an audit path leads to, or undefined when the path does not fit. */
function rootFromInclusionProof(leafIndex, treeSize, leafHash, auditPath) {
  if (!isIndex(leafIndex) || !isIndex(treeSize) || leafIndex >= treeSize) return undefined;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of auditPath) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

/** RFC 8785 for what JSON.parse yields: members sorted by UTF-16 code units, ECMAScript strings and numbers. */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('a number that JSON cannot hold');
  return JSON.stringify(value);
}

const keyIdOf = (publicKey) =>
  createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);

function ed25519Key(pem, where) {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${where} is a ${key.asymmetricKeyType} key, not Ed25519`);
  return key;
}

/** Problems with the signed tree head and the key it is checked with; none means the head can be trusted. */
function verifyHead(head, publicKey, trustedKey) {
  const problems = [];
  let key = trustedKey;
  if (!key) {
    try {
      key = ed25519Key(publicKey?.publicKeyPem, 'publicKey.publicKeyPem');
      if (keyIdOf(key) !== publicKey.keyId) problems.push(`publicKey.keyId ${publicKey.keyId} is not the id of publicKey.publicKeyPem (${keyIdOf(key)})`);
    } catch (error) {
      problems.push(`publicKey: ${error.message}`);
    }
  }
  if (!isIndex(head.treeSize)) problems.push('treeHead.treeSize is not a non-negative integer');
  if (typeof head.rootHash !== 'string' || !HEX64.test(head.rootHash)) problems.push('treeHead.rootHash is not 64 lower-case hex digits');
  if (typeof head.timestamp !== 'string') problems.push('treeHead.timestamp is missing');
  if (key) {
    if (head.keyId !== keyIdOf(key)) problems.push(`treeHead.keyId ${head.keyId} is not the verifying key's id ${keyIdOf(key)}`);
    const message = Buffer.from(`pi-ledger/tree-head/v1\n${head.treeSize}\n${head.rootHash}\n${head.timestamp}`, 'utf8');
    const signature = Buffer.from(typeof head.signature === 'string' ? head.signature : '', 'base64');
    let signed;
    try {
      signed = signature.length === 64 && verify(null, message, key, signature);
    } catch {
      signed = false;
    }
    if (!signed) problems.push('treeHead.signature is not a valid Ed25519 signature of the tree head');
  }
  return problems;
}

/** Every entry's commitment and inclusion proof under the trusted head. */
function verifyEntries(entries, head, context) {
  if (!Array.isArray(entries)) return ['entries is not an array'];
  const problems = [];
  const root = Buffer.from(head.rootHash, 'hex');
  const seen = { seenEvents: new Set(), seenLeaves: new Set() };
  for (const [i, entry] of entries.entries()) {
    const at = `entries[${i}] (position ${entry?.position})`;
    try {
      problems.push(...verifyEntry(entry, head, root, { ...context, ...seen }).map((problem) => `${at}: ${problem}`));
    } catch (error) {
      problems.push(`${at}: malformed (${error.message})`);
    }
  }
  return problems;
}

/** Every problem found, in order; an empty list means the package verifies. */
function verifyPackage(pkg, trustedKey) {
  if (pkg === null || typeof pkg !== 'object') return ['the package is not a JSON object'];
  if (pkg.format === REPORT_FORMAT) return verifyReport(pkg, trustedKey);
  const problems = [];
  if (pkg.format !== FORMAT) problems.push(`format is ${JSON.stringify(pkg.format)}, expected ${FORMAT} or ${REPORT_FORMAT}`);
  if (typeof pkg.subjectId !== 'string' || pkg.subjectId.length === 0) problems.push('subjectId is missing');
  problems.push(...verifyHead(pkg.treeHead ?? {}, pkg.publicKey, trustedKey));
  if (problems.length > 0) return problems; // without a trustworthy head, the entries prove nothing
  const from = pkg.range?.from ? Date.parse(pkg.range.from) : undefined;
  const to = pkg.range?.to ? Date.parse(pkg.range.to) : undefined;
  const streams = new Set([`subject-${pkg.subjectId}`, `access-${pkg.subjectId}`]);
  return verifyEntries(pkg.entries, pkg.treeHead, { from, to, streams });
}

/** Each figure (an object with `count` and `positions`, or an item with its `position`) of a report, with where it sits. */
function* citations(value, path) {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield* citations(item, `${path}[${i}]`);
  } else if (value !== null && typeof value === 'object') {
    const positions = Array.isArray(value.positions) ? value.positions : typeof value.position === 'number' ? [value.position] : undefined;
    if (positions) yield { path, positions, count: value.count };
    for (const [key, member] of Object.entries(value)) if (key !== 'positions' && key !== 'position') yield* citations(member, path ? `${path}.${key}` : key);
  }
}

/** A compliance-audit report: its trail's head and entries, and every figure's events proven and of the section's types. */
function verifyReport(report, trustedKey) {
  const trail = report.auditTrail ?? {};
  const problems = verifyHead(trail.treeHead ?? {}, trail.publicKey, trustedKey);
  if (problems.length > 0) return problems;
  problems.push(...verifyEntries(trail.entries, trail.treeHead, { leafOnly: true }));
  if (problems.length > 0) return problems;
  const types = new Map(trail.entries.map((entry) => [entry.position, entry.type]));
  const pending = new Set(Array.isArray(trail.pending) ? trail.pending : []);
  const { auditTrail: _trail, ...figures } = report;
  for (const { path, positions, count } of citations(figures, '')) {
    if (typeof count === 'number' && count !== positions.length) problems.push(`${path}: count ${count} but ${positions.length} events cited`);
    const section = Object.keys(REPORT_SECTION_TYPES).find((name) => path === name || path.startsWith(`${name}.`) || path.startsWith(`${name}[`));
    for (const position of positions) {
      if (!types.has(position)) {
        if (!pending.has(position)) problems.push(`${path}: the cited event at position ${position} has no proof and is not listed as pending`);
      } else if (section && !REPORT_SECTION_TYPES[section].test(types.get(position))) {
        problems.push(`${path}: the cited event at position ${position} is a ${types.get(position)}, not an event this figure counts`);
      }
    }
  }
  return problems;
}

/** A report's entry: the stated leaf (its commitment names a subject, so the report leaves it out) included under the signed root. */
function verifyLeaf(entry, head, root, context) {
  const problems = [];
  const proof = entry.inclusionProof ?? {};
  if (typeof proof.leafHash !== 'string' || !HEX64.test(proof.leafHash)) return ['inclusionProof.leafHash is not 64 lower-case hex digits'];
  if (!isIndex(entry.position)) problems.push('position is not a non-negative integer');
  problems.push(...verifyProof(entry, head, root, context, Buffer.from(proof.leafHash, 'hex')));
  return problems;
}

function verifyEntry(entry, head, root, context) {
  if (context.leafOnly) return verifyLeaf(entry, head, root, context);
  const problems = [];
  if (typeof entry.commitment !== 'string') return ['commitment is missing'];
  const committed = JSON.parse(entry.commitment);
  const members = Object.keys(committed).sort();
  if (members.join(',') !== COMMITMENT_MEMBERS.join(',')) problems.push(`the commitment's members are ${members.join(', ')}`);
  if (canonical(committed) !== entry.commitment) problems.push('the commitment is not RFC 8785 canonical JSON');
  for (const name of ['eventId', 'position', 'type', 'recordedAt', 'streamId']) {
    if (name in entry && entry[name] !== committed[name]) problems.push(`${name} ${JSON.stringify(entry[name])} differs from the committed ${JSON.stringify(committed[name])}`);
  }
  if (context.streams && !context.streams.has(committed.streamId)) problems.push(`the committed stream ${committed.streamId} is not this subject's`);
  const recordedAt = Date.parse(committed.recordedAt);
  if (Number.isNaN(recordedAt)) problems.push('the committed recordedAt is not a time');
  if (context.from !== undefined && recordedAt < context.from) problems.push(`recorded ${committed.recordedAt}, before the range`);
  if (context.to !== undefined && recordedAt >= context.to) problems.push(`recorded ${committed.recordedAt}, after the range`);
  if (context.seenEvents.has(committed.eventId)) problems.push(`event ${committed.eventId} appears twice`);
  context.seenEvents.add(committed.eventId);

  const leafHash = leafHashOf(entry.commitment);
  problems.push(...verifyProof(entry, head, root, context, leafHash));
  return problems;
}

/** The entry's inclusion proof of `leafHash` under the signed root, each leaf once. */
function verifyProof(entry, head, root, context, leafHash) {
  const problems = [];
  const proof = entry.inclusionProof ?? {};
  if (proof.leafIndex !== entry.leafIndex) problems.push(`inclusionProof.leafIndex ${proof.leafIndex} differs from leafIndex ${entry.leafIndex}`);
  if (context.seenLeaves.has(proof.leafIndex)) problems.push(`leaf ${proof.leafIndex} appears twice`);
  context.seenLeaves.add(proof.leafIndex);
  if (proof.treeSize !== head.treeSize) problems.push(`the proof is for a tree of ${proof.treeSize} leaves, the signed head has ${head.treeSize}`);
  if (!Array.isArray(proof.auditPath) || !proof.auditPath.every((hash) => typeof hash === 'string' && HEX64.test(hash))) {
    problems.push('inclusionProof.auditPath is not a list of 64-digit hex hashes');
    return problems;
  }
  const path = proof.auditPath.map((hash) => Buffer.from(hash, 'hex'));
  const computed = rootFromInclusionProof(proof.leafIndex, head.treeSize, leafHash, path);
  if (!computed || !computed.equals(root)) {
    problems.push(`the leaf ${context.leafOnly ? 'stated' : 'recomputed from the commitment'} is not included at index ${proof.leafIndex} under the signed root`);
  } else if (proof.leafHash !== undefined && proof.leafHash !== leafHash.toString('hex')) {
    problems.push('inclusionProof.leafHash is not the hash of the commitment'); // the proof holds: only the stated hash is off
  }
  return problems;
}

const keyLine = (trustedKey, head) =>
  trustedKey
    ? `  key: the trusted key given with --public-key (${keyIdOf(trustedKey)})`
    : `  key: taken from the package: compare keyId ${head.keyId} with the key the ledger's operator published, or pass --public-key`;

function main(argv) {
  const args = [...argv];
  let trustedPath;
  const keyAt = args.indexOf('--public-key');
  if (keyAt !== -1) [, trustedPath] = args.splice(keyAt, 2);
  if (args.length !== 1 || args[0].startsWith('--') || (keyAt !== -1 && !trustedPath)) {
    process.stderr.write('usage: node verify-evidence.mjs <package.json | -> [--public-key <trusted-audit-key.pem>]\n');
    return 2;
  }
  let pkg;
  let trustedKey;
  try {
    pkg = JSON.parse(readFileSync(args[0] === '-' ? 0 : args[0], 'utf8'));
    if (trustedPath) trustedKey = ed25519Key(readFileSync(trustedPath, 'utf8'), trustedPath);
  } catch (error) {
    process.stderr.write(`verify-evidence: ${error.message}\n`);
    return 2;
  }

  const problems = verifyPackage(pkg, trustedKey);
  if (problems.length > 0) {
    const listed = problems.slice(0, MAX_LISTED).map((problem) => `  - ${problem}`);
    if (problems.length > MAX_LISTED) listed.push(`  … and ${problems.length - MAX_LISTED} more`);
    process.stdout.write(
      `${pkg?.format === REPORT_FORMAT ? 'compliance-audit report' : 'evidence'} NOT verified: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${listed.join('\n')}\n`,
    );
    return 1;
  }
  if (pkg.format === REPORT_FORMAT) {
    const trail = pkg.auditTrail;
    const head = trail.treeHead;
    const lines = [
      `compliance-audit report verified: ${REPORT_FORMAT}, period ${pkg.period?.from} to ${pkg.period?.to}, generated ${pkg.generatedAt}`,
      `  tree head: ${head.treeSize} leaves, root ${head.rootHash}, signed ${head.timestamp} by key ${head.keyId} (Ed25519 signature valid)`,
      `  cited events: ${trail.entries.length}, each leaf included under that root, each of its figure's type (as stated: the commitments name subjects and are not in the report); every count is its events'`,
    ];
    if (trail.pending?.length > 0) lines.push(`  note: ${trail.pending.length} cited events were not in the tree yet and are not covered`);
    lines.push(keyLine(trustedKey, head));
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  }
  const head = pkg.treeHead;
  const own = pkg.entries.filter((entry) => JSON.parse(entry.commitment).streamId.startsWith('subject-')).length;
  const lines = [
    `evidence verified: ${FORMAT}, subject ${pkg.subjectId}`,
    `  tree head: ${head.treeSize} leaves, root ${head.rootHash}, signed ${head.timestamp} by key ${head.keyId} (Ed25519 signature valid)`,
    `  entries: ${pkg.entries.length} (${own} of the subject's record, ${pkg.entries.length - own} reads of it), each leaf recomputed from its commitment and included under that root`,
    `  range: ${pkg.range?.from ?? 'beginning'} to ${pkg.range?.to ?? 'export'}; generated ${pkg.generatedAt}`,
  ];
  if (pkg.pendingEvents > 0) lines.push(`  note: ${pkg.pendingEvents} events of the range were not in the tree yet and are not covered`);
  lines.push(keyLine(trustedKey, head));
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
