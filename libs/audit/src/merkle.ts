import { hash } from 'node:crypto';

/**
 * RFC 6962 / RFC 9162 Merkle tree hashing, proofs and proof verification. Pure: no I/O.
 *
 * A complete subtree ("node") is named by (level, index) and covers leaves
 * [index·2^level, (index+1)·2^level); level 0 nodes are the leaf hashes. Every subtree hash the
 * RFC's recursive definitions need is either such a node or the fold of a few of them (a range
 * [start, start+size) where start is a multiple of the next power of two ≥ size), so storage only
 * ever needs complete nodes and proofs need O(log n) of them.
 */

export interface NodeRef {
  readonly level: number;
  readonly index: number;
}

/** Leaves [start, start + size): one hash of an inclusion or consistency proof. */
export interface LeafRange {
  readonly start: number;
  readonly size: number;
}

/**
 * SHA-256 of bytes (a string as its UTF-8 bytes). crypto.hash's own 'buffer' output costs more than
 * hashing a leaf: Node 20 builds that Buffer in C++ with a backing store of its own. The digest as a
 * 'binary' (latin1) string, one character per byte, copied into a pooled Buffer costs a fraction of that.
 */
export function digestOf(bytes: string | Uint8Array): Buffer {
  return Buffer.from(hash('sha256', bytes, 'binary'), 'binary');
}

/** MTH({}): the root of the empty tree, SHA-256 of nothing. */
export const EMPTY_ROOT: Buffer = digestOf('');

// One scratch buffer for node hashing: hash() is synchronous, so nothing else can touch it between
// the copies and the digest, and it saves an allocation per node.
const scratch = Buffer.alloc(65);
scratch[0] = 0x01;

/** SHA-256(0x00 ‖ bytes). A string is hashed as its UTF-8 bytes. */
export function leafHashOf(bytes: string | Buffer): Buffer {
  if (typeof bytes === 'string') return digestOf(`\u0000${bytes}`);
  return digestOf(Buffer.concat([Buffer.of(0x00), bytes]));
}

/** SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Buffer, right: Buffer): Buffer {
  scratch.set(left, 1);
  scratch.set(right, 33);
  return digestOf(scratch);
}

/** Tree sizes and indices go beyond 2^31, so no bitwise operators (they work on 32 bits). */
const pow2 = (level: number) => 2 ** level;

/** The largest power of two strictly smaller than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The complete nodes whose fold is the MTH of `range`, left (largest) to right (smallest). */
export function nodesOfRange(range: LeafRange): NodeRef[] {
  const nodes: NodeRef[] = [];
  let offset = range.start;
  let remaining = range.size;
  for (let level = Math.floor(Math.log2(Math.max(remaining, 1))) + 1; level >= 0; level--) {
    const width = pow2(level);
    if (remaining >= width) {
      if (offset % width !== 0) throw new RangeError(`range [${range.start}, +${range.size}) is not aligned to its subtrees`);
      nodes.push({ level, index: offset / width });
      offset += width;
      remaining -= width;
    }
  }
  return nodes;
}

/** Folds the complete nodes of a range (as `nodesOfRange` lists them) into the range's MTH. */
export function foldRange(hashes: readonly Buffer[]): Buffer {
  if (hashes.length === 0) return EMPTY_ROOT;
  let root = hashes[hashes.length - 1];
  for (let i = hashes.length - 2; i >= 0; i--) root = nodeHash(hashes[i], root);
  return root;
}

/** RFC 6962 §2.1.1 PATH(m, D[n]) as leaf ranges, each standing for its MTH. */
export function inclusionRanges(leafIndex: number, treeSize: number): LeafRange[] {
  assertSize(treeSize);
  if (!Number.isSafeInteger(leafIndex) || leafIndex < 0 || leafIndex >= treeSize) {
    throw new RangeError(`leaf index ${leafIndex} is outside a tree of size ${treeSize}`);
  }
  const path: LeafRange[] = [];
  let start = 0;
  let size = treeSize;
  let m = leafIndex;
  while (size > 1) {
    const k = splitPoint(size);
    if (m < k) {
      path.push({ start: start + k, size: size - k });
      size = k;
    } else {
      path.push({ start, size: k });
      start += k;
      m -= k;
      size -= k;
    }
  }
  return path.reverse(); // the recursion appends on the way out: the deepest sibling comes first
}

