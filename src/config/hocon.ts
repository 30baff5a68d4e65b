// The only module that touches @pushcorn/hocon-parser. It parses and resolves HOCON text in
// strict mode and patches the parser where it differs from Lightbend Config or is unsafe:
//   - strict mode returns decimals such as 0.8 (and 01) as strings: they become numbers;
//   - `include "x.js"` (and the explicit `script(...)` builder) would run JavaScript: refused;
//   - value transforms (`eval(...)` and friends) are not HOCON: refused;
//   - `include url(...)` / http(s) includes fetch over the network: refused unless the load
//     explicitly allows them;
//   - path lookups understand `*` and `[expr]` (the latter compiles JavaScript) and follow
//     prototype chains: replaced by a plain own-property walk;
//   - keys `__proto__`, `constructor`, `prototype` are rejected with an error;
//   - `key += 1` appends the text "1" instead of the number 1;
//   - stray or mismatched brackets, `key = }` and `${}` are accepted silently: rejected;
//   - `include classpath(...)` searches cwd and node_modules and crashes on a miss: it searches
//     the load's resource directories instead, and a miss is "not found" like any include.
// Non-required includes that found nothing are recorded, so the loader can report them.
// It also records, for every field the parser assigns, the file and line that set it, so that
// settings can name their origin. test/config/hocon-internals.test.ts pins every internal used.
import { statSync } from 'node:fs';
import { readFile as fsReadFile } from 'node:fs/promises';
import nodePath from 'node:path';
import parserPkg from '@pushcorn/hocon-parser';
import ContextMod from '@pushcorn/hocon-parser/lib/core/Context.js';
import NodeMod from '@pushcorn/hocon-parser/lib/core/Node.js';
import FieldNodeMod from '@pushcorn/hocon-parser/lib/nodes/FieldNode.js';
import SubstitutionNodeMod from '@pushcorn/hocon-parser/lib/nodes/SubstitutionNode.js';
import ValueNodeMod from '@pushcorn/hocon-parser/lib/nodes/ValueNode.js';
import SracNodeMod from '@pushcorn/hocon-parser/lib/nodes/SracNode.js';
import ConfigBuilderMod from '@pushcorn/hocon-parser/lib/builders/ConfigBuilder.js';
import TokenMod from '@pushcorn/hocon-parser/lib/core/Token.js';
import utils from '@pushcorn/hocon-parser/lib/utils.js';
import HttpMod from '@pushcorn/hocon-parser/lib/sources/HttpSource.js';
import FileSourceMod from '@pushcorn/hocon-parser/lib/sources/FileSource.js';
import IncludeNodeMod from '@pushcorn/hocon-parser/lib/nodes/IncludeNode.js';
import HttpsMod from '@pushcorn/hocon-parser/lib/sources/HttpsSource.js';
import BuilderMod from '@pushcorn/hocon-parser/lib/core/BuilderAdapter.js';
import TransformMod from '@pushcorn/hocon-parser/lib/core/TransformAdapter.js';

const { Context } = ContextMod;
const { Node } = NodeMod;
const { FieldNode } = FieldNodeMod;
const { SubstitutionNode } = SubstitutionNodeMod;
const { ValueNode } = ValueNodeMod;
const { SracNode } = SracNodeMod;
const { ConfigBuilder } = ConfigBuilderMod;
const { Token } = TokenMod;
const { FileSource } = FileSourceMod;
const { IncludeNode } = IncludeNodeMod;

/** Where a field was assigned, as the parser saw it. */
export interface FieldSite {
  /** file:// URL of the file, or undefined for the root text. */
  readonly url: string | undefined;
  readonly line: number;
  /** Set when the value is exactly one substitution `${NAME}` / `${?NAME}` of a single-segment name. */
  readonly substitution?: string;
}

