// Loads configuration the way Lightbend Config's default load does: reference.conf (ours), then
// the application config (--config FILE, -Dconfig.file=FILE, or ./application.conf when present),
// then -Dpath=value overrides. Everything is merged first and substitutions are resolved once,
// with environment variables as the fallback for ${...} and ${?...}.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { ConfigError, type Config, type Origin } from './types.js';
import { FORBIDDEN_KEYS, HoconError, parseHocon, type FieldRecord, type MissingInclude } from './hocon.js';
import { applyAkkaNamespace, deriveSystemName, recordNotes, type ConfigNote } from './load-notes.js';
import { currentSnapshot, ENV_NAME, setPath, treeFor } from './reference-snapshot.js';
import { ResolvedConfig, formatOrigin, originKey } from './config.js';
import { parsePath, renderPath } from './path.js';
import { chooseApplicationFile, javaOptsOverrides, resourceDirs } from './config-source.js';

export { configFromObject } from './config.js';

export interface LoadOptions {
  /** Application config file (like --config FILE). Missing file is an error. */
  configFile?: string;
  /** Application config as text instead of a file (its relative includes resolve against the process working directory). */
  applicationText?: string;
  /** -Dpath=value overrides: a map, or the `-Dk=v` / `k=v` strings of a command line. */
  overrides?: Record<string, string> | string[];
  /** Environment used for ${...} fallbacks; process.env when omitted. */
  env?: NodeJS.ProcessEnv;
  /** Directory searched for application.conf and used for relative paths; process.cwd() by default. */
  cwd?: string;
  /** Include Muster's reference.conf (default true). */
  withReference?: boolean;
  /** Allow `include url(...)`; also enabled by the override muster.hocon.allow-url-includes=on. */
  allowUrlIncludes?: boolean;
  /**
   * Use the stored reference snapshot when it is exact (default true). false always parses
   * every layer; the results are the same, only slower.
   */
  fastPath?: boolean;
}

/** Root of the package: the folder holding reference.conf (same from src/ and dist/). */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const referenceFile = path.join(packageRoot, 'reference.conf');

interface Override {
  readonly segments: string[];
  readonly value: string;
  readonly arg: string;
}

export function parseOverrides(overrides: LoadOptions['overrides']): Override[] {
  if (!overrides) return [];
  const entries: Array<[string, string, string]> = Array.isArray(overrides)
    ? overrides.map((raw) => {
        const body = raw.startsWith('-D') ? raw.slice(2) : raw;
        const eq = body.indexOf('=');
        if (eq <= 0) throw new ConfigError(`invalid override '${raw}': expected -Dpath=value`);
        return [body.slice(0, eq), body.slice(eq + 1), raw];
      })
    : Object.entries(overrides).map(([k, v]) => [k, v, `-D${k}=${v}`]);
  return entries.map(([k, v, arg]) => {
    let segments: string[];
    try {
      segments = parsePath(k.trim());
    } catch {
      throw new ConfigError(`invalid override '${arg}': '${k}' is not a valid path`);
    }
    const bad = segments.find((seg) => FORBIDDEN_KEYS.has(seg));
    if (bad !== undefined) throw new ConfigError(`invalid override '${arg}': key '${bad}' is not allowed in configuration`);
    return { segments, value: v, arg };
  });
}

function isOn(value: string | undefined): boolean {
  return value !== undefined && ['on', 'true', 'yes'].includes(value.trim());
}

