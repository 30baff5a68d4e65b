// Differential tests: Muster's loader against Lightbend Config (the library Pekko uses), run
// through ../shared/tools/hocon-oracle in ONE JVM for every input. Muster loads
// reference.conf -> app file -> -D overrides; the oracle gets one root file that includes the same
// layers in the same order with the overrides as trailing lines, and the same environment.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, referenceFile } from '../../src/config/load.js';
import { renderPath, parsePath } from '../../src/config/path.js';
import { fixtures, oracleRun, tempTree } from './helpers.js';

/** The environment both sides see. Variables a case expects to be unset are simply absent. */
const ENV: Record<string, string> = {
  PORT: '2552',
  MUSTER_A: 'from-env-a',
  PEKKO_CLUSTER_BOOTSTRAP_SERVICE_NAME: 'svc-from-env',
  KUBERNETES_NAMESPACE: 'ns-from-env',
  HOST: '10.0.0.5',
  MARATHON_APP_ID: '/muster-test',
  REQUIRED_CONTACT_POINT_NR: '3',
};

interface Case {
  readonly name: string;
  readonly files: Record<string, string>;
  readonly overrides?: string[];
  /** Layer Muster's reference.conf underneath (default true). */
  readonly reference?: boolean;
}

const cases: Case[] = [
  {
    name: '${?ENV} chains: later set variables win, unset ones keep the previous value',
    files: {
      'app.conf': [
        'a = "default"', 'a = ${?MUSTER_A}', 'a = ${?MUSTER_UNSET_B}',
        'b = "kept"', 'b = ${?MUSTER_UNSET_B}',
        'pekko.remote.artery.canonical.port = 25520', 'pekko.remote.artery.canonical.port = ${?PORT}',
      ].join('\n'),
    },
  },
  {
    name: '+= onto a reference.conf list and onto a missing key',
    files: {
      'app.conf': [
        'pekko.cluster.roles += "backend"', 'pekko.cluster.roles += frontend',
        'pekko.discovery.aggregate.discovery-methods += config',
        'my.new-list += 1', 'my.new-list += "two"',
        'nums = [1]', 'nums += 2', 'nums += true', 'nums += "3"', 'nums += null', 'nums += 0.5',
      ].join('\n'),
    },
  },
  {
    name: 'concatenation inside arrays',
    files: { 'app.conf': 'pekko.cluster.seed-nodes = ["pekko://sys@127.0.0.1:"${PORT}, "pekko://sys@127.0.0.2:"${PORT}]' },
  },
  {
    name: '${?SELECTOR}"=%s" with SELECTOR unset',
    files: { 'app.conf': 'pekko.discovery.kubernetes-api.pod-label-selector = ${?SELECTOR}"=%s"' },
  },
  {
    name: '[${?X}] with X unset',
    files: { 'app.conf': 'x = [${?X}]\ny = [1, ${?X}, 2]' },
  },
  {
    name: 'repeated objects merge, later fields win',
    files: {
      'app.conf': [
        'a { b = 1, c { d = 1 } }', 'a { c { e = 2 } }', 'a.b = 3',
        'pekko.management.http { port = 8558 }', 'pekko.management.http { hostname = "10.0.0.1" }',
        'r = { x = 1 }', 'r = 5', 'r = { y = 2 }',
      ].join('\n'),
    },
  },
  {
    name: 'dotted keys and quoted keys with dots',
    files: { 'app.conf': 'pekko.management.http.port = 8558\n"a.b".c = 1\na."b.c" = 2\n"x".y."z" = 3' },
  },
  {
    name: 'quoted keys containing / and *',
    files: {
      'app.conf': [
        'pekko.actor.deployment { "/SD-DNS/async-dns/*" { dispatcher = "my-dispatcher" } }',
        'pekko.actor.deployment."/user/*/worker".router = round-robin-pool',
        '"*" = star',
      ].join('\n'),
    },
  },
  {
    name: 'include from a subfolder (relative to the including file)',
    files: {
      'app.conf': 'include "sub/part.conf"\ntop = 1',
      'sub/part.conf': 'include "sibling.conf"\npart = from-sub',
      'sub/sibling.conf': 'sibling { ok = true }\npekko.management.http.port = 9999',
    },
  },
  {
    name: 'include of a missing file is ignored',
    files: { 'app.conf': 'include "does-not-exist.conf"\nafter-include = yes' },
  },
  {
    name: 'durations and sizes stay as written',
    files: {
      'app.conf': 'a = 1200.hours\nb = 5 s\nc = "30 seconds"\nd = 100ms\ne = 10 MiB\nf = 0.5\ng = 1e3\nh = off',
    },
  },
  {
    name: '-D overrides win and are seen by substitutions in every layer',
    files: { 'app.conf': 'my.host = ${pekko.remote.artery.canonical.hostname}\npekko.management.http.port = 1' },
    overrides: [
      '-Dpekko.remote.artery.canonical.hostname=10.1.1.1',
      '-Dpekko.management.http.port=8558',
      '-Dpekko.cluster.split-brain-resolver.active-strategy=keep-oldest',
      '-Dmy."quoted.key"=v',
    ],
  },
  {
    name: 'object substitution merged with overrides, and self-referencing lists',
    files: {
      'app.conf': [
        'my-fd = ${pekko.cluster.failure-detector} { threshold = 12 }',
        'pekko.cluster.roles = ${pekko.cluster.roles} ["x"]',
        'path = "a"\npath = ${path}"/b"',
      ].join('\n'),
    },
  },
  {
    name: 'reference.conf env substitutions (service name, namespace set; port name unset)',
    files: { 'app.conf': 'pekko.discovery.method = kubernetes-api' },
  },
  {
    name: 'root braces, comments, triple quotes, null and arrays without commas',
    files: {
      'app.conf': '{\n  // comment\n  a = """multi\nline"""\n  b = null\n  c = [\n    1\n    2\n  ]\n  # another\n  d : { e : f }\n}',
    },
  },
];

