// Typed surface of @pushcorn/hocon-parser 1.3.1 (the package ships no declarations).
// Only what src/config/hocon.ts touches is declared; test/config/hocon-internals.test.ts
// fails when any of these internals change shape.

declare module '@pushcorn/hocon-parser' {
  export interface ParseOptions {
    url?: string;
    text?: string;
    strict?: boolean;
    env?: boolean;
    scope?: object;
  }
  export interface HoconParser {
    (options: ParseOptions): Promise<unknown>;
    parse(options: ParseOptions): Promise<unknown>;
  }
  const parser: HoconParser;
  export default parser;
}

declare module '@pushcorn/hocon-parser/lib/core/Context.js' {
  export interface ContextOptions {
    url?: string;
    text?: string;
    strict?: boolean;
    env?: boolean;
    scope?: object;
    required?: boolean;
  }
  export interface ContextUrl {
    readonly href: string;
    readonly path: string;
  }
  class Context {
    constructor(options: ContextOptions);
    readonly root: Context;
    readonly url: ContextUrl | null;
    readonly fullPath: string[];
    resolve(): Promise<unknown>;
    static parseData: (data: unknown, strict: boolean) => unknown;
    static defaultBuilderMap: Record<string, string>;
    static registerComponent(...classes: Array<abstract new (...args: never[]) => unknown>): void;
  }
  const mod: { Context: typeof Context };
  export default mod;
}

declare module '@pushcorn/hocon-parser/lib/core/Token.js' {
  class Token {
    static readonly TYPE: Readonly<Record<'VALUE' | 'WHITESPACE' | 'NEWLINE' | 'COMMENT' | 'SUBSTITUTION' | 'ASSIGN' | 'COMMA' | 'OPEN_CURLY' | 'CLOSE_CURLY' | 'OPEN_SQUARE' | 'CLOSE_SQUARE', symbol>>;
    readonly type: symbol;
    readonly value: unknown;
    readonly line: number;
    readonly col: number;
    readonly file?: string;
    readonly quoted: boolean;
  }
  const mod: { Token: typeof Token };
  export default mod;
}

declare module '@pushcorn/hocon-parser/lib/core/Node.js' {
  import type ContextMod from '@pushcorn/hocon-parser/lib/core/Context.js';
  import type TokenMod from '@pushcorn/hocon-parser/lib/core/Token.js';
  class Node {
    readonly context: InstanceType<typeof ContextMod.Context>;
    readonly firstToken: InstanceType<typeof TokenMod.Token> | null;
    readonly children: Array<Node | InstanceType<typeof TokenMod.Token>>;
    readonly $: Record<string, unknown>;
    resolve(scope?: unknown): Promise<unknown>;
    onResolve(scope?: unknown): Promise<unknown>;
    static assign(obj: object, key: string[] | string, value: unknown): object;
    static readonly UNSET: unknown;
  }
  const mod: { Node: typeof Node };
  export default mod;
}

declare module '@pushcorn/hocon-parser/lib/nodes/FieldNode.js' {
  import type NodeMod from '@pushcorn/hocon-parser/lib/core/Node.js';
  class FieldNode extends NodeMod.Node {
    key: NodeMod.Node | null;
    value: NodeMod.Node | null;
  }
  const mod: { FieldNode: typeof FieldNode };
  export default mod;
}

declare module '@pushcorn/hocon-parser/lib/nodes/SubstitutionNode.js' {
  import type NodeMod from '@pushcorn/hocon-parser/lib/core/Node.js';
  class SubstitutionNode extends NodeMod.Node {}
  const mod: { SubstitutionNode: typeof SubstitutionNode };
  export default mod;
}

declare module '@pushcorn/hocon-parser/lib/nodes/ValueNode.js' {
  import type NodeMod from '@pushcorn/hocon-parser/lib/core/Node.js';
  class ValueNode extends NodeMod.Node {
    resolveSubstitutions(scope?: unknown): Promise<unknown>;
  }
  const mod: { ValueNode: typeof ValueNode };
  export default mod;
}