/** RFC 6962 §2.1.2 PROOF(m, D[n]) as leaf ranges; empty when m = 0 or m = n. */
export function consistencyRanges(fromSize: number, toSize: number): LeafRange[] {
  assertSize(fromSize);
  assertSize(toSize);
  if (fromSize > toSize) throw new RangeError(`consistency from ${fromSize} to ${toSize}: from is larger`);
  if (fromSize === 0 || fromSize === toSize) return [];
  const proof: LeafRange[] = [];
  let start = 0;
  let size = toSize;
  let m = fromSize;
  let whole = true; // b in SUBPROOF(m, D[n], b): m is still the whole old tree
  while (m !== size) {
    const k = splitPoint(size);
    if (m <= k) {
      proof.push({ start: start + k, size: size - k });
      size = k;
    } else {
      proof.push({ start, size: k });
      start += k;
      m -= k;
      size -= k;
      whole = false;
    }
  }
  if (!whole) proof.push({ start, size });
  return proof.reverse();
}

/** Where a proof's node hashes come from: memory (`MemoryTree`) or storage. */
export type NodeSource = (node: NodeRef) => Buffer;

export function hashOfRange(range: LeafRange, node: NodeSource): Buffer {
  return foldRange(nodesOfRange(range).map(node));
}

/**
 * RFC 9162 §2.1.3.2: recomputes the root from a leaf hash and its audit path, or returns undefined
 * when the path has the wrong length for (leafIndex, treeSize).
 */
export function rootFromInclusionProof(leafIndex: number, treeSize: number, leafHash: Buffer, auditPath: readonly Buffer[]): Buffer | undefined {
  if (!isIndex(leafIndex) || !isIndex(treeSize) || leafIndex >= treeSize) return undefined;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of auditPath) {
    if (sn === 0) return undefined;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : undefined;
}

export function verifyInclusion(leafIndex: number, treeSize: number, leafHash: Buffer, auditPath: readonly Buffer[], rootHash: Buffer): boolean {
  const root = rootFromInclusionProof(leafIndex, treeSize, leafHash, auditPath);
  return root !== undefined && sameHash(root, rootHash);
}

/**
 * RFC 9162 §2.1.4.2, plus the trivial cases the RFC leaves out: an empty old tree is consistent with
 * every tree, and a tree with itself, both with an empty proof.
 */
export function verifyConsistency(fromSize: number, toSize: number, fromRoot: Buffer, toRoot: Buffer, proof: readonly Buffer[]): boolean {
  if (!isIndex(fromSize) || !isIndex(toSize) || fromSize > toSize) return false;
  if (fromSize === 0) return proof.length === 0 && sameHash(fromRoot, EMPTY_ROOT) && (toSize > 0 || sameHash(toRoot, EMPTY_ROOT));
  if (fromSize === toSize) return proof.length === 0 && sameHash(fromRoot, toRoot);
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(fromSize) ? [fromRoot, ...proof] : [...proof];
  let fn = fromSize - 1;
  let sn = toSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && sameHash(fr, fromRoot) && sameHash(sr, toRoot);
}

export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.equals(b);
}

function assertSize(size: number): void {
  if (!isIndex(size)) throw new RangeError(`tree size must be a non-negative integer, got ${size}`);
}

const isIndex = (n: number) => Number.isSafeInteger(n) && n >= 0;
const isOdd = (n: number) => n % 2 === 1;
const half = (n: number) => Math.floor(n / 2);
const isPowerOfTwo = (n: number) => n > 0 && pow2(Math.round(Math.log2(n))) === n;
