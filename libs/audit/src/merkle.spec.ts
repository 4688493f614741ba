import { createHash } from 'node:crypto';
import { consistencyRanges, EMPTY_ROOT, inclusionRanges, leafHashOf, nodeHash, rootFromInclusionProof, verifyConsistency, verifyInclusion } from './merkle';
import { frontierNodes, MemoryTree, MerkleFrontier, merkleRoot } from './merkle-frontier';
// a copy of shared/fixtures/rfc6962-vectors.json, kept with the code that it tests
import vectors from './rfc6962-vectors.fixture.json';

const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

/** RFC 6962 §2.1 written as literally as possible: the oracle the fast code is held to. */
const rfc = {
  mth(d: Buffer[]): Buffer {
    if (d.length === 0) return sha256();
    if (d.length === 1) return sha256(Buffer.of(0), d[0]);
    const k = rfc.k(d.length);
    return sha256(Buffer.of(1), rfc.mth(d.slice(0, k)), rfc.mth(d.slice(k)));
  },
  k(n: number): number {
    let k = 1;
    while (k * 2 < n) k *= 2;
    return k;
  },
  path(m: number, d: Buffer[]): Buffer[] {
    if (d.length === 1) return [];
    const k = rfc.k(d.length);
    return m < k ? [...rfc.path(m, d.slice(0, k)), rfc.mth(d.slice(k))] : [...rfc.path(m - k, d.slice(k)), rfc.mth(d.slice(0, k))];
  },
  subproof(m: number, d: Buffer[], b: boolean): Buffer[] {
    if (m === d.length) return b ? [] : [rfc.mth(d)];
    const k = rfc.k(d.length);
    return m <= k ? [...rfc.subproof(m, d.slice(0, k), b), rfc.mth(d.slice(k))] : [...rfc.subproof(m - k, d.slice(k), false), rfc.mth(d.slice(0, k))];
  },
};

const hex = (buffers: Buffer[]) => buffers.map((b) => b.toString('hex'));
const flipped = (hash: Buffer, byte = 0) => {
  const copy = Buffer.from(hash);
  copy[byte] ^= 0x01;
  return copy;
};
/** Distinct leaf inputs: 0..n-1 as 4-byte big-endian. */
const inputs = (n: number) => Array.from({ length: n }, (_, i) => Buffer.from([i >>> 24, (i >>> 16) & 255, (i >>> 8) & 255, i & 255]));
const MAX = 64;
const leaves = inputs(MAX).map((input) => leafHashOf(input));
const tree = new MemoryTree(leaves);

