// A precomputed, resolved copy of the reference layer (reference.conf and reference/*.conf), so
// that start-up does not pay for parsing ~20 KB of HOCON with a slow parser. It is only used
// while it provably matches the files (content hashes) and the reference layer has no
// substitutions other than whole-value `${?ENV}` fields, which are replayed against the
// environment at load time. Otherwise the loader takes the full path.
//
// Regenerate after editing any reference file:
//   node --import tsx src/config/reference-snapshot.ts      (or node dist/config/reference-snapshot.js)
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { parseHocon, type FieldRecord } from './hocon.js';

export interface ReferenceSnapshot {
  readonly version: 1;
  /** Relative path -> sha256 of every reference file at the time of the snapshot. */
  readonly files: Readonly<Record<string, string>>;
  /** The resolved reference tree with no environment variables set. */
  readonly tree: Record<string, unknown>;
  /** Last writer of every path: [segments, file relative to the package root, line]. */
  readonly origins: ReadonlyArray<readonly [readonly string[], string, number]>;
  /** Whole-value `${?NAME}` fields in document order: [segments, NAME]. */
  readonly envFields: ReadonlyArray<readonly [readonly string[], string]>;
}

export const SNAPSHOT_FILE = path.join('reference', 'snapshot.json');

/** Names that can only be environment variables (never a path into the reference tree). */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** sha256 of reference.conf and every reference/*.conf under `root`. */
export function referenceHashes(root: string): Record<string, string> {
  const files = ['reference.conf'];
  const dir = path.join(root, 'reference');
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.conf')) files.push(path.join('reference', f));
  }
  const out: Record<string, string> = {};
  for (const rel of files) {
    const abs = path.join(root, rel);
    if (existsSync(abs)) out[rel] = createHash('sha256').update(readFileSync(abs)).digest('hex');
  }
  return out;
}

/** The tree with the environment applied: later set variables win, unset ones change nothing. */
export function treeFor(snapshot: ReferenceSnapshot, env: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
  const tree = structuredClone(snapshot.tree);
  for (const [segments, name] of snapshot.envFields) {
    const value = env[name];
    if (value !== undefined) setPath(tree, segments, value);
  }
  return tree;
}

/** Set a value at a path, replacing any non-object on the way (as a HOCON path assignment does). */
export function setPath(tree: Record<string, unknown>, segments: readonly string[], value: unknown): void {
  let cur = tree;
  segments.forEach((s, i) => {
    if (i === segments.length - 1) {
      cur[s] = value;
      return;
    }
    const next = Object.prototype.hasOwnProperty.call(cur, s) ? cur[s] : undefined;
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[s] = {};
    cur = cur[s] as Record<string, unknown>;
  });
}

function lastWriters(fields: readonly FieldRecord[]): FieldRecord[] {
  const latest = new Map<string, FieldRecord>();
  for (const f of fields) {
    if (f.unset) continue;
    const key = f.path.join('\u0000');
    const prev = latest.get(key);
    if (!prev || prev.seq <= f.seq) latest.set(key, f);
  }
  return [...latest.values()].sort((a, b) => a.seq - b.seq);
}

/**
 * Resolve the reference layer and describe it as a snapshot, or return null when the layer
 * cannot be captured exactly (a substitution that refers to configuration, `+=`, a file outside
 * reference/, or an environment variable used in anything but a whole value).
 */
export async function buildReferenceSnapshot(root: string): Promise<ReferenceSnapshot | null> {
  const text = `include required(file(${JSON.stringify(path.join(root, 'reference.conf'))}))`;
  const plain = await parseHocon({ text, env: {} });
  const rootKeys = new Set(Object.keys(plain.value));
  if (plain.substitutions.some((s) => s.selfAppend || !ENV_NAME.test(s.key) || rootKeys.has(s.key))) return null;

  const refDir = path.join(root, 'reference') + path.sep;
  const mainFile = path.join(root, 'reference.conf');
  const origins: Array<readonly [readonly string[], string, number]> = [];
  for (const f of lastWriters(plain.fields)) {
    const file = f.site.url?.startsWith('file:') ? fileURLToPath(f.site.url) : undefined;
    if (!file || (file !== mainFile && !file.startsWith(refDir))) return null;
    origins.push([f.path, path.relative(root, file), f.site.line]);
  }
  const seen = new Set<number>();
  const envFields: Array<readonly [readonly string[], string]> = [];
  for (const f of [...plain.fields].sort((a, b) => a.seq - b.seq)) {
    if (f.site.substitution === undefined || seen.has(f.seq)) continue;
    seen.add(f.seq);
    envFields.push([f.path, f.site.substitution]);
  }
  const snapshot: ReferenceSnapshot = { version: 1, files: referenceHashes(root), tree: plain.value, origins, envFields };

  // Prove the replay: resolve again with every variable set to a distinct value and compare.
  const probeEnv: Record<string, string> = {};
  for (const s of plain.substitutions) probeEnv[s.key] = `probe-${s.key}-${s.key.length}`;
  const probed = await parseHocon({ text, env: probeEnv });
  return isDeepStrictEqual(probed.value, treeFor(snapshot, probeEnv)) ? snapshot : null;
}

let memo: { readonly key: string; readonly snapshot: ReferenceSnapshot | null } | undefined;

/** The stored snapshot when it matches the current reference files, else null. */
export function currentSnapshot(root: string): ReferenceSnapshot | null {
  const hashes = referenceHashes(root);
  const file = path.join(root, SNAPSHOT_FILE);
  const stamp = existsSync(file) ? (({ mtimeMs, size }) => `${mtimeMs}:${size}`)(statSync(file)) : 'none';
  const key = `${root}\u0000${stamp}\u0000${JSON.stringify(hashes)}`;
  if (memo?.key === key) return memo.snapshot;
  let snapshot: ReferenceSnapshot | null = null;
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as ReferenceSnapshot;
    if (stored.version === 1 && isDeepStrictEqual(stored.files, hashes)) snapshot = stored;
  } catch {
    snapshot = null; // missing or unreadable: the loader takes the full path
  }
  memo = { key, snapshot };
  return snapshot;
}

/** Write the snapshot file; returns false when the reference layer cannot be captured. */
export async function writeReferenceSnapshot(root: string): Promise<boolean> {
  const snapshot = await buildReferenceSnapshot(root);
  if (!snapshot) return false;
  writeFileSync(path.join(root, SNAPSHOT_FILE), JSON.stringify(snapshot) + '\n');
  return true;
}

// Run as a script (not when bundled into another entry point, where import.meta.url is the bundle's).
if (process.argv[1] && /reference-snapshot\.[jt]s$/.test(process.argv[1]) && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const ok = await writeReferenceSnapshot(root);
  process.stdout.write(ok ? `wrote ${SNAPSHOT_FILE}\n` : 'reference layer cannot be snapshotted; loads take the full path\n');
  process.exitCode = ok ? 0 : 1;
}
