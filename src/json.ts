// JSON with exact 64-bit integers. Pekko writes member uids as bare JSON numbers that are
// often beyond 2^53, where JSON.parse/JSON.stringify would silently round them. The writer
// prints a bigint as its decimal digits; the reader returns chosen fields' integers as bigint.

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Like JSON.stringify (compact, keys in insertion order, `undefined` properties omitted),
 * except that a bigint is written as a bare integer instead of throwing.
 */
export function stringifyWithBigInt(value: unknown): string {
  // Plain data only (no toJSON). Most documents hold no bigint: the native writer is much faster.
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
  const out: string[] = [];
  write(value, out);
  return out.join('');
}

function write(value: unknown, out: string[]): void {
  switch (typeof value) {
    case 'bigint':
      out.push(value.toString());
      return;
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'number':
      out.push(Number.isFinite(value) ? String(value) : 'null');
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'object':
      break;
    default:
      out.push('null');
      return;
  }
  if (value === null) {
    out.push('null');
  } else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, i) => {
      if (i > 0) out.push(',');
      write(item === undefined || typeof item === 'function' ? null : item, out);
    });
    out.push(']');
  } else {
    out.push('{');
    let first = true;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      if (!first) out.push(',');
      first = false;
      out.push(JSON.stringify(k), ':');
      write(v, out);
    }
    out.push('}');
  }
}

export interface BigIntParseOptions {
  /** Integers under these keys come back as bigint (any size); other numbers as number. */
  readonly bigintKeys?: Iterable<string>;
  /** Integers that do not fit a double exactly come back as bigint too. Default true. */
  readonly unsafeIntegersAsBigInt?: boolean;
  /** Nesting limit, so hostile input cannot exhaust the stack. Default 64. */
  readonly maxDepth?: number;
}

export class JsonParseError extends Error {
  constructor(message: string, readonly position: number) {
    super(`${message} at position ${position}`);
    this.name = 'JsonParseError';
  }
}

/** Parses JSON text; see BigIntParseOptions for how integers are returned. Throws JsonParseError. */
export function parseWithBigInt(text: string, options: BigIntParseOptions = {}): JsonValue {
  const p = new Parser(text, options);
  p.skipWs();
  const v = p.value(undefined, 0);
  p.skipWs();
  if (p.pos < text.length) throw new JsonParseError('unexpected trailing text', p.pos);
  return v;
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

class Parser {
  pos = 0;
  private readonly bigintKeys: ReadonlySet<string>;
  private readonly unsafeAsBigInt: boolean;
  private readonly maxDepth: number;

  constructor(
    private readonly text: string,
    options: BigIntParseOptions,
  ) {
    this.bigintKeys = new Set(options.bigintKeys ?? []);
    this.unsafeAsBigInt = options.unsafeIntegersAsBigInt ?? true;
    this.maxDepth = options.maxDepth ?? 64;
  }

  skipWs(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      this.pos++;
    }
  }

  value(key: string | undefined, depth: number): JsonValue {
    if (depth > this.maxDepth) throw new JsonParseError('nesting too deep', this.pos);
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (this.text.startsWith('true', this.pos)) return this.literal(4, true);
    if (this.text.startsWith('false', this.pos)) return this.literal(5, false);
    if (this.text.startsWith('null', this.pos)) return this.literal(4, null);
    return this.number(key);
  }

  private literal<T>(len: number, v: T): T {
    this.pos += len;
    return v;
  }

  private object(depth: number): JsonValue {
    const obj: Record<string, JsonValue> = {};
    this.pos++;
    this.skipWs();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return obj;
    }
    for (;;) {
      this.skipWs();
      if (this.text[this.pos] !== '"') throw new JsonParseError('expected a key', this.pos);
      const k = this.string();
      this.skipWs();
      if (this.text[this.pos] !== ':') throw new JsonParseError("expected ':'", this.pos);
      this.pos++;
      this.skipWs();
      const v = this.value(k, depth + 1);
      // defineProperty keeps a "__proto__" key as plain data.
      Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
      this.skipWs();
      const c = this.text[this.pos++];
      if (c === '}') return obj;
      if (c !== ',') throw new JsonParseError("expected ',' or '}'", this.pos - 1);
    }
  }

  private array(depth: number): JsonValue {
    const arr: JsonValue[] = [];
    this.pos++;
    this.skipWs();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return arr;
    }
    for (;;) {
      this.skipWs();
      arr.push(this.value(undefined, depth + 1));
      this.skipWs();
      const c = this.text[this.pos++];
      if (c === ']') return arr;
      if (c !== ',') throw new JsonParseError("expected ',' or ']'", this.pos - 1);
    }
  }

  private string(): string {
    const start = this.pos;
    this.pos++;
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (Number.isNaN(c)) throw new JsonParseError('unterminated string', start);
      if (c === 0x22) break;
      if (c === 0x5c) this.pos++;
      else if (c < 0x20) throw new JsonParseError('control character in string', this.pos);
      this.pos++;
    }
    this.pos++;
    try {
      return JSON.parse(this.text.slice(start, this.pos)) as string;
    } catch {
      throw new JsonParseError('invalid string escape', start);
    }
  }

  private number(key: string | undefined): number | bigint {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m) throw new JsonParseError('unexpected character', this.pos);
    this.pos += m[0].length;
    const integer = m[1] === undefined && m[2] === undefined;
    if (integer) {
      if (key !== undefined && this.bigintKeys.has(key)) return BigInt(m[0]);
      const n = Number(m[0]);
      if (this.unsafeAsBigInt && !Number.isSafeInteger(n)) return BigInt(m[0]);
      return n;
    }
    return Number(m[0]);
  }
}
