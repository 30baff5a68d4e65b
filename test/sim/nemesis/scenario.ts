// The scenario file format (docs/simulator.md): node count, downing strategy and its settings,
// seed, and timed fault steps. Parsing is strict: a typo in a scenario must fail loudly rather
// than silently run a different schedule.
import type { StrategyName } from '../../../src/cluster/sbr/strategy.js';
import { STRATEGY_NAMES } from '../../../src/cluster/sbr/strategy.js';

export interface LinkFaults {
  readonly dropRate: number;
  readonly duplicateRate: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
}

export type Action =
  | { readonly start: readonly number[] }
  | { readonly block: { readonly from: number; readonly to: number } }
  | { readonly unblock: { readonly from: number; readonly to: number } }
  | { readonly partition: ReadonlyArray<readonly number[]> }
  | { readonly heal: true }
  | { readonly crash: number }
  | { readonly restart: number }
  | { readonly pause: { readonly node: number; readonly forMs: number } }
  | { readonly leave: number }
  | { readonly faults: LinkFaults };

export type Step = Action & { readonly atMs: number };

export interface StrategyOptions {
  readonly stableAfterMs: number;
  /** undefined = off. */
  readonly downAllWhenUnstableMs: number | undefined;
  readonly quorumSize: number;
  readonly downIfAlone: boolean;
  readonly role: string;
  readonly acquireLeaseDelayForMinorityMs: number;
  readonly releaseAfterMs: number;
}

export interface Scenario {
  readonly nodes: number;
  readonly strategy: StrategyName;
  readonly settings: StrategyOptions;
  readonly seed: number;
  readonly faults: LinkFaults;
  readonly steps: readonly Step[];
  readonly untilMs: number;
}

export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

export const NO_FAULTS: LinkFaults = { dropRate: 0, duplicateRate: 0, minDelayMs: 1, maxDelayMs: 1 };

export function defaultStrategyOptions(nodes: number): StrategyOptions {
  return {
    stableAfterMs: 20_000,
    downAllWhenUnstableMs: 15_000,
    quorumSize: Math.floor(nodes / 2) + 1,
    downIfAlone: true,
    role: '',
    acquireLeaseDelayForMinorityMs: 2000,
    releaseAfterMs: 40_000,
  };
}

/** "90s", "500ms", "2m", "1.5s" or a number of milliseconds. */
export function parseDuration(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (typeof v === 'string') {
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)$/.exec(v.trim());
    if (m) return Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as 'ms' | 's' | 'm']);
  }
  throw new ScenarioError(`${what}: expected a duration like "10s" or "500ms", got ${JSON.stringify(v)}`);
}

export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ScenarioError(`${what}: expected an object`);
  return v as Record<string, unknown>;
}

function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], what: string): void {
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  if (extra.length > 0) throw new ScenarioError(`${what}: unknown key(s) ${extra.join(', ')}`);
}

