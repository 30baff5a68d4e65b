// Vector clocks that version the gossip state (spec §4.2). Keys are per-incarnation node keys:
// the lowercase hex MD5 of `<address>-<uid>`, the same key Pekko uses, so versions stay compact.
import { createHash } from 'node:crypto';
import { formatAddress, type UniqueAddress } from '../address.js';

/** node key -> counter. Immutable by convention: every operation returns a new map. */
export type VectorClock = ReadonlyMap<string, number>;

export type ClockOrdering = 'Same' | 'Before' | 'After' | 'Concurrent';

export const emptyClock: VectorClock = new Map();

const keyCache = new WeakMap<UniqueAddress, string>();

/** The vector-clock key of one node incarnation (memoized per object). */
export function clockKey(node: UniqueAddress): string {
  let key = keyCache.get(node);
  if (key === undefined) {
    key = createHash('md5').update(`${formatAddress(node.address)}-${node.uid}`, 'utf8').digest('hex');
    keyCache.set(node, key);
  }
  return key;
}

export function increment(clock: VectorClock, key: string): VectorClock {
  const next = new Map(clock);
  next.set(key, (clock.get(key) ?? 0) + 1);
  return next;
}

/** Pointwise maximum. */
export function mergeClocks(a: VectorClock, b: VectorClock): VectorClock {
  const next = new Map(a);
  for (const [k, v] of b) if (v > (next.get(k) ?? 0)) next.set(k, v);
  return next;
}

export function pruneClock(clock: VectorClock, key: string): VectorClock {
  if (!clock.has(key)) return clock;
  const next = new Map(clock);
  next.delete(key);
  return next;
}

/** Compares two clocks; a missing entry counts as 0. */
export function compareClocks(a: VectorClock, b: VectorClock): ClockOrdering {
  let aBigger = false;
  let bBigger = false;
  for (const [k, va] of a) {
    const vb = b.get(k) ?? 0;
    if (va > vb) aBigger = true;
    else if (va < vb) bBigger = true;
  }
  for (const [k, vb] of b) {
    if (!a.has(k) && vb > 0) bBigger = true;
  }
  if (aBigger && bBigger) return 'Concurrent';
  if (aBigger) return 'After';
  if (bBigger) return 'Before';
  return 'Same';
}
