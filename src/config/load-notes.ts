// What a load noticed but did not fail on: includes that found nothing, akka.* settings, the
// system name taken from the seed nodes. The loader applies the rewrites to the resolved tree
// before it becomes a Config, and keeps the notes with that Config so that start-up,
// check-config and discover can print them (see compat.ts).
import type { Config, Origin } from './types.js';
import { formatOrigin, originKey } from './config.js';
import { parseBoolean } from './units.js';

/** One finding, with the key and the place it is about. */
export interface ConfigNote {
  /** A stable kind, so callers and tests can tell findings apart. */
  readonly kind: 'missing-include' | 'akka-namespace' | 'akka-read-as-pekko' | 'system-name-from-seed-nodes';
  readonly key?: string;
  readonly origin?: Origin;
  readonly message: string;
}

const notesOf = new WeakMap<Config, readonly ConfigNote[]>();

export function recordNotes(config: Config, notes: readonly ConfigNote[]): void {
  if (notes.length > 0) notesOf.set(config, notes);
}

/** The notes the load of this configuration produced (none for configurations built in code). */
export function loadNotes(config: Config): readonly ConfigNote[] {
  return notesOf.get(config) ?? [];
}

type Tree = Record<string, unknown>;
type Origins = Map<string, Origin>;

function isObject(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function valueAt(tree: Tree, segments: readonly string[]): unknown {
  let cur: unknown = tree;
  for (const s of segments) {
    if (!isObject(cur) || !Object.prototype.hasOwnProperty.call(cur, s)) return undefined;
    cur = cur[s];
  }
  return cur;
}

function setAt(tree: Tree, segments: readonly string[], value: unknown): void {
  let cur = tree;
  for (const s of segments.slice(0, -1)) {
    const next = Object.prototype.hasOwnProperty.call(cur, s) ? cur[s] : undefined;
    if (!isObject(next)) cur[s] = {};
    cur = cur[s] as Tree;
  }
  cur[segments.at(-1)!] = value;
}

function isOn(tree: Tree, segments: readonly string[]): boolean {
  const v = valueAt(tree, segments);
  if (v === undefined || v === null) return false;
  try {
    return parseBoolean(v) === true;
  } catch {
    return false; // validate.ts reports the bad value with its origin
  }
}

/** Leaf paths under `root` (lists are leaves), in tree order. */
function leaves(value: unknown, prefix: readonly string[]): string[][] {
  if (!isObject(value)) return [[...prefix]];
  return Object.entries(value).flatMap(([k, v]) => leaves(v, [...prefix, k]));
}

/** Akka names that Pekko renamed, applied to values read as pekko.* (class names, schemes, methods). */
function pekkoValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(pekkoValue);
  if (typeof v !== 'string') return v;
  if (v === 'akka-dns') return 'pekko-dns';
  if (v.startsWith('akka://')) return `pekko://${v.slice('akka://'.length)}`;
  if (/^akka\.[a-z]/.test(v)) return `org.apache.pekko.${v.slice('akka.'.length)}`;
  return v;
}

const pekkoSegment = (s: string) => (s === 'akka-dns' ? 'pekko-dns' : s);

/**
 * akka.* settings: with muster.accept-akka-namespace = on they are read as pekko.* (a pekko key
 * the application set itself wins); otherwise one note names them and what to rename.
 */
export function applyAkkaNamespace(tree: Tree, origins: Origins): ConfigNote[] {
  const akka = tree.akka;
  if (!isObject(akka)) return [];
  const paths = leaves(akka, ['akka']).filter((p) => origins.get(originKey(p))?.kind !== 'reference');
  if (paths.length === 0) return [];
  const first = origins.get(originKey(paths[0]!));
  const shown = paths.slice(0, 8).map((p) => p.join('.'));
  const more = paths.length > shown.length ? ` and ${paths.length - shown.length} more` : '';
  if (!isOn(tree, ['muster', 'accept-akka-namespace'])) {
    return [
      {
        kind: 'akka-namespace',
        key: paths[0]!.join('.'),
        ...(first ? { origin: first } : {}),
        message:
          `${paths.length} akka.* setting(s) found (${shown.join(', ')}${more}; first at ${formatOrigin(first)}); ` +
          'Muster reads pekko.* only, so they have no effect: rename akka. to pekko. (akka-dns to pekko-dns, akka:// to pekko://), ' +
          'or set muster.accept-akka-namespace = on to read them as pekko.*',
      },
    ];
  }
  let applied = 0;
  for (const p of paths) {
    const target = ['pekko', ...p.slice(1).map(pekkoSegment)];
    const own = origins.get(originKey(target));
    if (own !== undefined && own.kind !== 'reference') continue; // pekko.* set by the application wins
    setAt(tree, target, pekkoValue(valueAt(tree, p)));
    const o = origins.get(originKey(p));
    if (o) {
      origins.delete(originKey(target));
      origins.set(originKey(target), o);
    }
    applied++;
  }
  return [
    {
      kind: 'akka-read-as-pekko',
      key: 'muster.accept-akka-namespace',
      message: `muster.accept-akka-namespace = on: read ${applied} of ${paths.length} akka.* setting(s) as pekko.* (the others are also set as pekko.*, which wins)`,
    },
  ];
}

const SYSTEM_NAME = ['muster', 'system-name'];
const SEED_NODES = ['pekko', 'cluster', 'seed-nodes'];

/** The actor-system names in seed-node addresses (`pekko://NAME@host:port`), in order. */
export function seedNodeSystems(seeds: unknown): string[] {
  if (!Array.isArray(seeds)) return [];
  return seeds.flatMap((s) => {
    const m = typeof s === 'string' ? /^[a-z]+:\/\/([^@/]+)@/.exec(s.trim()) : null;
    return m ? [m[1]!] : [];
  });
}

/**
 * Pekko names the actor system in code, so its configs do not carry it. When neither the config
 * nor $MUSTER_SYSTEM_NAME set muster.system-name and every seed node names the same system, that
 * system is used.
 */
export function deriveSystemName(tree: Tree, origins: Origins): ConfigNote[] {
  const own = origins.get(originKey(SYSTEM_NAME));
  if (own !== undefined && own.kind !== 'reference') return [];
  const systems = [...new Set(seedNodeSystems(valueAt(tree, SEED_NODES)))];
  if (systems.length !== 1) return [];
  const seedOrigin = origins.get(originKey(SEED_NODES));
  setAt(tree, SYSTEM_NAME, systems[0]);
  if (seedOrigin) {
    origins.delete(originKey(SYSTEM_NAME));
    origins.set(originKey(SYSTEM_NAME), seedOrigin);
  }
  return [
    {
      kind: 'system-name-from-seed-nodes',
      key: 'muster.system-name',
      ...(seedOrigin ? { origin: seedOrigin } : {}),
      message: `muster.system-name is [${systems[0]}], taken from pekko.cluster.seed-nodes (${formatOrigin(seedOrigin)})`,
    },
  ];
}