function num(v: unknown, what: string, min = -Infinity, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new ScenarioError(`${what}: expected a number in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

function nodeId(v: unknown, nodes: number, what: string): number {
  const n = num(v, what, 1, nodes);
  if (!Number.isInteger(n)) throw new ScenarioError(`${what}: expected a node number 1..${nodes}`);
  return n;
}

function parseFaults(v: unknown, what: string): LinkFaults {
  const o = obj(v, what);
  onlyKeys(o, ['drop', 'duplicate', 'minDelay', 'maxDelay'], what);
  const minDelayMs = o.minDelay === undefined ? NO_FAULTS.minDelayMs : parseDuration(o.minDelay, `${what}.minDelay`);
  const maxDelayMs = o.maxDelay === undefined ? Math.max(minDelayMs, NO_FAULTS.maxDelayMs) : parseDuration(o.maxDelay, `${what}.maxDelay`);
  if (maxDelayMs < minDelayMs) throw new ScenarioError(`${what}: maxDelay < minDelay`);
  return {
    dropRate: o.drop === undefined ? 0 : num(o.drop, `${what}.drop`, 0, 1),
    duplicateRate: o.duplicate === undefined ? 0 : num(o.duplicate, `${what}.duplicate`, 0, 1),
    minDelayMs,
    maxDelayMs,
  };
}

function formatFaults(f: LinkFaults): Record<string, unknown> {
  return { drop: f.dropRate, duplicate: f.duplicateRate, minDelay: formatDuration(f.minDelayMs), maxDelay: formatDuration(f.maxDelayMs) };
}

function parseSettings(v: unknown, nodes: number): StrategyOptions {
  const d = defaultStrategyOptions(nodes);
  if (v === undefined) return d;
  const o = obj(v, 'settings');
  onlyKeys(
    o,
    ['stable-after', 'down-all-when-unstable', 'quorum-size', 'down-if-alone', 'role', 'acquire-lease-delay-for-minority', 'release-after'],
    'settings',
  );
  const unstable = o['down-all-when-unstable'];
  return {
    stableAfterMs: o['stable-after'] === undefined ? d.stableAfterMs : parseDuration(o['stable-after'], 'settings.stable-after'),
    downAllWhenUnstableMs:
      unstable === undefined ? d.downAllWhenUnstableMs : unstable === 'off' || unstable === false ? undefined : parseDuration(unstable, 'settings.down-all-when-unstable'),
    quorumSize: o['quorum-size'] === undefined ? d.quorumSize : num(o['quorum-size'], 'settings.quorum-size', 1),
    downIfAlone: o['down-if-alone'] === undefined ? d.downIfAlone : o['down-if-alone'] === true,
    role: o.role === undefined ? '' : String(o.role),
    acquireLeaseDelayForMinorityMs:
      o['acquire-lease-delay-for-minority'] === undefined
        ? d.acquireLeaseDelayForMinorityMs
        : parseDuration(o['acquire-lease-delay-for-minority'], 'settings.acquire-lease-delay-for-minority'),
    releaseAfterMs: o['release-after'] === undefined ? d.releaseAfterMs : parseDuration(o['release-after'], 'settings.release-after'),
  };
}

const ACTIONS = ['start', 'block', 'unblock', 'partition', 'heal', 'crash', 'restart', 'pause', 'leave', 'faults'] as const;

function parseLink(v: unknown, nodes: number, what: string): { from: number; to: number } {
  const o = obj(v, what);
  onlyKeys(o, ['from', 'to'], what);
  const from = nodeId(o.from, nodes, `${what}.from`);
  const to = nodeId(o.to, nodes, `${what}.to`);
  if (from === to) throw new ScenarioError(`${what}: from and to are the same node`);
  return { from, to };
}

function parseStep(v: unknown, nodes: number, i: number): Step {
  const what = `steps[${i}]`;
  const o = obj(v, what);
  const atMs = parseDuration(o.at, `${what}.at`);
  const names = Object.keys(o).filter((k) => k !== 'at');
  if (names.length !== 1 || !ACTIONS.includes(names[0] as (typeof ACTIONS)[number])) {
    throw new ScenarioError(`${what}: expected "at" and exactly one of ${ACTIONS.join(', ')}`);
  }
  const name = names[0] as (typeof ACTIONS)[number];
  const a = o[name];
  const w = `${what}.${name}`;
  switch (name) {
    case 'start': {
      if (!Array.isArray(a) || a.length === 0) throw new ScenarioError(`${w}: expected a non-empty list of nodes`);
      return { atMs, start: a.map((x, j) => nodeId(x, nodes, `${w}[${j}]`)) };
    }
    case 'block':
      return { atMs, block: parseLink(a, nodes, w) };
    case 'unblock':
      return { atMs, unblock: parseLink(a, nodes, w) };
    case 'partition': {
      if (!Array.isArray(a) || a.length < 2) throw new ScenarioError(`${w}: expected two or more groups`);
      const groups = a.map((g, j) => {
        if (!Array.isArray(g) || g.length === 0) throw new ScenarioError(`${w}[${j}]: expected a non-empty list of nodes`);
        return g.map((x, k) => nodeId(x, nodes, `${w}[${j}][${k}]`));
      });
      const all = groups.flat();
      if (new Set(all).size !== all.length) throw new ScenarioError(`${w}: a node is in two groups`);
      return { atMs, partition: groups };
    }
    case 'heal':
      if (a !== true) throw new ScenarioError(`${w}: expected true`);
      return { atMs, heal: true };
    case 'crash':
      return { atMs, crash: nodeId(a, nodes, w) };
    case 'restart':
      return { atMs, restart: nodeId(a, nodes, w) };
    case 'leave':
      return { atMs, leave: nodeId(a, nodes, w) };
    case 'pause': {
      const p = obj(a, w);
      onlyKeys(p, ['node', 'for'], w);
      return { atMs, pause: { node: nodeId(p.node, nodes, `${w}.node`), forMs: parseDuration(p.for, `${w}.for`) } };
    }
    case 'faults':
      return { atMs, faults: parseFaults(a, w) };
  }
}

/** Parses and validates a scenario (the JSON value of a scenario file). */
export function parseScenario(v: unknown): Scenario {
  const o = obj(v, 'scenario');
  onlyKeys(o, ['nodes', 'strategy', 'settings', 'seed', 'faults', 'steps', 'until', 'comment', 'expect'], 'scenario');
  const nodes = num(o.nodes, 'nodes', 1, 50);
  if (!Number.isInteger(nodes)) throw new ScenarioError('nodes: expected an integer');
  if (!STRATEGY_NAMES.includes(o.strategy as StrategyName)) {
    throw new ScenarioError(`strategy: expected one of ${STRATEGY_NAMES.join(', ')}, got ${JSON.stringify(o.strategy)}`);
  }
  const seed = o.seed === undefined ? 1 : num(o.seed, 'seed');
  if (!Array.isArray(o.steps) || o.steps.length === 0) throw new ScenarioError('steps: expected a non-empty list');
  const steps = o.steps.map((s, i) => parseStep(s, nodes, i));
  for (let i = 1; i < steps.length; i++) {
    if ((steps[i] as Step).atMs < (steps[i - 1] as Step).atMs) throw new ScenarioError(`steps[${i}]: steps must be in time order`);
  }
  if (!('start' in (steps[0] as Step))) throw new ScenarioError('steps[0]: the first step must start nodes');
  const untilMs = parseDuration(o.until, 'until');
  if (untilMs < (steps[steps.length - 1] as Step).atMs) throw new ScenarioError('until: before the last step');
  return {
    nodes,
    strategy: o.strategy as StrategyName,
    settings: parseSettings(o.settings, nodes),
    seed,
    faults: o.faults === undefined ? NO_FAULTS : parseFaults(o.faults, 'faults'),
    steps,
    untilMs,
  };
}

function formatSettings(s: Scenario): Record<string, unknown> {
  const d = defaultStrategyOptions(s.nodes);
  const o = s.settings;
  const out: Record<string, unknown> = {};
  if (o.stableAfterMs !== d.stableAfterMs) out['stable-after'] = formatDuration(o.stableAfterMs);
  if (o.downAllWhenUnstableMs !== d.downAllWhenUnstableMs) {
    out['down-all-when-unstable'] = o.downAllWhenUnstableMs === undefined ? 'off' : formatDuration(o.downAllWhenUnstableMs);
  }
  if (s.strategy === 'static-quorum' && o.quorumSize !== d.quorumSize) out['quorum-size'] = o.quorumSize;
  if (s.strategy === 'keep-oldest' && o.downIfAlone !== d.downIfAlone) out['down-if-alone'] = o.downIfAlone;
  if (o.role !== '') out.role = o.role;
  if (o.acquireLeaseDelayForMinorityMs !== d.acquireLeaseDelayForMinorityMs) {
    out['acquire-lease-delay-for-minority'] = formatDuration(o.acquireLeaseDelayForMinorityMs);
  }
  if (o.releaseAfterMs !== d.releaseAfterMs) out['release-after'] = formatDuration(o.releaseAfterMs);
  return out;
}

function formatStep(s: Step): Record<string, unknown> {
  const at = formatDuration(s.atMs);
  if ('start' in s) return { at, start: s.start };
  if ('block' in s) return { at, block: s.block };
  if ('unblock' in s) return { at, unblock: s.unblock };
  if ('partition' in s) return { at, partition: s.partition };
  if ('heal' in s) return { at, heal: true };
  if ('crash' in s) return { at, crash: s.crash };
  if ('restart' in s) return { at, restart: s.restart };
  if ('leave' in s) return { at, leave: s.leave };
  if ('pause' in s) return { at, pause: { node: s.pause.node, for: formatDuration(s.pause.forMs) } };
  return { at, faults: formatFaults(s.faults) };
}

/** The scenario as a file value (parseScenario(toJson(s)) gives s back). */
export function scenarioToJson(s: Scenario): Record<string, unknown> {
  const settings = formatSettings(s);
  const same = JSON.stringify(s.faults) === JSON.stringify(NO_FAULTS);
  return {
    nodes: s.nodes,
    strategy: s.strategy,
    ...(Object.keys(settings).length > 0 ? { settings } : {}),
    seed: s.seed,
    ...(same ? {} : { faults: formatFaults(s.faults) }),
    steps: s.steps.map(formatStep),
    until: formatDuration(s.untilMs),
  };
}

/** One line per step, for compact scenario files. */
export function formatScenarioFile(s: Scenario, comment?: string): string {
  const j = scenarioToJson(s);
  const steps = (j.steps as unknown[]).map((x) => `    ${JSON.stringify(x)}`).join(',\n');
  const { steps: _steps, until, ...rest } = j;
  const head = { ...(comment ? { comment } : {}), ...rest };
  const lines = Object.entries(head).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return `{\n${lines.join(',\n')},\n  "steps": [\n${steps}\n  ],\n  "until": ${JSON.stringify(until)}\n}\n`;
}