function displayFile(file: string, cwd: string): string {
  if (file === referenceFile || file.startsWith(path.join(packageRoot, 'reference') + path.sep)) {
    return path.relative(packageRoot, file);
  }
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/**
 * Strip a root `{ ... }` so inline text can sit between other layers. Comment lines before and
 * after the braces are allowed; only inline text needs this (files are parsed on their own).
 */
function unbrace(text: string): string {
  const lines = text.split('\n');
  const isComment = (l: string) => {
    const t = l.trim();
    return t === '' || t.startsWith('#') || t.startsWith('//');
  };
  const first = lines.findIndex((l) => !isComment(l));
  let last = lines.length - 1;
  while (last >= 0 && isComment(lines[last]!)) last--;
  if (first < 0) return text;
  const open = lines[first]!.indexOf('{');
  if (open < 0 || lines[first]!.slice(0, open).trim() !== '') return text;
  const tail = /^(.*)\}\s*(?:(?:#|\/\/).*)?$/.exec(lines[last]!);
  if (!tail || (first === last && tail[1]!.length <= open)) return text;
  const out = [...lines];
  out[last] = tail[1]!;
  out[first] = out[first]!.slice(0, open) + ' ' + out[first]!.slice(open + 1);
  return out.join('\n');
}

/**
 * The application config file a load uses: --config FILE, -Dconfig.file, -Dconfig.resource or
 * -Dconfig.url (see config-source.ts), else ./application.conf when present (and no inline text
 * was given). A named file must exist.
 */
export function applicationFile(options: LoadOptions = {}): string | undefined {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;
  const overrides = allOverrides(options, env);
  const last = (key: string) => overrides.filter((o) => renderPath(o.segments) === key).at(-1)?.value;
  return chooseApplicationFile({
    configFile: options.configFile,
    props: { file: last('config.file'), resource: last('config.resource'), url: last('config.url') },
    cwd,
    env,
    hasText: options.applicationText !== undefined,
  });
}

/** -D options from $JAVA_OPTS first, then the given ones (later wins). */
function allOverrides(options: LoadOptions, env: NodeJS.ProcessEnv): Override[] {
  return [...parseOverrides(javaOptsOverrides(env)), ...parseOverrides(options.overrides)];
}

interface Layers {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly overrides: readonly Override[];
  readonly appFile: string | undefined;
  readonly resourceDirs: readonly string[];
  readonly appTextLines: readonly string[];
  readonly allowUrlIncludes: boolean;
}

type FileOrigin = (url: string | undefined, line: number | undefined) => Origin | undefined;

/**
 * The root text handed to the parser: one include line per file layer, the inline application
 * text, then one line per override; and the mapping from its lines back to origins.
 */
function rootText(layers: Layers, withReference: boolean, withOverrides: boolean): { text: string; fileOrigin: FileOrigin } {
  const lines: string[] = [];
  if (withReference) lines.push(`include required(file(${JSON.stringify(referenceFile)}))`);
  if (layers.appFile) lines.push(`include required(file(${JSON.stringify(layers.appFile)}))`);
  const appTextFirstLine = lines.length + 1;
  lines.push(...layers.appTextLines);
  const overrideFirstLine = lines.length + 1;
  const overrides = withOverrides ? layers.overrides : [];
  for (const o of overrides) lines.push(`${renderPath(o.segments)} = ${JSON.stringify(o.value)}`);

  const rootSite = (line: number | undefined): Origin | undefined => {
    if (line === undefined) return undefined;
    if (line >= overrideFirstLine && line < overrideFirstLine + overrides.length) {
      return { kind: 'cli', arg: overrides[line - overrideFirstLine]!.arg };
    }
    if (line >= appTextFirstLine && line < appTextFirstLine + layers.appTextLines.length) {
      return { kind: 'file', file: '<application text>', line: line - appTextFirstLine + 1 };
    }
    return undefined;
  };
  const fileOrigin: FileOrigin = (url, line) => {
    if (!url) return rootSite(line);
    const file = url.startsWith('file:') ? fileURLToPath(url) : url;
    const kind = file === referenceFile || file.startsWith(path.join(packageRoot, 'reference') + path.sep) ? 'reference' : 'file';
    return { kind, file: displayFile(file, layers.cwd), ...(line !== undefined ? { line } : {}) };
  };
  return { text: lines.join('\n'), fileOrigin };
}

export async function loadConfig(options: LoadOptions = {}): Promise<Config> {
  const layers = layersOf(options);
  if (options.withReference !== false && options.fastPath !== false) {
    const fast = await loadOverSnapshot(layers);
    if (fast) return fast;
  }
  return loadFull(layers, options.withReference !== false);
}

/**
 * The snapshot-based load alone: the Config, or undefined when the fast path does not apply
 * (stale or missing snapshot, or an application layer that needs the full resolution).
 */
export async function loadConfigOverSnapshot(options: LoadOptions = {}): Promise<Config | undefined> {
  return loadOverSnapshot(layersOf(options));
}

function layersOf(options: LoadOptions): Layers {
  const env = options.env ?? process.env;
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const overrides = allOverrides(options, env);
  const overrideOf = (key: string) => overrides.filter((o) => renderPath(o.segments) === key).at(-1)?.value;
  const appFile = applicationFile(options);
  return {
    cwd,
    env,
    overrides,
    appFile,
    // `include classpath(...)` looks next to the application file first, then in the resource dirs.
    resourceDirs: [...new Set([...(appFile ? [path.dirname(appFile)] : []), ...resourceDirs(cwd, env)])],
    appTextLines: options.applicationText !== undefined ? unbrace(options.applicationText).split('\n') : [],
    allowUrlIncludes: options.allowUrlIncludes ?? isOn(overrideOf('muster.hocon.allow-url-includes')),
  };
}

/** Merge everything into one text and resolve it once: exact in every case. */
async function loadFull(layers: Layers, withReference: boolean): Promise<Config> {
  const { text, fileOrigin } = rootText(layers, withReference, true);
  let result;
  try {
    result = await parseHocon({ text, env: layers.env, allowUrlIncludes: layers.allowUrlIncludes, resourceDirs: layers.resourceDirs });
  } catch (e) {
    if (e instanceof HoconError) throw toConfigError(e, fileOrigin);
    throw e;
  }
  return finish(result.value, buildOrigins(result.fields, result.value, layers.env, fileOrigin), result.missingIncludes, fileOrigin);
}

/** Applies the load-time rewrites (akka.*, system name) and keeps the notes with the Config. */
function finish(tree: Record<string, unknown>, origins: Map<string, Origin>, missing: readonly MissingInclude[], fileOrigin: FileOrigin): Config {
  const notes: ConfigNote[] = [];
  const seen = new Set<string>();
  for (const m of missing) {
    const where = fileOrigin(m.url, m.line);
    if (where?.kind === 'reference') continue; // Muster's own optional parts
    const text = `include ${m.include} (${formatOrigin(where)}) found nothing`;
    if (seen.has(text)) continue;
    seen.add(text);
    notes.push({
      kind: 'missing-include',
      ...(where ? { origin: where } : {}),
      message:
        `${text}; Lightbend skips a missing include silently, so its settings are simply absent. ` +
        'If it comes from a JVM library, copy the settings you need into your config (resource directories: see docs/compatibility.md)',
    });
  }
  notes.push(...applyAkkaNamespace(tree, origins), ...deriveSystemName(tree, origins));
  const config = new ResolvedConfig(tree, origins);
  recordNotes(config, notes);
  return config;
}

/**
 * The same result without re-parsing the reference layer: resolve the application layer alone
 * and merge it over the stored reference snapshot, then apply the overrides. Only taken when
 * that is provably equivalent: the application layer's substitutions all name environment
 * variables (no config paths, no `+=`), and it never turns a plain value into an object (which
 * would hide reference keys that a merge would keep). Returns undefined to take the full path.
 */
async function loadOverSnapshot(layers: Layers): Promise<Config | undefined> {
  const snapshot = currentSnapshot(packageRoot);
  if (!snapshot) return undefined;
  const { text, fileOrigin } = rootText(layers, false, false);
  let app;
  try {
    app = await parseHocon({ text, env: layers.env, allowUrlIncludes: layers.allowUrlIncludes, resourceDirs: layers.resourceDirs });
  } catch {
    return undefined; // the full path reports the error with every layer in view
  }
  const configRoots = new Set([...Object.keys(snapshot.tree), ...Object.keys(app.value), ...layers.overrides.map((o) => o.segments[0]!)]);
  if (app.substitutions.some((s) => s.selfAppend || !ENV_NAME.test(s.key) || configRoots.has(s.key))) return undefined;
  if (snapshot.envFields.some(([, name]) => configRoots.has(name))) return undefined;
  if (replacesValueWithObject(app.fields)) return undefined;

  const tree = treeFor(snapshot, layers.env);
  mergeInto(tree, app.value);
  for (const o of layers.overrides) setPath(tree, o.segments, o.value);

  const origins = new Map<string, Origin>();
  for (const [segments, file, line] of snapshot.origins) setRecent(origins, originKey(segments), { kind: 'reference', file, line });
  for (const [segments, name] of snapshot.envFields) {
    if (layers.env[name] !== undefined) setRecent(origins, originKey(segments), { kind: 'env', name });
  }
  for (const [key, origin] of buildOrigins(app.fields, tree, layers.env, fileOrigin)) setRecent(origins, key, origin);
  for (const o of layers.overrides) setRecent(origins, originKey(o.segments), { kind: 'cli', arg: o.arg });
  return finish(tree, origins, app.missingIncludes, fileOrigin);
}

/** True when a field sets a plain value and a later field puts an object at or below it. */
function replacesValueWithObject(fields: readonly FieldRecord[]): boolean {
  const plainAt = new Map<string, number>();
  for (const f of fields) {
    if (f.unset || f.object) continue;
    const key = originKey(f.path);
    plainAt.set(key, Math.min(plainAt.get(key) ?? Infinity, f.seq));
  }
  return fields.some((f) => {
    if (f.unset) return false;
    for (let n = f.object ? f.path.length : f.path.length - 1; n > 0; n--) {
      const first = plainAt.get(originKey(f.path.slice(0, n)));
      // Fields of objects inside a list (`endpoints = [{ host = ... }]`) are part of that value.
      if (first !== undefined && first < f.seq && !(n < f.path.length && /^\d+$/.test(f.path[n]!))) return true;
    }
    return false;
  });
}

/** HOCON object merge: objects merge key by key, anything else replaces. */
function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(source)) {
    const cur = Object.prototype.hasOwnProperty.call(target, k) ? target[k] : undefined;
    if (isPlainObject(cur) && isPlainObject(v)) mergeInto(cur, v);
    else target[k] = structuredClone(v);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toConfigError(e: HoconError, fileOrigin: FileOrigin): ConfigError {
  const origin = fileOrigin(e.url, e.line);
  let where = '';
  if (origin?.kind === 'cli') where = `${origin.arg}: `;
  else if (origin && (origin.kind === 'file' || origin.kind === 'reference')) {
    where = `${origin.file}${origin.line !== undefined ? `:${origin.line}` : ''}${e.col !== undefined ? `:${e.col}` : ''}: `;
  }
  return new ConfigError(`${where}${e.message}`, e.kind === 'substitution' ? e.detail : undefined, origin);
}

function buildOrigins(
  fields: readonly FieldRecord[],
  root: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  fileOrigin: FileOrigin,
): Map<string, Origin> {
  // Resolution runs in passes, so a field can be seen more than once: the last writer in
  // document order wins, as in HOCON.
  const latest = new Map<string, FieldRecord>();
  for (const f of fields) {
    if (f.unset) continue;
    const key = originKey(f.path);
    const prev = latest.get(key);
    if (!prev || prev.seq <= f.seq) latest.set(key, f);
  }
  // Inserted in document order: the origin index reads insertion order as recency.
  const origins = new Map<string, Origin>();
  for (const [key, f] of [...latest].sort((a, b) => a[1].seq - b[1].seq)) {
    const name = f.site.substitution;
    if (name !== undefined && env[name] !== undefined && !Object.prototype.hasOwnProperty.call(root, name)) {
      const value = valueAt(root, f.path);
      if (value === env[name]) {
        setRecent(origins, key, { kind: 'env', name });
        continue;
      }
    }
    const o = fileOrigin(f.site.url, f.site.line);
    if (o) setRecent(origins, key, o);
  }
  return origins;
}

/** Set so that the entry becomes the most recent one (Map keeps first-insertion order). */
function setRecent(origins: Map<string, Origin>, key: string, origin: Origin): void {
  origins.delete(key);
  origins.set(key, origin);
}

function valueAt(root: Record<string, unknown>, segments: readonly string[]): unknown {
  let cur: unknown = root;
  for (const s of segments) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    cur = Object.prototype.hasOwnProperty.call(cur, s) ? (cur as Record<string, unknown>)[s] : undefined;
  }
  return cur;
}
