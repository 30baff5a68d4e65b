// The nemesis: a randomized adversarial fault schedule per (strategy, seed), as a scenario
// (scenario.ts) so that any failure replays from a file. Faults mix one-way and two-way
// partitions (several at once), crashes while the cluster is unstable (the first node, usually
// leader and oldest, is picked more often), stalls longer than acceptable-heartbeat-pause,
// restarts with a new uid at the same address, delay/reordering/duplication/loss, and graceful
// leaves during partitions. Every schedule ends with a heal and a quiet period.
import type { StrategyName } from '../../../src/cluster/sbr/strategy.js';
import { randomInt, seededRandom } from '../prng.js';
import { defaultStrategyOptions, NO_FAULTS, type Scenario, type Step } from './scenario.js';

/** Time after the final heal: detection + stable-after + removal + rejoin, with a wide margin. */
export const QUIET_MS = 150_000;
/** Soak/test shortcut: a run ends once one settled cluster has held this long (virtual ms). */
export const SETTLED_QUIET_MS = 60_000;

function strategySalt(name: StrategyName): number {
  let h = 0;
  for (const c of name) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return h;
}

function shuffled<T>(r: () => number, xs: readonly T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

function groups(r: () => number, ids: readonly number[], parts: number): number[][] {
  const s = shuffled(r, ids);
  const out: number[][] = Array.from({ length: parts }, () => []);
  s.forEach((id, i) => (out[i < parts ? i : randomInt(r, 0, parts - 1)] as number[]).push(id));
  return out.map((g) => g.sort((a, b) => a - b));
}

type Kind = 'block' | 'unblock' | 'partition' | 'partition3' | 'heal' | 'crash' | 'restart' | 'pause' | 'leave' | 'faults';
const WEIGHTS: ReadonlyArray<readonly [Kind, number]> = [
  ['block', 18],
  ['unblock', 4],
  ['partition', 16],
  ['partition3', 5],
  ['heal', 10],
  ['crash', 13],
  ['restart', 9],
  ['pause', 9],
  ['leave', 5],
  ['faults', 7],
];
const TOTAL = WEIGHTS.reduce((s, [, w]) => s + w, 0);

function pickKind(r: () => number): Kind {
  let x = r() * TOTAL;
  for (const [k, w] of WEIGHTS) if ((x -= w) < 0) return k;
  return 'heal';
}

export function generateScenario(strategy: StrategyName, seed: number): Scenario {
  const r = seededRandom((Math.imul(seed, 0x9e3779b1) ^ strategySalt(strategy)) >>> 0);
  const nodes = [3, 4, 5, 5, 5, 6, 7][randomInt(r, 0, 6)] as number;
  const ids = Array.from({ length: nodes }, (_, i) => i + 1);
  const victim = () => (r() < 0.3 ? 1 : randomInt(r, 1, nodes));
  const steps: Step[] = [{ atMs: 0, start: ids }];
  let t = randomInt(r, 10, 25) * 1000;
  const faults = randomInt(r, 1, 7);
  let lossy = false;
  for (let i = 0; i < faults; i++) {
    switch (pickKind(r)) {
      case 'block': {
        const [from, to] = shuffled(r, ids) as [number, number];
        steps.push({ atMs: t, block: { from, to } });
        break;
      }
      case 'unblock': {
        const [from, to] = shuffled(r, ids) as [number, number];
        steps.push({ atMs: t, unblock: { from, to } });
        break;
      }
      case 'partition':
        steps.push({ atMs: t, partition: groups(r, ids, 2) });
        break;
      case 'partition3':
        if (nodes >= 3) steps.push({ atMs: t, partition: groups(r, ids, 3) });
        break;
      case 'heal':
        steps.push({ atMs: t, heal: true });
        break;
      case 'crash':
        steps.push({ atMs: t, crash: victim() });
        break;
      case 'restart':
        steps.push({ atMs: t, restart: victim() });
        break;
      case 'pause':
        steps.push({ atMs: t, pause: { node: victim(), forMs: randomInt(r, 4, 20) * 1000 } });
        break;
      case 'leave':
        steps.push({ atMs: t, leave: randomInt(r, 1, nodes) });
        break;
      case 'faults':
        lossy = true;
        steps.push({
          atMs: t,
          faults: {
            dropRate: r() < 0.5 ? 0 : Math.round(r() * 50) / 1000,
            duplicateRate: Math.round(r() * 100) / 1000,
            minDelayMs: 1,
            maxDelayMs: randomInt(r, 2, 300),
          },
        });
        break;
    }
    // Mostly seconds apart, sometimes within the same second (interleavings with timers).
    t += r() < 0.2 ? randomInt(r, 0, 999) : randomInt(r, 1, 25) * 1000;
  }
  if (lossy) steps.push({ atMs: t, faults: NO_FAULTS });
  steps.push({ atMs: t, heal: true });
  return { nodes, strategy, settings: defaultStrategyOptions(nodes), seed, faults: NO_FAULTS, steps, untilMs: t + QUIET_MS };
}