describe('RFC 6962 Merkle tree', () => {
  describe('hashing', () => {
    it('hashes a leaf as SHA-256(0x00 ‖ input) and a node as SHA-256(0x01 ‖ left ‖ right)', () => {
      const input = Buffer.from('2021', 'hex');
      expect(leafHashOf(input)).toEqual(sha256(Buffer.of(0), input));
      expect(leafHashOf('héllo')).toEqual(sha256(Buffer.of(0), Buffer.from('héllo', 'utf8')));
      expect(nodeHash(leaves[0], leaves[1])).toEqual(sha256(Buffer.of(1), leaves[0], leaves[1]));
      // the scratch buffer must not leak one node's inputs into the next
      expect(nodeHash(leaves[2], leaves[3])).toEqual(sha256(Buffer.of(1), leaves[2], leaves[3]));
    });

    it('roots the empty tree at SHA-256 of nothing', () => {
      expect(EMPTY_ROOT.toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
      expect(merkleRoot([])).toEqual(EMPTY_ROOT);
    });
  });

  describe('test vectors (shared/fixtures/rfc6962-vectors.json)', () => {
    const vectorLeaves = vectors.leafInputsHex.map((input) => leafHashOf(Buffer.from(input, 'hex')));

    it.each(vectors.rootHashes.map((root, n) => [n, root]))('root of the first %i leaves', (n, root) => {
      expect(merkleRoot(vectorLeaves.slice(0, n)).toString('hex')).toBe(root);
      expect(new MemoryTree(vectorLeaves).root(n).toString('hex')).toBe(root);
    });

    it('proves every leaf and every pair of sizes of the vector tree against the vector roots', () => {
      const vectorTree = new MemoryTree(vectorLeaves);
      const root = (n: number) => Buffer.from(vectors.rootHashes[n], 'hex');
      for (let n = 1; n < vectors.rootHashes.length; n++) {
        for (let i = 0; i < n; i++) expect(verifyInclusion(i, n, vectorLeaves[i], vectorTree.inclusionProof(i, n), root(n))).toBe(true);
        for (let m = 0; m <= n; m++) expect(verifyConsistency(m, n, root(m), root(n), vectorTree.consistencyProof(m, n))).toBe(true);
      }
    });
  });

  describe('roots', () => {
    it('agrees with the RFC definition for every size up to 64, in memory and through the frontier', () => {
      const frontier = new MerkleFrontier();
      for (let n = 0; n <= MAX; n++) {
        const expected = rfc.mth(inputs(n));
        expect(merkleRoot(leaves.slice(0, n))).toEqual(expected);
        expect(tree.root(n)).toEqual(expected);
        expect(frontier.root()).toEqual(expected);
        if (n < MAX) frontier.append(leaves[n]);
      }
    });

    it('reports exactly the complete nodes each append finishes, and restores from its frontier nodes', () => {
      const frontier = new MerkleFrontier();
      const completed: string[] = [];
      for (let n = 0; n < MAX; n++) {
        frontier.append(leaves[n], (level, index, hash) => {
          expect(hash).toEqual(tree.node({ level, index }));
          completed.push(`${level}/${index}`);
        });
        const restored = MerkleFrontier.restore(n + 1, frontierNodes(n + 1).map(tree.node));
        expect(restored.root()).toEqual(frontier.root());
        restored.append(leaves[(n + 1) % MAX]);
        expect(restored.size).toBe(n + 2);
      }
      // every complete node above the leaves, once: 64 leaves → 32 + 16 + 8 + 4 + 2 + 1
      expect(completed).toHaveLength(63);
      expect(new Set(completed).size).toBe(63);
    });
  });

  describe('inclusion proofs', () => {
    it('match RFC 6962 PATH(m, D[n]) and verify, for every leaf of every tree up to 64 leaves', () => {
      for (let n = 1; n <= MAX; n++) {
        const root = tree.root(n);
        for (let m = 0; m < n; m++) {
          const proof = tree.inclusionProof(m, n);
          expect(hex(proof)).toEqual(hex(rfc.path(m, inputs(n))));
          expect(verifyInclusion(m, n, leaves[m], proof, root)).toBe(true);
        }
      }
    });

    it('fail when anything is changed: a proof hash, the leaf, the index, the root, or the proof length', () => {
      const accepted: string[] = [];
      const expectRejected = (what: string, ok: boolean) => ok && accepted.push(what);
      for (let n = 1; n <= MAX; n++) {
        const root = tree.root(n);
        for (let m = 0; m < n; m++) {
          const at = `leaf ${m} of ${n}`;
          const proof = tree.inclusionProof(m, n);
          proof.forEach((_, i) => {
            const bad = [...proof];
            bad[i] = flipped(bad[i], i % 32);
            expectRejected(`${at}, hash ${i} changed`, verifyInclusion(m, n, leaves[m], bad, root));
          });
          expectRejected(`${at}, other leaf`, verifyInclusion(m, n, flipped(leaves[m], 31), proof, root));
          expectRejected(`${at}, other root`, verifyInclusion(m, n, leaves[m], proof, flipped(root, 7)));
          for (let other = 0; other < n; other++) {
            if (other !== m) expectRejected(`${at}, claimed as leaf ${other}`, verifyInclusion(other, n, leaves[m], proof, root));
          }
          if (proof.length > 0) expectRejected(`${at}, shortened`, verifyInclusion(m, n, leaves[m], proof.slice(0, -1), root));
          expectRejected(`${at}, lengthened`, verifyInclusion(m, n, leaves[m], [...proof, leaves[0]], root));
          expectRejected(`${at}, index = size`, verifyInclusion(n, n, leaves[m], proof, root));
        }
      }
      expect(accepted).toEqual([]);
    });

    it('refuses to build a proof for a leaf outside the tree', () => {
      expect(() => inclusionRanges(5, 5)).toThrow(RangeError);
      expect(() => inclusionRanges(-1, 5)).toThrow(RangeError);
      expect(() => tree.inclusionProof(0, MAX + 1)).toThrow(RangeError);
      expect(rootFromInclusionProof(0, 0, leaves[0], [])).toBeUndefined();
    });
  });

  describe('consistency proofs', () => {
    it('match RFC 6962 PROOF(m, D[n]) and verify, for every 0 < m < n ≤ 64', () => {
      for (let n = 1; n <= MAX; n++) {
        for (let m = 1; m < n; m++) {
          const proof = tree.consistencyProof(m, n);
          expect(hex(proof)).toEqual(hex(rfc.subproof(m, inputs(n), true)));
          expect(verifyConsistency(m, n, tree.root(m), tree.root(n), proof)).toBe(true);
        }
      }
    });

    it('fail when anything is changed: a proof hash, either root, a size, or the proof length', () => {
      const accepted: string[] = [];
      const expectRejected = (what: string, ok: boolean) => ok && accepted.push(what);
      for (let n = 2; n <= MAX; n++) {
        for (let m = 1; m < n; m++) {
          const at = `${m} → ${n}`;
          const [oldRoot, newRoot] = [tree.root(m), tree.root(n)];
          const proof = tree.consistencyProof(m, n);
          proof.forEach((_, i) => {
            const bad = [...proof];
            bad[i] = flipped(bad[i], i % 32);
            expectRejected(`${at}, hash ${i} changed`, verifyConsistency(m, n, oldRoot, newRoot, bad));
          });
          expectRejected(`${at}, old root changed`, verifyConsistency(m, n, flipped(oldRoot), newRoot, proof));
          expectRejected(`${at}, new root changed`, verifyConsistency(m, n, oldRoot, flipped(newRoot), proof));
          expectRejected(`${at}, shortened`, verifyConsistency(m, n, oldRoot, newRoot, proof.slice(0, -1)));
          expectRejected(`${at}, lengthened`, verifyConsistency(m, n, oldRoot, newRoot, [...proof, leaves[0]]));
          expectRejected(`${at}, empty`, verifyConsistency(m, n, oldRoot, newRoot, []));
          const otherTree = merkleRoot(inputs(m).map((input) => leafHashOf(Buffer.concat([input, Buffer.of(9)]))));
          expectRejected(`${at}, old root of other leaves`, verifyConsistency(m, n, otherTree, newRoot, proof));
          expectRejected(`${at}, reversed`, verifyConsistency(n, m, newRoot, oldRoot, proof));
          if (m + 1 < n) expectRejected(`${at}, claimed from ${m + 1}`, verifyConsistency(m + 1, n, tree.root(m + 1), newRoot, proof));
        }
      }
      expect(accepted).toEqual([]);
    });

    it('accepts only empty proofs for the trivial cases (empty old tree, same size)', () => {
      for (const n of [0, 1, 7, 64]) {
        expect(consistencyRanges(0, n)).toEqual([]);
        expect(consistencyRanges(n, n)).toEqual([]);
        expect(verifyConsistency(0, n, EMPTY_ROOT, tree.root(n), [])).toBe(true);
        expect(verifyConsistency(n, n, tree.root(n), tree.root(n), [])).toBe(true);
        expect(verifyConsistency(0, n, flipped(EMPTY_ROOT), tree.root(n), [])).toBe(false);
        expect(verifyConsistency(n, n, tree.root(n), tree.root(n), [leaves[0]])).toBe(false);
      }
      expect(verifyConsistency(5, 5, tree.root(5), tree.root(6), [])).toBe(false);
      expect(() => consistencyRanges(6, 5)).toThrow(RangeError);
    });
  });

  describe('large trees', () => {
    it('names proof nodes beyond 2^32 leaves without 32-bit overflow', () => {
      const size = 2 ** 40 + 2 ** 33 + 5;
      const path = inclusionRanges(size - 1, size);
      expect(path.map((range) => range.size)).toEqual([4, 2 ** 33, 2 ** 40]);
      expect(consistencyRanges(2 ** 40 + 1, size).every((range) => range.start + range.size <= size)).toBe(true);
      expect(frontierNodes(size)).toEqual([
        { level: 40, index: 0 },
        { level: 33, index: 2 ** 7 },
        { level: 2, index: (2 ** 40 + 2 ** 33) / 4 },
        { level: 0, index: size - 1 },
      ]);
    });
  });
});
