// Choosing the peer for a periodic gossip round (spec §4.6). Pure: randomness is passed in.
import { type UniqueAddress } from '../address.js';
import { nodeKey } from './node-key.js';
import type { Member } from './api.js';
import { memberKey, type Gossip } from './gossip.js';
import { unreachableFrom } from './reachability.js';

/**
 * Probability of preferring peers that have not seen the current version: the configured value,
 * reduced linearly above `reduceAt` members down to a tenth of it at three times that size.
 */
export function differentViewProbability(clusterSize: number, probability: number, reduceAt: number): number {
  if (clusterSize <= reduceAt) return probability;
  const high = reduceAt * 3;
  if (clusterSize >= high) return probability / 10;
  const k = (clusterSize - reduceAt) / (high - reduceAt);
  return probability - k * (probability - probability / 10);
}

/**
 * Members self may gossip to: not self, not marked Unreachable/Terminated by self, and not a
 * member that confirmed its exit to self (its cluster subsystem has stopped; as it never sees
 * a new version it would otherwise attract most of the rounds that prefer a different view).
 */
export function validGossipTargets(g: Gossip, self: UniqueAddress, exited: ReadonlySet<string> = new Set()): Member[] {
  const selfKey = nodeKey(self);
  const flagged = new Set(unreachableFrom(g.reachability, self).map(nodeKey));
  return g.members.filter((m) => memberKey(m) !== selfKey && !flagged.has(memberKey(m)) && !exited.has(memberKey(m)));
}

export function selectGossipTarget(
  g: Gossip,
  self: UniqueAddress,
  random: () => number,
  probability: number,
  reduceAt: number,
  exited: ReadonlySet<string> = new Set(),
): Member | undefined {
  const valid = validGossipTargets(g, self, exited);
  if (valid.length === 0) return undefined;
  let pool = valid;
  if (random() < differentViewProbability(g.members.length, probability, reduceAt)) {
    const unseen = valid.filter((m) => !g.seen.has(memberKey(m)));
    if (unseen.length > 0) pool = unseen;
  }
  return pool[Math.floor(random() * pool.length)];
}

/** Up to `n` distinct random members from `pool`. */
export function randomSample<T>(pool: readonly T[], n: number, random: () => number): T[] {
  const copy = [...pool];
  const out: T[] = [];
  while (out.length < n && copy.length > 0) out.push(copy.splice(Math.floor(random() * copy.length), 1)[0] as T);
  return out;
}
