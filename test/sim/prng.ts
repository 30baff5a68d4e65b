// Seeded pseudo-random numbers (mulberry32): the same seed gives the same simulation run.
import type { Random } from '../../src/clock.js';

export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An independent stream derived from a parent (so adding a node does not shift other streams). */
export function forkRandom(parent: Random): Random {
  return seededRandom(Math.floor(parent() * 4294967296));
}

export function randomInt(random: Random, minInclusive: number, maxInclusive: number): number {
  return minInclusive + Math.floor(random() * (maxInclusive - minInclusive + 1));
}
