// The reference snapshot and the fast load path: the same trees and origins as the full
// resolution, taken only when exact, and never used when stale.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, loadConfigOverSnapshot, packageRoot, type LoadOptions } from '../../src/config/load.js';
import {
  buildReferenceSnapshot, currentSnapshot, referenceHashes, SNAPSHOT_FILE, treeFor, writeReferenceSnapshot,
} from '../../src/config/reference-snapshot.js';
import { renderPath } from '../../src/config/path.js';
import type { Config } from '../../src/config/types.js';
import { fixtures, tempTree } from './helpers.js';
import { cases, ENV } from './cases.js';
import { PEKKO_FIXTURES, missingShared } from '../support/shared-fixtures.js';

function leafOrigins(c: Config): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (v: unknown, at: string[]): void => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length > 0) {
      for (const [k, child] of Object.entries(v)) walk(child, [...at, k]);
    } else out[renderPath(at)] = c.describeOrigin(renderPath(at));
  };
  walk(c.toJSON(), []);
  return out;
}

async function assertSame(options: LoadOptions, expectFast: boolean, label: string): Promise<void> {
  const full = await loadConfig({ ...options, fastPath: false });
  const fast = await loadConfigOverSnapshot(options);
  if (!expectFast) {
    assert.equal(fast, undefined, `${label}: fast path should not apply`);
    return;
  }
  assert.ok(fast, `${label}: fast path should apply`);
  assert.deepStrictEqual(fast.toJSON(), full.toJSON(), label);
  assert.deepStrictEqual(leafOrigins(fast), leafOrigins(full), label);
}

test('the committed snapshot matches the reference files (regenerate: node --import tsx src/config/reference-snapshot.ts)', async () => {
  const stored = JSON.parse(readFileSync(path.join(packageRoot, SNAPSHOT_FILE), 'utf8'));
  assert.deepStrictEqual(stored.files, referenceHashes(packageRoot));
  assert.deepStrictEqual(stored, JSON.parse(JSON.stringify(await buildReferenceSnapshot(packageRoot))));
  assert.ok(currentSnapshot(packageRoot));
});

describe('fast path = full path', () => {
  // Cases whose application layer refers to configuration paths or appends with += must take the full path.
  const needsFull = new Set([
    '+= onto a reference.conf list and onto a missing key',
    '-D overrides win and are seen by substitutions in every layer',
    'object substitution merged with overrides, and self-referencing lists',
    'repeated objects merge, later fields win',
  ]);
  for (const c of cases) {
    test(c.name, async () => {
      const t = tempTree(c.files);
      try {
        await assertSame({ configFile: t.file('app.conf'), overrides: c.overrides ?? [], env: ENV, cwd: t.dir }, !needsFull.has(c.name), c.name);
      } finally {
        t.cleanup();
      }
    });
  }

  test('every Pekko application fixture', { skip: missingShared(PEKKO_FIXTURES) }, async () => {
    const dir = path.join(fixtures, 'pekko');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.conf') && !n.endsWith('-reference.conf'))) {
      const options = { configFile: path.join(dir, f), env: ENV };
      const fast = await loadConfigOverSnapshot(options);
      if (fast) assert.deepStrictEqual(fast.toJSON(), (await loadConfig({ ...options, fastPath: false })).toJSON(), f);
    }
  });

  test('environment variables of the reference layer, set, empty and unset', async () => {
    for (const env of [{}, { PEKKO_CLUSTER_BOOTSTRAP_SERVICE_NAME: 'svc', KUBERNETES_NAMESPACE: '' }, { PEKKO_CLUSTER_BOOTSTRAP_PORT_NAME: 'http' }]) {
      await assertSame({ env }, true, JSON.stringify(env));
    }
  });

  test('overrides and inline text', async () => {
    await assertSame({ applicationText: 'a = 1\nb { c = ${?PORT} }', overrides: ['-Da.x=1', '-Dpekko.management.http.port=1'], env: ENV }, true, 'inline');
  });

  test('lists of objects (config discovery endpoints) take the fast path', async () => {
    const applicationText =
      'pekko.discovery.config.services.svc.endpoints = [{ host = "127.0.0.1", port = 7626 }, { host = "127.0.0.2", port = 7627 }]\n' +
      'pekko.cluster.roles = [a, b]';
    await assertSame({ applicationText, env: ENV }, true, 'list of objects');
    await assertSame({ applicationText: 'x = [1]\nx { 0 { y = 1 } }', env: ENV }, false, 'a list replaced by an object');
  });

  test('cases that need the full resolution are detected', async () => {
    const full = [
      'my.port = ${pekko.management.http.port}',
      'pekko.cluster.roles += x',
      'pekko.cluster = 5\npekko.cluster { roles = [] }',
      'pekko.management.http = "x"\npekko.management.http.port = 1',
      'KUBERNETES_NAMESPACE = oops\nx = ${?KUBERNETES_NAMESPACE}',
      'x = ${?pekko}',
    ];
    for (const applicationText of full) await assertSame({ applicationText, env: ENV }, false, applicationText);
  });

  test('an application layer with an error leaves the report to the full path', async () => {
    assert.equal(await loadConfigOverSnapshot({ applicationText: 'broken = {', env: ENV }), undefined);
    await assert.rejects(loadConfig({ applicationText: 'broken = {', env: ENV }), /<application text>:1:10: expected '}'/);
  });
});

