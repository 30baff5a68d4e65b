// src/config/hocon.ts patches internals of @pushcorn/hocon-parser 1.3.1. These tests fail as soon
// as anything the wrapper relies on changes, so that an upgrade is a deliberate, reviewed step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parserInternals, parseHocon, TRANSFORM_CLASS_NAMES } from '../../src/config/hocon.js';

const require = createRequire(import.meta.url);
const pkgDir = path.dirname(require.resolve('@pushcorn/hocon-parser/package.json'));

test('the parser is exactly version 1.3.1', () => {
  const pkg = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  assert.equal(pkg.version, '1.3.1');
});

// Files whose code the wrapper overrides, wraps or depends on. A changed file changes the hash.
const PINNED: Record<string, string> = {
  'lib/core/Context.js': 'ee2c8ab85ce1a701679ff1df1f4f936f43070f43cbcd082d66273ab5cd1ef99a',
  'lib/core/Node.js': '85af7c486451f5d14d2b7f2a8efa5c08aaba0c9da491e4e4f33427ebf8b3aadc',
  'lib/core/Token.js': '923c1c0af3e3574888dedc437ead337f38e0cf83bd5df1b83c2c4ff4216e118b',
  'lib/core/SourceAdapter.js': 'e320a6dfc5d17965d9eb0c6cfc8d8107782785ed6e86197e58dfdf9f81c81721',
  'lib/core/BuilderAdapter.js': '9163db549d55238fbd067feee471b137a599d5f42f76af37a54ae2bf91acb9b9',
  'lib/core/TransformAdapter.js': '8311301904206f12d40d058772939c052f6f280b297e11ee79768ed40b924ea3',
  'lib/nodes/FieldNode.js': '4bb8f80fe9bdfa88aa5af22c546b47ba16e3713d3a0e767d6ebc613fd554c387',
  'lib/nodes/ValueNode.js': '3765a57ae31c226a2a7c3c057391503682ad1cb200ac7957ac3505f5afc14620',
  'lib/nodes/SubstitutionNode.js': '1905df1331f69fb5094db11fb7518d9f21e5e5968b3f5d2c89576cc206720b44',
  'lib/nodes/SracNode.js': '2a8f1fc44caea00bc36305a26ecca8734ac9d7a1c93a8a116428d60d733dc17a',
  'lib/nodes/IncludeNode.js': '8d8cb6f65fe8837a917ee1d78699cd1b3b74825cbb2f10c049eab2be30ea0092',
  'lib/utils.js': 'fe0f914f76d229107892e55ff289a9676517f32da0d9619806b18967a082edbe',
  'lib/sources/HttpSource.js': '3bf2e1f0927f40cb44a73ce839e072a387dccc46cfee506472a61b62b2f792bc',
  'lib/sources/HttpsSource.js': '7c05bfbab568f140b11cc07a0569fc248c9a91e5839409e838af320516cb52cf',
  'lib/sources/FileSource.js': '9cce299acb2c43880024dc2ec2b36dd6f57611c69022ac6539cb8d3aae0bded8',
  // Replaced (registered under the same name) by the wrapper's resource-directory lookup.
  'lib/sources/ModulepathSource.js': '674f17c11f68802294d6f77a6b42a5cb3cb60d90360443f0d25f6299bc349f6f',
  'lib/builders/ConfigBuilder.js': 'fdba1026b281fa015133ad1a2b50f06a2e4c68bd1bde99c250a1c18904289151',
  'lib/builders/ScriptBuilder.js': 'f2068a75ea06389f465e73c476a33129caac9dc7a56193438a22787b0be8febe',
};

test('the parser files the wrapper relies on are unchanged', () => {
  for (const [rel, sha] of Object.entries(PINNED)) {
    const actual = createHash('sha256').update(readFileSync(path.join(pkgDir, rel))).digest('hex');
    assert.equal(actual, sha, `${rel} changed: re-check every patch in src/config/hocon.ts`);
  }
});

test('every transform and builder the parser registers is known to the wrapper', () => {
  const transforms = readdirSync(path.join(pkgDir, 'lib/transforms')).map((f) => f.replace(/\.js$/, '')).sort();
  assert.deepEqual(transforms, [...TRANSFORM_CLASS_NAMES].sort());
  const builders = readdirSync(path.join(pkgDir, 'lib/builders')).sort();
  assert.deepEqual(builders, ['ConfigBuilder.js', 'ContentBuilder.js', 'ScriptBuilder.js', 'ValueBuilder.js']);
  const sources = readdirSync(path.join(pkgDir, 'lib/sources')).sort();
  assert.deepEqual(sources, ['ContextSource.js', 'FileSource.js', 'HttpSource.js', 'HttpsSource.js', 'ModulepathSource.js']);
});

test('the hooks the wrapper uses have the expected shapes', () => {
  const { Context, Node, FieldNode, ValueNode, Token, utils } = parserInternals;
  assert.equal(typeof Context.parseData, 'function');
  assert.equal(typeof Context.registerComponent, 'function');
  assert.equal(typeof Context.defaultBuilderMap, 'object');
  assert.equal(typeof FieldNode.prototype.onResolve, 'function');
  assert.equal(typeof ValueNode.prototype.resolveSubstitutions, 'function');
  assert.equal(typeof parserInternals.ConfigBuilder.prototype.tokenize, 'function');
  assert.equal(typeof parserInternals.SracNode.prototype.onResolve, 'function');
  assert.equal(typeof parserInternals.IncludeNode.prototype.onResolve, 'function');
  assert.equal(typeof parserInternals.FileSource.prototype.onLoadFile, 'function');
  assert.equal(typeof utils.query, 'function');
  assert.equal(typeof Node.assign, 'function');
  assert.equal(typeof Node.UNSET, 'symbol');
  for (const t of ['VALUE', 'WHITESPACE', 'NEWLINE', 'COMMENT', 'SUBSTITUTION', 'ASSIGN', 'COMMA', 'OPEN_CURLY', 'CLOSE_CURLY', 'OPEN_SQUARE', 'CLOSE_SQUARE'] as const) assert.equal(typeof Token.TYPE[t], 'symbol');
});

test('the strict-mode number bug the wrapper fixes is still present upstream', () => {
  // If this starts failing, upstream fixed it and the Context.parseData override can go.
  assert.equal(parserInternals.utils.parseData('0.8', true), '0.8');
});

test('after installation: numbers, .js builder, query and records are patched', async () => {
  const r = await parseHocon({ text: 'a = 0.8\nb = [0.2, 0.0]\nc = 01\nd = "0.8"', env: {} });
  assert.deepEqual(r.value, { a: 0.8, b: [0.2, 0], c: 1, d: '0.8' });
  assert.equal(parserInternals.Context.defaultBuilderMap.js, 'content');
  assert.equal(parserInternals.utils.query({ a: { b: 1 } }, ['a', 'b']), 1);
  assert.equal(parserInternals.utils.query({}, ['constructor']), undefined);
  assert.deepEqual(
    r.fields.map((f) => [f.path.join('.'), f.site.line]).sort(),
    [['a', 1], ['b', 2], ['c', 3], ['d', 4]],
  );
});
