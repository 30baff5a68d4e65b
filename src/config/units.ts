// Value conversions with Lightbend Config's rules ("automatic type conversions" and the
// duration/size formats of HOCON.md). Pure functions: each returns undefined when the value
// does not convert, and the caller turns that into a ConfigError naming key and origin.

const NS_PER: Record<string, number> = {};
function units(ns: number, ...names: string[]): void {
  for (const n of names) NS_PER[n] = ns;
}
units(1, 'ns', 'nano', 'nanos', 'nanosecond', 'nanoseconds');
units(1e3, 'us', 'micro', 'micros', 'microsecond', 'microseconds');
units(1e6, '', 'ms', 'milli', 'millis', 'millisecond', 'milliseconds');
units(1e9, 's', 'second', 'seconds');
units(60e9, 'm', 'minute', 'minutes');
units(3600e9, 'h', 'hour', 'hours');
units(86400e9, 'd', 'day', 'days');

// A number followed by optional whitespace and a unit made of letters. A trailing dot on the
// number is accepted (`1200.hours`), as Lightbend reads "1200." as a double.
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-z]*)$/;

/** Milliseconds (truncated toward zero, like TimeUnit conversion), or undefined. */
export function parseDurationMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const m = QUANTITY.exec(value.trim());
  if (!m) return undefined;
  const perNs = NS_PER[m[2]!];
  if (perNs === undefined) return undefined;
  const n = Number(m[1]);
  if (!Number.isFinite(n)) return undefined;
  const ms = (n * perNs) / 1e6;
  if (!Number.isFinite(ms)) return undefined;
  const t = Math.trunc(ms);
  return t === 0 ? 0 : t; // no -0
}

const BYTES_PER: Record<string, number> = {};
function size(bytes: number, ...names: string[]): void {
  for (const n of names) BYTES_PER[n] = bytes;
}
size(1, '', 'b', 'B', 'byte', 'bytes');
const prefixes: Array<[string, string]> = [
  ['kilo', 'kibi'], ['mega', 'mebi'], ['giga', 'gibi'], ['tera', 'tebi'], ['peta', 'pebi'], ['exa', 'exbi'],
];
prefixes.forEach(([dec, bin], i) => {
  const power = i + 1;
  const first = dec[0]!;
  const upper = first.toUpperCase();
  size(1024 ** power, first, upper, `${upper}i`, `${upper}iB`, `${bin}byte`, `${bin}bytes`);
  // Lightbend spells the decimal kilo "kB"; "KB" is accepted too because people write it.
  size(1000 ** power, `${power === 1 ? first : upper}B`, `${upper}B`, `${dec}byte`, `${dec}bytes`);
});

/** Bytes as a safe integer, or undefined. */
export function parseBytes(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = QUANTITY.exec(value.trim());
  if (!m) return undefined;
  const per = BYTES_PER[m[2]!];
  if (per === undefined) return undefined;
  const bytes = Math.trunc(Number(m[1]) * per);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** true/false/on/off/yes/no (also as booleans). */
export function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  switch (value.trim()) {
    case 'true': case 'on': case 'yes': return true;
    case 'false': case 'off': case 'no': return false;
    default: return undefined;
  }
}

const NUMBER_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A finite number, also from its string form. */
export function parseNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const t = value.trim();
  if (!NUMBER_TEXT.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** Describe a value for an error message without dumping large trees. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value);
}