export interface FieldRecord {
  readonly path: readonly string[];
  /** Document order of the field (pre-order), used to pick the last writer. */
  readonly seq: number;
  readonly site: FieldSite;
  /** The field assigned an object (which merges) rather than a value (which replaces). */
  readonly object: boolean;
  /** A `${?NAME}` field whose variable was not set: it changed nothing. */
  readonly unset: boolean;
}

/** A substitution the resolution met: its path text, and whether it came from `+=`. */
export interface SubstitutionUse {
  readonly key: string;
  readonly selfAppend: boolean;
}

/** A non-required include that found nothing, and where it was written. */
export interface MissingInclude {
  /** The include as written, e.g. `classpath("mid.conf")` or `"base"`. */
  readonly include: string;
  /** file:// URL of the including file, or undefined for the root text. */
  readonly url: string | undefined;
  readonly line: number | undefined;
}

export interface HoconResult {
  readonly value: Record<string, unknown>;
  readonly fields: readonly FieldRecord[];
  readonly substitutions: readonly SubstitutionUse[];
  readonly missingIncludes: readonly MissingInclude[];
}

export interface ParseHoconOptions {
  /** Root text; includes in it resolve against the process working directory. */
  readonly text: string;
  /** Lookup-only fallback for substitutions (environment variables). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Allow `include url(...)` and http(s) includes. Off by default. */
  readonly allowUrlIncludes?: boolean;
  /** Where `include classpath(...)` looks (a Node process has no classpath); none by default. */
  readonly resourceDirs?: readonly string[];
}

/** A HOCON problem with the position the parser reported. */
export class HoconError extends Error {
  constructor(
    message: string,
    readonly url: string | undefined,
    readonly line: number | undefined,
    readonly col: number | undefined,
    readonly token: string | undefined,
    readonly kind: 'syntax' | 'substitution' | 'include' | 'forbidden-key' | 'refused' | 'other',
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'HoconError';
  }
}

export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

// Decimal numbers as Lightbend reads them: leading zeros allowed (01 is 1), no leading dot.
const DECIMAL_NUMBER = /^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

interface LoadState {
  readonly allowUrl: boolean;
  readonly resourceDirs: readonly string[];
  readonly missingIncludes: MissingInclude[];
  readonly fields: FieldRecord[];
  readonly substitutions: SubstitutionUse[];
  readonly seqOf: WeakMap<object, number>;
  nextSeq: number;
}

const loads = new WeakMap<object, LoadState>();

let installed = false;