declare module '@pushcorn/hocon-parser/lib/nodes/SracNode.js' {
  import type SubMod from '@pushcorn/hocon-parser/lib/nodes/SubstitutionNode.js';
  class SracNode extends SubMod.SubstitutionNode {}
  const mod: { SracNode: typeof SracNode };
  export default mod;
}

declare module '@pushcorn/hocon-parser/lib/builders/ConfigBuilder.js' {
  import type BuilderMod from '@pushcorn/hocon-parser/lib/core/BuilderAdapter.js';
  import type TokenMod from '@pushcorn/hocon-parser/lib/core/Token.js';
  class ConfigBuilder extends BuilderMod.BuilderAdapter {
    readonly context: { readonly url: { readonly path: string } | null };
    tokenize(text: string): { rootType: unknown; tokens: Array<InstanceType<typeof TokenMod.Token>> };
  }
  const mod: { ConfigBuilder: typeof ConfigBuilder };
  export default mod;
}

declare module '@pushcorn/hocon-parser/lib/utils.js' {
  export interface Utils {
    query: (obj: unknown, path: string[] | string) => unknown;
    parseData: (data: unknown, strict: boolean) => unknown;
  }
  const utils: Utils;
  export default utils;
}

declare module '@pushcorn/hocon-parser/lib/core/SourceAdapter.js' {
  class SourceAdapter {
    constructor(context: unknown, options: unknown);
    readonly context: { readonly root: unknown; readonly url: { readonly href: string } | null };
    load(): Promise<unknown>;
    onLoad(): Promise<unknown>;
  }
  const mod: { SourceAdapter: typeof SourceAdapter };
  export default mod;
}

declare module '@pushcorn/hocon-parser/lib/sources/HttpSource.js' {
  import type SourceMod from '@pushcorn/hocon-parser/lib/core/SourceAdapter.js';
  class HttpSource extends SourceMod.SourceAdapter {
    onLoadFile(): Promise<unknown>;
  }
  const mod: { HttpSource: typeof HttpSource };
  export default mod;
}

declare module '@pushcorn/hocon-parser/lib/sources/HttpsSource.js' {
  import type HttpMod from '@pushcorn/hocon-parser/lib/sources/HttpSource.js';
  class HttpsSource extends HttpMod.HttpSource {}
  const mod: { HttpsSource: typeof HttpsSource };
  export default mod;
}

declare module '@pushcorn/hocon-parser/lib/core/BuilderAdapter.js' {
  class BuilderAdapter {
    constructor(context: unknown, options: unknown);
    build(data: unknown): Promise<void>;
  }
  const mod: { BuilderAdapter: typeof BuilderAdapter };
  export default mod;
}

declare module '@pushcorn/hocon-parser/lib/core/TransformAdapter.js' {
  class TransformAdapter {
    constructor(context: unknown, options: unknown);
    onApply(resolution: unknown): Promise<unknown>;
  }
  const mod: { TransformAdapter: typeof TransformAdapter };
  export default mod;
}

declare module '@pushcorn/hocon-parser/lib/sources/FileSource.js' {
  import type SourceMod from '@pushcorn/hocon-parser/lib/core/SourceAdapter.js';
  class FileSource extends SourceMod.SourceAdapter {
    readonly context: { readonly root: unknown; readonly url: { readonly href: string; readonly path: string } | null; readonly encoding?: BufferEncoding };
    readonly notFound: symbol;
    onLoadFile(): Promise<unknown>;
  }
  const mod: { FileSource: typeof FileSource };
  export default mod;
}

declare module '@pushcorn/hocon-parser/lib/nodes/IncludeNode.js' {
  import type NodeMod from '@pushcorn/hocon-parser/lib/core/Node.js';
  class IncludeNode extends NodeMod.Node {}
  const mod: { IncludeNode: typeof IncludeNode };
  export default mod;
}
