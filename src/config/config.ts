// The resolved, immutable configuration tree with Lightbend-style typed getters. Every failed
// conversion raises a ConfigError naming the key, the value, the expected type and the origin.
import { ConfigError, type Config, type DurationOptions, type Origin } from './types.js';
import { parsePath, renderPath } from './path.js';
import { describeValue, parseBoolean, parseBytes, parseDurationMs, parseNumber } from './units.js';

/**
 * Path (segments joined by NUL) -> origin of the value set there, in the order the values were
 * set: a later entry is more recent.
 */
export type OriginIndex = ReadonlyMap<string, Origin>;

const SEP = '\u0000';
export const originKey = (segments: readonly string[]): string => segments.join(SEP);

export function formatOrigin(origin: Origin | undefined): string {
  if (!origin) return 'unknown origin';
  switch (origin.kind) {
    case 'file':
    case 'reference':
      return origin.line !== undefined ? `${origin.file}:${origin.line}` : origin.file;
    case 'env':
      return `env ${origin.name}`;
    case 'cli':
      return `command line ${origin.arg}`;
    case 'code':
      return 'code';
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

export class ResolvedConfig implements Config {
  constructor(
    private readonly root: Record<string, unknown>,
    private readonly origins: OriginIndex,
    private readonly prefix: readonly string[] = [],
  ) {}

  private lookup(path: string): { segments: string[]; value: unknown } {
    const segments = parsePath(path);
    let cur: unknown = this.root;
    for (const s of segments) {
      if (!isObject(cur)) return { segments, value: undefined };
      cur = own(cur, s);
    }
    return { segments, value: cur };
  }

  private fullName(segments: readonly string[]): string {
    return renderPath([...this.prefix, ...segments]);
  }

  private fail(path: string, value: unknown, expected: string): never {
    const segments = parsePath(path);
    const origin = this.originOf(segments);
    const name = this.fullName(segments);
    if (value === undefined) {
      throw new ConfigError(`${name}: missing, expected ${expected}`, name, origin);
    }
    throw new ConfigError(
      `${name}: expected ${expected}, got ${describeValue(value)} (set at ${formatOrigin(origin)})`,
      name,
      origin,
    );
  }

  private required(path: string, expected: string): unknown {
    const { value } = this.lookup(path);
    if (value === undefined || value === null) this.fail(path, value === null ? null : undefined, expected);
    return value;
  }

  has(path: string): boolean {
    const v = this.lookup(path).value;
    return v !== undefined && v !== null;
  }

  getValue(path: string): unknown {
    return structuredClone(this.lookup(path).value);
  }

  getString(path: string): string {
    const v = this.required(path, 'a string');
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return this.fail(path, v, 'a string');
  }

  getNumber(path: string): number {
    const v = this.required(path, 'a number');
    const n = parseNumber(v);
    return n !== undefined ? n : this.fail(path, v, 'a number');
  }

  getInt(path: string): number {
    const v = this.required(path, 'a whole number');
    const n = parseNumber(v);
    return n !== undefined && Number.isSafeInteger(n) ? n : this.fail(path, v, 'a whole number');
  }

  getBoolean(path: string): boolean {
    const v = this.required(path, 'a boolean (true/false/on/off/yes/no)');
    const b = parseBoolean(v);
    return b !== undefined ? b : this.fail(path, v, 'a boolean (true/false/on/off/yes/no)');
  }

  getDurationMs(path: string, options?: DurationOptions): number {
    const expected = durationExpectation(options, false);
    const v = this.required(path, expected);
    if (options?.allowInfinite && isInfinite(v)) return Infinity;
    const ms = parseDurationMs(v);
    return ms !== undefined ? ms : this.fail(path, v, expected);
  }

  getOptionalDurationMs(path: string, options?: DurationOptions): number | undefined {
    const expected = durationExpectation(options, true);
    const v = this.required(path, expected);
    if (v === false || (typeof v === 'string' && v.trim() === 'off')) return undefined;
    if (options?.allowInfinite && isInfinite(v)) return Infinity;
    const ms = parseDurationMs(v);
    return ms !== undefined ? ms : this.fail(path, v, expected);
  }

  getBytes(path: string): number {
    const expected = 'a size in bytes (e.g. 512, 64 KiB, 10 MB)';
    const v = this.required(path, expected);
    const n = parseBytes(v);
    return n !== undefined ? n : this.fail(path, v, expected);
  }

  getStringList(path: string): string[] {
    const expected = 'a list of strings';
    const raw = this.required(path, expected);
    const v = Array.isArray(raw) ? raw : indexedObjectAsList(raw);
    if (!v) return this.fail(path, raw, expected);
    return v.map((item, i) => {
      if (typeof item === 'string') return item;
      if (typeof item === 'number' || typeof item === 'boolean') return String(item);
      return this.fail(`${path}.${i}`, item, 'a string list element');
    });
  }

  getObject(path: string): Record<string, unknown> {
    const v = this.required(path, 'an object');
    return isObject(v) ? structuredClone(v) : this.fail(path, v, 'an object');
  }

  getConfig(path: string): Config {
    const v = this.required(path, 'an object');
    if (!isObject(v)) return this.fail(path, v, 'an object');
    return new ResolvedConfig(v, this.origins, [...this.prefix, ...parsePath(path)]);
  }

  keys(path: string): string[] {
    const v = this.lookup(path).value;
    return isObject(v) ? Object.keys(v) : [];
  }

  private rank: Map<string, number> | undefined;

  /**
   * The most recent assignment at the path or below it (a later `a.b = 2` is where object `a`
   * last changed; an override `list.0 = x` is where `list` came from); failing that, the
   * nearest enclosing assignment.
   */
  private originOf(segments: readonly string[]): Origin | undefined {
    const full = [...this.prefix, ...segments];
    const key = originKey(full);
    if (!this.rank) this.rank = new Map([...this.origins.keys()].map((k, i) => [k, i]));
    let best = this.rank.get(key);
    let bestKey = best === undefined ? undefined : key;
    const below = key + SEP;
    for (const [k, r] of this.rank) {
      if (k.startsWith(below) && (best === undefined || r > best)) {
        best = r;
        bestKey = k;
      }
    }
    if (bestKey !== undefined) return this.origins.get(bestKey);
    for (let n = full.length - 1; n > 0; n--) {
      const o = this.origins.get(originKey(full.slice(0, n)));
      if (o) return o;
    }
    return undefined;
  }

  origin(path: string): Origin | undefined {
    return this.originOf(parsePath(path));
  }

  describeOrigin(path: string): string {
    return formatOrigin(this.origin(path));
  }

  toJSON(): Record<string, unknown> {
    return structuredClone(this.root);
  }
}

/**
 * HOCON's numerically-indexed object to list conversion: `{ "0": a, "1": b }` (what
 * -Dkey.0=a -Dkey.1=b produces) reads as [a, b]; keys that are not indexes are ignored.
 */
function indexedObjectAsList(v: unknown): unknown[] | undefined {
  if (!isObject(v)) return undefined;
  const indexes = Object.keys(v).filter((k) => /^(0|[1-9][0-9]*)$/.test(k));
  if (indexes.length === 0) return undefined;
  return indexes.sort((a, b) => Number(a) - Number(b)).map((k) => v[k]);
}

function isInfinite(v: unknown): boolean {
  return typeof v === 'string' && ['infinite', 'inf', 'Inf', 'Infinite'].includes(v.trim());
}

function durationExpectation(options: DurationOptions | undefined, off: boolean): string {
  const extra = [off ? "'off'" : '', options?.allowInfinite ? "'infinite'" : ''].filter(Boolean);
  return `a duration (e.g. 500ms, 5s, 2 minutes)${extra.length ? ` or ${extra.join(' or ')}` : ''}`;
}

/** A Config over plain data, for tests and programmatic use. */
export function configFromObject(obj: Record<string, unknown>, origin: Origin = { kind: 'code' }): Config {
  const origins = new Map<string, Origin>();
  const walk = (v: unknown, path: string[]): void => {
    if (path.length) origins.set(originKey(path), origin);
    if (isObject(v)) for (const [k, child] of Object.entries(v)) walk(child, [...path, k]);
  };
  walk(obj, []);
  return new ResolvedConfig(structuredClone(obj), origins);
}