function install(): void {
  if (installed) return;
  installed = true;

  // 1. Numbers: strict mode keeps "0.8" and "01" as strings; Lightbend reads numbers.
  const originalParseData = Context.parseData;
  Context.parseData = function parseData(data: unknown, strict: boolean): unknown {
    if (strict && typeof data === 'string') {
      const t = data.trim();
      if (DECIMAL_NUMBER.test(t)) return Number(t);
    }
    return originalParseData.call(this, data, strict);
  };

  // 2. Never execute included JavaScript: a `.js` include is read as inert content, which
  // resolves to nothing, as Lightbend ignores unknown extensions.
  Context.defaultBuilderMap.js = 'content';
  // The `script(...)` builder can still be named explicitly; replace it by one that refuses.
  const ScriptBuilder = class ScriptBuilder extends BuilderMod.BuilderAdapter {
    override async build(): Promise<void> {
      throw new HoconError('including JavaScript is not allowed in configuration', undefined, undefined, undefined, undefined, 'refused');
    }
  };
  Context.registerComponent(ScriptBuilder);

  // 3. Transforms are a pushcorn extension (some compile JavaScript). HOCON has none.
  for (const name of TRANSFORM_CLASS_NAMES) {
    const cls = {
      [name]: class extends TransformMod.TransformAdapter {
        override async onApply(): Promise<unknown> {
          throw new HoconError(`value transform '${name}' is not HOCON and is not allowed`, undefined, undefined, undefined, undefined, 'refused');
        }
      },
    }[name]!;
    Context.registerComponent(cls);
  }

  // 4. Network includes only when the load allowed them.
  const guard = (Base: typeof HttpMod.HttpSource, name: 'HttpSource' | 'HttpsSource') =>
    ({
      [name]: class extends Base {
        override async onLoadFile(): Promise<unknown> {
          const state = loads.get(this.context.root as object);
          if (!state?.allowUrl) {
            const href = this.context.url?.href ?? '?';
            throw new HoconError(
              `include of URL ${redactUrl(href)} refused: URL includes are disabled (enable with -Dmuster.hocon.allow-url-includes=on)`,
              undefined, undefined, undefined, undefined, 'refused',
            );
          }
          return super.onLoadFile();
        }
      },
    })[name]!;
  Context.registerComponent(guard(HttpMod.HttpSource, 'HttpSource'), guard(HttpsMod.HttpsSource, 'HttpsSource'));

  // 5. Plain path lookups: own properties only, no wildcards or expressions.
  utils.query = safeQuery;

  // 6. `key += 1`: the appended single unquoted token is pushed as raw text ("1"), unlike every
  // other value. Give it the same number/boolean/null reading as a plain `key = 1`.
  const originalResolveSubstitutions = ValueNode.prototype.resolveSubstitutions;
  ValueNode.prototype.resolveSubstitutions = async function resolveSubstitutions(this: InstanceType<typeof ValueNode>, scope?: unknown) {
    const result = await originalResolveSubstitutions.call(this, scope);
    if (this.$.sracNode && Array.isArray(result) && result.length > 0) {
      const T = Token.TYPE;
      const children: unknown[] = this.children;
      const tokens = children.filter(
        (c): c is InstanceType<typeof Token> => c instanceof Token && c.type !== T.WHITESPACE,
      );
      const nodes = children.filter((c) => !(c instanceof Token));
      const only = tokens[0];
      if (nodes.length === 1 && tokens.length === 1 && only && only.type === T.VALUE && !only.quoted && result.at(-1) === only.value) {
        result[result.length - 1] = Context.parseData(only.value, true);
      }
    }
    return result;
  };

  // 7. Record every substitution met (the loader uses this to pick its fast path).
  const originalSubstitutionResolve = SubstitutionNode.prototype.onResolve;
  SubstitutionNode.prototype.onResolve = async function onResolve(this: InstanceType<typeof SubstitutionNode>, scope?: unknown) {
    const state = loads.get(this.context.root as object);
    if (state) {
      const children: unknown[] = this.children;
      const key = children
        .filter((c): c is InstanceType<typeof Token> => c instanceof Token && c.type === Token.TYPE.VALUE)
        .map((t) => String(t.value))
        .join('');
      state.substitutions.push({ key, selfAppend: this instanceof SracNode });
    }
    return originalSubstitutionResolve.call(this, scope);
  };

  // 8. Reject the malformed bracket structures the parser would accept (not in .properties
  // files, whose values may hold any character).
  const originalTokenize = ConfigBuilder.prototype.tokenize;
  ConfigBuilder.prototype.tokenize = function tokenize(this: InstanceType<typeof ConfigBuilder>, text: string) {
    const result = originalTokenize.call(this, text);
    if (!/\.properties$/i.test(this.context.url?.path ?? '')) checkStructure(result.tokens);
    return result;
  };

  // 9. Record who set each field, and refuse prototype keys.
  const originalFieldResolve = FieldNode.prototype.onResolve;
  FieldNode.prototype.onResolve = async function onResolve(this: InstanceType<typeof FieldNode>, scope?: unknown) {
    const state = loads.get(this.context.root as object);
    const base = this.context.fullPath;
    let seq = state?.seqOf.get(this);
    if (state && seq === undefined) {
      seq = state.nextSeq++;
      state.seqOf.set(this, seq);
    }
    const val = await originalFieldResolve.call(this, scope);
    const keyPath = this.key?.$.resolution;
    if (Array.isArray(keyPath)) {
      const bad = keyPath.find((k) => FORBIDDEN_KEYS.has(String(k)));
      if (bad !== undefined) {
        const t = this.firstToken;
        throw new HoconError(
          `key '${String(bad)}' is not allowed in configuration`,
          this.context.url?.href, t?.line, t?.col, String(bad), 'forbidden-key',
        );
      }
      const unset = val === Node.UNSET;
      const substitution = singleSubstitution(this.value);
      // An optional substitution that found nothing leaves the field as it was; it is still
      // recorded (as unset) when it is a whole-value `${?NAME}`, so callers can replay it.
      if (state && val !== undefined && (!unset || substitution !== undefined) && seq !== undefined) {
        const t = this.firstToken;
        state.fields.push({
          path: [...base, ...keyPath.map(String)],
          seq,
          site: {
            url: this.context.url?.href ?? t?.file,
            line: t?.line ?? 0,
            ...(substitution !== undefined ? { substitution } : {}),
          },
          object: typeof val === 'object' && val !== null && !Array.isArray(val),
          unset,
        });
      }
    }
    return val;
  };

  // 10. `classpath(...)`: the parser searches the process's working directory and node_modules
  // and crashes on a miss. Search the load's resource directories instead; a miss is "not
  // found", so a required include fails with its position and an optional one is skipped.
  // A relative include inside a resource stays a resource lookup, as in Lightbend.
  const ClasspathSource = class ModulepathSource extends FileSource {
    static get aliases(): string[] {
      return ['classpath'];
    }
    override async onLoadFile(): Promise<unknown> {
      const state = loads.get(this.context.root as object);
      const name = decodeURIComponent(String(this.context.url?.path ?? '')).replace(/^\/+/, '');
      const file = state && name !== '' && !name.split('/').includes('..') ? findIn(state.resourceDirs, name) : undefined;
      return file === undefined ? this.notFound : readFile(file, this.context.encoding);
    }
  };
  Context.registerComponent(ClasspathSource);

  // 11. Record non-required includes that found nothing (Lightbend skips them silently; the
  // loader tells the user once, naming the include and where it was written).
  const originalIncludeResolve = IncludeNode.prototype.onResolve;
  IncludeNode.prototype.onResolve = async function onResolve(this: InstanceType<typeof IncludeNode>, scope?: unknown) {
    const result = await originalIncludeResolve.call(this, scope);
    const state = loads.get(this.context.root as object);
    if (state && result === Node.UNSET && !this.$.required) {
      const t = this.firstToken;
      state.missingIncludes.push({ include: includeText(this.$.resource), url: this.context.url?.href ?? t?.file, line: t?.line });
    }
    return result;
  };
}