describe('building snapshots', () => {
  const base = { 'reference/a.conf': 'x = 1\nx = ${?X_A}\nx = ${?X_B}\ny { z = "<z>" }\ny.z = ${?X_Z}\n' };

  test('whole-value ${?ENV} fields are replayed in order', async () => {
    const t = tempTree({ 'reference.conf': 'include "reference/a.conf"\n', ...base });
    try {
      const s = await buildReferenceSnapshot(t.dir);
      assert.ok(s);
      assert.deepEqual(s.envFields, [[['x'], 'X_A'], [['x'], 'X_B'], [['y', 'z'], 'X_Z']]);
      assert.deepEqual(treeFor(s, {}), { x: 1, y: { z: '<z>' } });
      assert.deepEqual(treeFor(s, { X_A: 'a', X_Z: '' }), { x: 'a', y: { z: '' } });
      assert.deepEqual(treeFor(s, { X_A: 'a', X_B: 'b' }), { x: 'b', y: { z: '<z>' } });
      assert.deepEqual(s.origins.find(([p]) => p.join('.') === 'y.z'), [['y', 'z'], path.join('reference', 'a.conf'), 4]);
    } finally {
      t.cleanup();
    }
  });

  for (const [name, extra] of [
    ['a substitution of a config path', 'w = ${x}'],
    ['a += append', 'l = []\nl += 1'],
    ['an env variable inside a concatenation', 'c = ${?X_A}"-suffix"'],
    ['an env name that is also a config key', 'X_A = 1'],
  ] as const) {
    test(`no snapshot with ${name}`, async () => {
      const t = tempTree({ 'reference.conf': `include "reference/a.conf"\n${extra}\n`, ...base });
      try {
        assert.equal(await buildReferenceSnapshot(t.dir), null);
      } finally {
        t.cleanup();
      }
    });
  }

  test('no snapshot when the reference layer includes a file outside reference/', async () => {
    const t = tempTree({ 'reference.conf': 'include "elsewhere/b.conf"\n', 'elsewhere/b.conf': 'b = 1\n' });
    try {
      assert.equal(await buildReferenceSnapshot(t.dir), null);
    } finally {
      t.cleanup();
    }
  });

  test('a stored snapshot is used only while every reference file is unchanged', async () => {
    const t = tempTree({ 'reference.conf': 'include "reference/a.conf"\n', ...base });
    try {
      assert.equal(currentSnapshot(t.dir), null, 'no snapshot file yet');
      assert.equal(await writeReferenceSnapshot(t.dir), true);
      assert.ok(currentSnapshot(t.dir));
      writeFileSync(t.file('reference/a.conf'), 'x = 2\n');
      assert.equal(currentSnapshot(t.dir), null, 'edited file');
      writeFileSync(t.file('reference/a.conf'), base['reference/a.conf']);
      assert.ok(currentSnapshot(t.dir), 'restored');
      writeFileSync(t.file('reference/new.conf'), 'n = 1\n');
      assert.equal(currentSnapshot(t.dir), null, 'added file');
    } finally {
      t.cleanup();
    }
  });
});