// Every Pekko application fixture, layered on top of Muster's reference like a real start-up.
const pekkoDir = path.join(fixtures, 'pekko');
const pekkoConfs = readdirSync(pekkoDir).filter((f) => f.endsWith('.conf')).sort();
const appFixtures = pekkoConfs.filter((f) => !f.endsWith('-reference.conf'));
// Standalone inputs compared without the reference layer: Pekko's reference files and
// Lightbend's equivalence variants.
const equivRoot = path.join(fixtures, 'hocon-lightbend');
const standalone = [
  ...pekkoConfs.filter((f) => f.endsWith('-reference.conf')).map((f) => path.join(pekkoDir, f)),
  ...readdirSync(equivRoot)
    .filter((d) => /^equiv\d+$/.test(d))
    .flatMap((d) =>
      readdirSync(path.join(equivRoot, d))
        .filter((f) => /\.(conf|json)$/.test(f) && f !== 'original.json')
        .map((f) => path.join(equivRoot, d, f)),
    ),
];

type OracleLine = { file: string; ok: true; value: unknown } | { file: string; ok: false; error: string };

function overrideLine(arg: string): string {
  const body = arg.slice(2);
  const eq = body.indexOf('=');
  return `${renderPath(parsePath(body.slice(0, eq)))} = ${JSON.stringify(body.slice(eq + 1))}`;
}

let tree: ReturnType<typeof tempTree>;
const oracle = new Map<string, OracleLine>();
const rootFor = new Map<string, string>();

before(() => {
  const files: Record<string, string> = {};
  const layered = (id: string, appFile: string | undefined, overrides: string[], reference: boolean) => {
    const lines = [];
    if (reference) lines.push(`include file(${JSON.stringify(referenceFile)})`);
    if (appFile) lines.push(`include file(${JSON.stringify(appFile)})`);
    lines.push(...overrides.map(overrideLine));
    files[`${id}/oracle-root.conf`] = lines.join('\n') + '\n';
  };
  cases.forEach((c, i) => {
    for (const [rel, content] of Object.entries(c.files)) files[`case${i}/${rel}`] = content;
  });
  tree = tempTree(files);
  const roots: Record<string, string> = {};
  cases.forEach((c, i) => {
    layered(`case${i}`, tree.file(`case${i}/app.conf`), c.overrides ?? [], c.reference !== false);
  });
  appFixtures.forEach((f, i) => layered(`fixture${i}`, path.join(pekkoDir, f), [], true));
  const roots2 = tempTree(files);
  // The case folders live in `tree`; the root files (which name absolute paths) in `roots2`.
  cases.forEach((_, i) => (roots[`case${i}`] = roots2.file(`case${i}/oracle-root.conf`)));
  appFixtures.forEach((_, i) => (roots[`fixture${i}`] = roots2.file(`fixture${i}/oracle-root.conf`)));
  for (const [id, file] of Object.entries(roots)) rootFor.set(id, file);
  const inputs = [...Object.values(roots), ...standalone];
  const out = execFileSync(oracleRun, inputs, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...(process.env.JAVA_HOME ? { JAVA_HOME: process.env.JAVA_HOME } : {}), ...ENV },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  for (const line of out.split('\n').filter(Boolean)) {
    const parsed = JSON.parse(line) as OracleLine;
    oracle.set(parsed.file, parsed);
  }
  const cleanupRoots = roots2.cleanup;
  const cleanupCases = tree.cleanup;
  tree = { ...tree, cleanup: () => { cleanupRoots(); cleanupCases(); } };
});

after(() => tree?.cleanup());

function expectOracle(file: string): unknown {
  const o = oracle.get(file);
  assert.ok(o, `oracle produced no result for ${file}`);
  assert.ok(o.ok, `oracle failed on ${file}: ${o.ok ? '' : o.error}`);
  return o.value;
}

describe('Muster = Lightbend on hand-written cases (with reference.conf)', () => {
  cases.forEach((c, i) => {
    test(c.name, async () => {
      const config = await loadConfig({
        configFile: tree.file(`case${i}/app.conf`),
        overrides: c.overrides ?? [],
        env: ENV,
        withReference: c.reference !== false,
      });
      assert.deepStrictEqual(config.toJSON(), expectOracle(rootFor.get(`case${i}`)!));
    });
  });
});

describe('Muster = Lightbend on every Pekko application fixture over Muster reference.conf', () => {
  appFixtures.forEach((f, i) => {
    test(f, async () => {
      const config = await loadConfig({ configFile: path.join(pekkoDir, f), env: ENV });
      assert.deepStrictEqual(config.toJSON(), expectOracle(rootFor.get(`fixture${i}`)!));
    });
  });
});

describe('Muster = Lightbend on standalone fixtures (Pekko reference files, equivalence variants)', () => {
  for (const file of standalone) {
    test(path.relative(fixtures, file), async () => {
      const o = oracle.get(file);
      assert.ok(o, `oracle produced no result for ${file}`);
      if (o.ok) {
        const config = await loadConfig({ configFile: file, withReference: false, env: ENV });
        assert.deepStrictEqual(config.toJSON(), o.value);
      } else {
        // Lightbend cannot resolve it alone (cross-module substitution): neither can Muster.
        await assert.rejects(loadConfig({ configFile: file, withReference: false, env: ENV }), /substitution/);
      }
    });
  }
});