function findIn(dirs: readonly string[], name: string): string | undefined {
  for (const dir of dirs) {
    const file = nodePath.join(dir, name);
    try {
      if (statSync(file).isFile()) return file;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

async function readFile(file: string, encoding: BufferEncoding | undefined): Promise<string | Buffer> {
  return encoding ? fsReadFile(file, { encoding }) : fsReadFile(file);
}

/** An include's target as written: `"base"`, `classpath("mid.conf")`. */
function includeText(resource: unknown): string {
  const text = typeof resource === 'string' ? resource : JSON.stringify(resource);
  const m = /^(\w+)\((.*)\)$/.exec(text);
  return m ? `${m[1]}(${JSON.stringify(m[2])})` : JSON.stringify(text);
}

/** Transform classes pushcorn registers (lib/transforms/*.js); all are replaced by refusals. */
export const TRANSFORM_CLASS_NAMES: readonly string[] = [
  'Base64DecodeTransform', 'Base64EncodeTransform', 'EvalTransform', 'FilterTransform',
  'HashTransform', 'InvokeTransform', 'MapTransform', 'QueryTransform', 'ReduceTransform',
  'SliceTransform', 'SortTransform', 'TrimTransform', 'UniqueTransform',
];

function safeQuery(obj: unknown, path: string[] | string): unknown {
  const parts = Array.isArray(path) ? path : String(path).split('.');
  let cur: unknown = obj;
  for (const p of parts) {
    if (cur === null || cur === undefined) return undefined;
    if (typeof cur !== 'object') return undefined;
    const key = String(p);
    if (!Object.prototype.hasOwnProperty.call(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** The variable name when a field's value is exactly `${NAME}` or `${?NAME}`. */
function singleSubstitution(value: InstanceType<typeof FieldNode>['value']): string | undefined {
  if (!value) return undefined;
  const T = Token.TYPE;
  const children: unknown[] = value.children;
  const meaningful = children.filter(
    (c) => !(c instanceof Token) || (c.type !== T.WHITESPACE && c.type !== T.NEWLINE && c.type !== T.COMMENT),
  );
  if (meaningful.length !== 1) return undefined;
  const only = meaningful[0];
  if (!(only instanceof SubstitutionNode)) return undefined;
  const subChildren: unknown[] = only.children;
  const parts = subChildren.filter((c): c is InstanceType<typeof Token> => c instanceof Token && c.type === T.VALUE);
  if (parts.length !== 1) return undefined;
  const name = String(parts[0]!.value);
  return /^[^.\s]+$/.test(name) ? name : undefined;
}

function redactUrl(href: string): string {
  try {
    const u = new URL(href);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return href;
  }
}

// Positions as the parser reports them: node errors end in `Token: { value: "x", line: 1, col: 2,
// file: ... }`, tokenizer errors in `(text: '...', line: 1, col: 2, file: ...)`.
const TOKEN_INFO = /Token: \{ value: "((?:[^"\\]|\\.)*)", line: (\d+), col: (\d+)(?:, file: (\S+))? \}/;
const TOKENIZER_INFO = /\((?:text: '(?:[^'\\]|\\.)*', )?line: (\d+), col: (\d+)(?:, file: ([^)\s]+))?\)/;

const MESSAGES: ReadonlyArray<readonly [RegExp, (token: string | undefined) => string]> = [
  [/object is not closed/, () => `expected '}' to close the object opened here`],
  [/array is not closed/, () => `expected ']' to close the array`],
  [/^Unexpected token/, (t) => `unexpected '${t ?? '?'}': expected a key, a value, ',' or a closing bracket`],
  [/^The object is already closed/, () => `unexpected '}' with no matching '{'`],
  [/^The object node is opened already/, () => `unexpected '{': the root object is already open`],
  [/^No value specified for the field/, () => `expected '=' or ':' and a value after the key`],
  [/^Quoted string not closed/, () => `expected '"' to close the quoted string`],
  [/^Multi-line string is not closed/, () => `expected '"""' to close the multi-line string`],
];

function translateError(e: unknown): HoconError {
  if (e instanceof HoconError) return e;
  const raw = e instanceof Error ? e.message : String(e);
  const m = TOKEN_INFO.exec(raw);
  const tm = m ? null : TOKENIZER_INFO.exec(raw);
  const token = m?.[1];
  const line = m ? Number(m[2]) : tm ? Number(tm[1]) : undefined;
  const col = m ? Number(m[3]) : tm ? Number(tm[2]) : undefined;
  const url = m?.[4] ?? tm?.[3];
  const text = raw
    .replace(/\s*\(Source: [^)]*\)\s*$/, '')
    .replace(/\s*Token: \{.*\}\s*$/, '')
    .replace(TOKENIZER_INFO, '')
    .trim();
  let kind: HoconError['kind'] = 'syntax';
  let message = text;
  let detail: string | undefined;
  let sm: RegExpExecArray | null;
  if ((sm = /^Unable to resolve '(.*)'\.?/.exec(text))) {
    kind = 'substitution';
    detail = sm[1];
    message = `required substitution \${${sm[1]}} is not set (not in the configuration nor in the environment)`;
  } else if ((sm = /^Unable to include the resource (.*)\.$/.exec(text))) {
    kind = 'include';
    message = `required include ${sm[1]} was not found`;
  } else if (/^Source '.*' not found\.$/.test(text)) {
    kind = 'include';
    message = text.replace(/^Source '(.*)' not found\.$/, 'file $1 was not found');
  } else if (/cycle|circular/i.test(text)) {
    kind = 'substitution';
  } else {
    const known = MESSAGES.find(([re]) => re.test(text));
    if (known) message = known[1](token);
    else if (!m && !tm) kind = 'other';
  }
  return new HoconError(message, url, line, col, token, kind, detail ?? text);
}

/**
 * Bracket and value checks over one file's tokens. The parser silently accepts a stray closing
 * bracket, a mismatched one, `key = }` and `${}`, all of which Lightbend rejects.
 */
function checkStructure(tokens: ReadonlyArray<InstanceType<typeof Token>>): void {
  const T = Token.TYPE;
  const stack: Array<'{' | '[' | '${'> = [];
  const fail = (t: InstanceType<typeof Token>, message: string): never => {
    throw new HoconError(message, t.file, t.line, t.col, String(t.value), 'syntax');
  };
  const next = (i: number) => {
    for (let j = i + 1; j < tokens.length; j++) {
      const t = tokens[j]!;
      if (t.type !== T.WHITESPACE && t.type !== T.COMMENT) return t;
    }
    return undefined;
  };
  tokens.forEach((t, i) => {
    switch (t.type) {
      case T.OPEN_CURLY: stack.push('{'); break;
      case T.OPEN_SQUARE: stack.push('['); break;
      case T.SUBSTITUTION:
        if (next(i)?.type === T.CLOSE_CURLY) fail(t, `empty substitution: expected a path inside '\${}'`);
        stack.push('${');
        break;
      case T.CLOSE_CURLY: {
        const open = stack.pop();
        if (open === undefined) fail(t, `unexpected '}' with no matching '{'`);
        if (open === '[') fail(t, `expected ']' to close the array, found '}'`);
        break;
      }
      case T.CLOSE_SQUARE: {
        const open = stack.pop();
        if (open === undefined) fail(t, `unexpected ']' with no matching '['`);
        if (open !== '[') fail(t, `expected '}' to close the object, found ']'`);
        break;
      }
      case T.ASSIGN: {
        const n = next(i);
        if (n === undefined || n.type === T.CLOSE_CURLY || n.type === T.CLOSE_SQUARE || n.type === T.COMMA) {
          fail(n ?? t, `expected a value after '${String(t.value)}'`);
        }
        break;
      }
    }
  });
}

/** Parse and resolve HOCON text once. The result keeps HOCON's key order. */
export async function parseHocon(options: ParseHoconOptions): Promise<HoconResult> {
  install();
  const scope: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined) scope[k] = v;
  const ctx = new Context({ text: options.text, strict: true, env: false, scope, required: true });
  const state: LoadState = {
    allowUrl: options.allowUrlIncludes === true,
    resourceDirs: options.resourceDirs ?? [],
    missingIncludes: [],
    fields: [],
    substitutions: [],
    seqOf: new WeakMap(),
    nextSeq: 0,
  };
  loads.set(ctx, state);
  let value: unknown;
  try {
    value = await ctx.resolve();
  } catch (e) {
    throw translateError(e);
  } finally {
    loads.delete(ctx);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HoconError('configuration root must be an object', undefined, 1, 1, undefined, 'syntax');
  }
  return {
    value: value as Record<string, unknown>,
    fields: state.fields,
    substitutions: state.substitutions,
    missingIncludes: state.missingIncludes,
  };
}

/** What the wrapper relies on in the parser; the internals test asserts these. */
export const parserInternals = {
  parserPkg,
  Context,
  Node,
  FieldNode,
  SubstitutionNode,
  ValueNode,
  SracNode,
  ConfigBuilder,
  Token,
  utils,
  FileSource,
  IncludeNode,
  install,
};
