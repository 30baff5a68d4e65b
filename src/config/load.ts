// Loads configuration the way Lightbend Config's default load does: reference.conf (ours), then
// the application config (--config FILE, -Dconfig.file=FILE, or ./application.conf when present),
// then -Dpath=value overrides. Everything is merged first and substitutions are resolved once,
// with environment variables as the fallback for ${...} and ${?...}.
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { ConfigError, type Config, type Origin } from './types.js';
import { HoconError, parseHocon, type FieldRecord } from './hocon.js';
import { ResolvedConfig, originKey } from './config.js';
import { parsePath, renderPath } from './path.js';

export { configFromObject } from './config.js';

export interface LoadOptions {
  /** Application config file (like --config FILE). Missing file is an error. */
  configFile?: string;
  /** Application config as text instead of a file (relative includes resolve against cwd). */
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

/** Strip a root `{ ... }` so the text can be placed between other layers. */
function unbrace(text: string): string {
  const t = text.trim();
  if (t.startsWith('{') && t.endsWith('}')) {
    const start = text.indexOf('{');
    const end = text.lastIndexOf('}');
    return text.slice(0, start) + ' ' + text.slice(start + 1, end) + ' ' + text.slice(end + 1);
  }
  return text;
}

/**
 * The application config file a load uses: --config FILE, else -Dconfig.file=FILE, else
 * ./application.conf when present (and no inline text was given). A named file must exist.
 */
export function applicationFile(options: LoadOptions = {}): string | undefined {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const fromOverride = parseOverrides(options.overrides).filter((o) => renderPath(o.segments) === 'config.file').at(-1)?.value;
  const explicit = options.configFile ?? fromOverride;
  if (explicit !== undefined) {
    const file = path.resolve(cwd, explicit);
    if (!existsSync(file) || !statSync(file).isFile()) throw new ConfigError(`config file ${file} was not found`);
    return file;
  }
  const implicit = path.join(cwd, 'application.conf');
  return options.applicationText === undefined && existsSync(implicit) ? implicit : undefined;
}

export async function loadConfig(options: LoadOptions = {}): Promise<Config> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;
  const overrides = parseOverrides(options.overrides);
  const overrideOf = (key: string) => overrides.filter((o) => renderPath(o.segments) === key).at(-1)?.value;

  const appFile = applicationFile(options);

  // The root text: one line per file layer, the inline application text, then one line per override.
  const lines: string[] = [];
  if (options.withReference !== false) lines.push(`include required(file(${JSON.stringify(referenceFile)}))`);
  if (appFile) lines.push(`include required(file(${JSON.stringify(appFile)}))`);
  const appTextFirstLine = lines.length + 1;
  const appTextLines = options.applicationText !== undefined ? unbrace(options.applicationText).split('\n') : [];
  lines.push(...appTextLines);
  const overrideFirstLine = lines.length + 1;
  for (const o of overrides) lines.push(`${renderPath(o.segments)} = ${JSON.stringify(o.value)}`);

  const rootSite = (line: number | undefined): Origin | undefined => {
    if (line === undefined) return undefined;
    if (line >= overrideFirstLine && line < overrideFirstLine + overrides.length) {
      return { kind: 'cli', arg: overrides[line - overrideFirstLine]!.arg };
    }
    if (line >= appTextFirstLine && line < appTextFirstLine + appTextLines.length) {
      return { kind: 'file', file: '<application text>', line: line - appTextFirstLine + 1 };
    }
    return undefined;
  };
  const fileOrigin = (url: string | undefined, line: number | undefined): Origin | undefined => {
    if (!url) return rootSite(line);
    const file = url.startsWith('file:') ? fileURLToPath(url) : url;
    const kind = file === referenceFile || file.startsWith(path.join(packageRoot, 'reference') + path.sep) ? 'reference' : 'file';
    return { kind, file: displayFile(file, cwd), ...(line !== undefined ? { line } : {}) };
  };

  const allowUrlIncludes = options.allowUrlIncludes ?? isOn(overrideOf('muster.hocon.allow-url-includes'));
  let result;
  try {
    result = await parseHocon({ text: lines.join('\n'), env, allowUrlIncludes });
  } catch (e) {
    if (e instanceof HoconError) throw toConfigError(e, fileOrigin);
    throw e;
  }

  const origins = buildOrigins(result.fields, result.value, env, fileOrigin);
  return new ResolvedConfig(result.value, origins);
}

function toConfigError(e: HoconError, fileOrigin: (url: string | undefined, line: number | undefined) => Origin | undefined): ConfigError {
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
  fileOrigin: (url: string | undefined, line: number | undefined) => Origin | undefined,
): Map<string, Origin> {
  // Resolution runs in passes, so a field can be seen more than once: the last writer in
  // document order wins, as in HOCON.
  const latest = new Map<string, FieldRecord>();
  for (const f of fields) {
    const key = originKey(f.path);
    const prev = latest.get(key);
    if (!prev || prev.seq <= f.seq) latest.set(key, f);
  }
  const origins = new Map<string, Origin>();
  for (const [key, f] of latest) {
    const name = f.site.substitution;
    if (name !== undefined && env[name] !== undefined && !Object.prototype.hasOwnProperty.call(root, name)) {
      const value = valueAt(root, f.path);
      if (value === env[name]) {
        origins.set(key, { kind: 'env', name });
        continue;
      }
    }
    const o = fileOrigin(f.site.url, f.site.line);
    if (o) origins.set(key, o);
  }
  return origins;
}

function valueAt(root: Record<string, unknown>, segments: readonly string[]): unknown {
  let cur: unknown = root;
  for (const s of segments) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    cur = Object.prototype.hasOwnProperty.call(cur, s) ? (cur as Record<string, unknown>)[s] : undefined;
  }
  return cur;
}
