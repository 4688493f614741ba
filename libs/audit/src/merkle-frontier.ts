import { consistencyRanges, EMPTY_ROOT, hashOfRange, inclusionRanges, nodeHash, NodeRef, NodeSource, nodesOfRange } from './merkle';

/** Trees built leaf by leaf: the O(log n) frontier the writer and the verifier keep, and a whole tree in memory. */

/**
 * The right edge of a growing tree: for each set bit L of the size, the hash of the complete
 * subtree at level L that the binary decomposition of the size ends with. O(log n) memory; each
 * appended leaf reports the complete nodes (level ≥ 1) it finishes, which is what storage keeps.
 */
export class MerkleFrontier {
  private readonly byLevel: (Buffer | undefined)[] = [];
  private count = 0;

  /** `hashes` as `frontierNodes(size)` lists them. */
  static restore(size: number, hashes: readonly Buffer[]): MerkleFrontier {
    const nodes = frontierNodes(size);
    if (nodes.length !== hashes.length) throw new RangeError(`a frontier of size ${size} has ${nodes.length} nodes, got ${hashes.length}`);
    const frontier = new MerkleFrontier();
    nodes.forEach((node, i) => (frontier.byLevel[node.level] = hashes[i]));
    frontier.count = size;
    return frontier;
  }

  get size(): number {
    return this.count;
  }

  /** Adds a leaf hash; `completed` hears of every node (level ≥ 1) this leaf finishes. */
  append(leafHash: Buffer, completed?: (level: number, index: number, hash: Buffer) => void): void {
    let carry = leafHash;
    let level = 0;
    let m = this.count; // floor(size / 2^level)
    while (m % 2 === 1) {
      carry = nodeHash(this.byLevel[level]!, carry);
      this.byLevel[level] = undefined;
      level++;
      m = (m - 1) / 2;
      completed?.(level, m, carry);
    }
    this.byLevel[level] = carry;
    this.count++;
  }

  root(): Buffer {
    let root: Buffer | undefined;
    for (const node of this.byLevel) {
      if (node) root = root ? nodeHash(node, root) : node;
    }
    return root ?? EMPTY_ROOT;
  }
}

/** The complete nodes whose fold is the root of a tree of `size` leaves (its frontier). */
export function frontierNodes(size: number): NodeRef[] {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`tree size must be a non-negative integer, got ${size}`);
  return nodesOfRange({ start: 0, size });
}

/** A whole tree in memory: every level kept. For tests, tools and small trees. */
export class MemoryTree {
  private readonly levels: Buffer[][];

  constructor(leafHashes: readonly Buffer[]) {
    this.levels = [[...leafHashes]];
    for (let below = this.levels[0]; below.length > 1;) {
      const level: Buffer[] = [];
      for (let i = 0; i + 1 < below.length; i += 2) level.push(nodeHash(below[i], below[i + 1]));
      this.levels.push(level);
      below = level;
    }
  }

  get size(): number {
    return this.levels[0].length;
  }

  readonly node: NodeSource = ({ level, index }) => {
    const hash = this.levels[level]?.[index];
    if (!hash) throw new RangeError(`no complete node (${level}, ${index}) in a tree of ${this.size} leaves`);
    return hash;
  };

  root(size = this.size): Buffer {
    return hashOfRange({ start: 0, size }, this.node);
  }

  inclusionProof(leafIndex: number, treeSize = this.size): Buffer[] {
    return inclusionRanges(leafIndex, this.checked(treeSize)).map((range) => hashOfRange(range, this.node));
  }

  consistencyProof(fromSize: number, toSize = this.size): Buffer[] {
    return consistencyRanges(fromSize, this.checked(toSize)).map((range) => hashOfRange(range, this.node));
  }

  private checked(treeSize: number): number {
    if (treeSize > this.size) throw new RangeError(`tree size ${treeSize} is larger than the tree (${this.size})`);
    return treeSize;
  }
}

/** MTH of a list of leaf hashes. */
export function merkleRoot(leafHashes: readonly Buffer[]): Buffer {
  const frontier = new MerkleFrontier();
  for (const leaf of leafHashes) frontier.append(leaf);
  return frontier.root();
}
