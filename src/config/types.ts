// The contract of a loaded, resolved configuration. Each layer turns it into its typed settings
// (cluster/settings.ts, management/settings.ts, ...) once at start-up; nothing reads raw paths
// after that. config/ itself knows no layer.

/** Where a value was set. */
export type Origin =
  | { readonly kind: 'file'; readonly file: string; readonly line?: number }
  | { readonly kind: 'reference'; readonly file: string; readonly line?: number }
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'cli'; readonly arg: string }
  | { readonly kind: 'code' };

export interface DurationOptions {
  /** Accept `off` (returned as undefined by getOptionalDurationMs). */
  readonly allowOff?: boolean;
  /** Accept `infinite`/`inf` (returned as Infinity). */
  readonly allowInfinite?: boolean;
}

export interface Config {
  /** True when the path exists and is not null. */
  has(path: string): boolean;
  /** The resolved value as plain JSON-like data; undefined when missing. */
  getValue(path: string): unknown;
  getString(path: string): string;
  /** A number, also from a numeric string (HOCON automatic conversion). */
  getNumber(path: string): number;
  /** A whole number within the safe integer range. */
  getInt(path: string): number;
  /** true/false/on/off/yes/no. */
  getBoolean(path: string): boolean;
  /** Duration in milliseconds (bare number = ms; ns/us/ms/s/m/h/d and long unit names). */
  getDurationMs(path: string, options?: DurationOptions): number;
  /** Like getDurationMs, but `off` gives undefined. */
  getOptionalDurationMs(path: string, options?: DurationOptions): number | undefined;
  /** Size in bytes (B, K/KB/KiB, M/MB/MiB, G/GB/GiB, ...). */
  getBytes(path: string): number;
  getStringList(path: string): string[];
  /** Object at path as plain data (keys in HOCON order). */
  getObject(path: string): Record<string, unknown>;
  /** Sub-tree at path as a Config; paths of the sub-config are relative, origins kept. */
  getConfig(path: string): Config;
  /** Keys of the object at path (empty when missing). */
  keys(path: string): string[];
  /** Where the value at path was set, when known. */
  origin(path: string): Origin | undefined;
  /** Human-readable origin, e.g. `application.conf:12` or `env PEKKO_...`. */
  describeOrigin(path: string): string;
  /** The whole resolved tree. */
  toJSON(): Record<string, unknown>;
}

/** Raised for every configuration problem; the message names key, value, expectation and origin. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly path?: string,
    readonly origin?: Origin,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}
