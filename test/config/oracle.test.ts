// Differential tests: Muster's loader against Lightbend Config (the library Pekko uses), run
// through ../shared/tools/hocon-oracle in ONE JVM for every input. Muster loads
// reference.conf -> app file -> -D overrides; the oracle gets one root file that includes the same
// layers in the same order with the overrides as trailing lines, and the same environment.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, referenceFile } from '../../src/config/load.js';
import { loadNotes } from '../../src/config/load-notes.js';
import type { Config } from '../../src/config/types.js';
import { renderPath, parsePath } from '../../src/config/path.js';
import { fixtures, oracleRun, tempTree } from './helpers.js';
import { cases, ENV } from './cases.js';
import { HOCON_ORACLE, LIGHTBEND_FIXTURES, PEKKO_FIXTURES, missingShared } from '../support/shared-fixtures.js';
import { firstMissing, missingCommand } from '../support/tools.js';

// The oracle and the third-party files come from ../shared; without them (or without a JDK)
// these tests skip, saying what is missing.
// The oracle's script installs Lightbend Config's jar with apt-get when it is missing, which needs root.
const JAR = '/usr/share/java/typesafe-config.jar';
const noJar = existsSync(JAR) || process.getuid?.() === 0 ? undefined : `needs ${JAR} (Debian: libtypesafe-config-java)`;
const noOracle = firstMissing(missingShared(HOCON_ORACLE), missingCommand('java'), missingCommand('javac'), noJar);
const noPekko = firstMissing(noOracle, missingShared(PEKKO_FIXTURES));
const noStandalone = firstMissing(noPekko, missingShared(LIGHTBEND_FIXTURES));

// Every Pekko application fixture, layered on top of Muster's reference like a real start-up.
const pekkoDir = path.join(fixtures, 'pekko');
const pekkoConfs = noPekko ? [] : readdirSync(pekkoDir).filter((f) => f.endsWith('.conf')).sort();
const appFixtures = pekkoConfs.filter((f) => !f.endsWith('-reference.conf'));
// Standalone inputs compared without the reference layer: Pekko's reference files and
// Lightbend's equivalence variants.
const equivRoot = path.join(fixtures, 'hocon-lightbend');
const standalone = noStandalone ? [] : [
  ...pekkoConfs.filter((f) => f.endsWith('-reference.conf')).map((f) => path.join(pekkoDir, f)),
  ...readdirSync(equivRoot)
    .filter((d) => /^equiv\d+$/.test(d))
    .flatMap((d) =>
      readdirSync(path.join(equivRoot, d))
        .filter((f) => /\.(conf|json)$/.test(f) && f !== 'original.json')
        .map((f) => path.join(equivRoot, d, f)),
    ),
];

// Syntax errors the parser alone would let through; the wrapper's checks reject them.
const malformed = [
  'a = 1\nb = }', 'a = 1\n}', 'a = [1, 2]]', 'a = { b = 1 ]', 'a = ${}', 'a = {}}', 'a = "open', 'a b c', 'a : : 1',
  'a = [1, 2\nb = 3', 'a { b = 1', 'a = 1 }\nb = 2',
];
const malformedFiles: string[] = [];

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
  if (noOracle) return;
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
  malformed.forEach((text, i) => (files[`malformed${i}.conf`] = text));
  const roots2 = tempTree(files);
  // The case folders live in `tree`; the root files (which name absolute paths) in `roots2`.
  cases.forEach((_, i) => (roots[`case${i}`] = roots2.file(`case${i}/oracle-root.conf`)));
  appFixtures.forEach((_, i) => (roots[`fixture${i}`] = roots2.file(`fixture${i}/oracle-root.conf`)));
  for (const [id, file] of Object.entries(roots)) rootFor.set(id, file);
  malformed.forEach((_, i) => malformedFiles.push(roots2.file(`malformed${i}.conf`)));
  const inputs = [...Object.values(roots), ...standalone, ...malformedFiles];
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

/**
 * The tree as Lightbend would have it: Muster's one load-time rewrite of plain Pekko configs
 * (muster.system-name taken from agreeing seed nodes, see load-notes.ts) is undone.
 */
function lightbendView(config: Config): Record<string, unknown> {
  const tree = config.toJSON();
  if (loadNotes(config).some((n) => n.kind === 'system-name-from-seed-nodes')) {
    (tree.muster as Record<string, unknown>)['system-name'] = 'default';
  }
  return tree;
}

function expectOracle(file: string): unknown {
  const o = oracle.get(file);
  assert.ok(o, `oracle produced no result for ${file}`);
  assert.ok(o.ok, `oracle failed on ${file}: ${o.ok ? '' : o.error}`);
  return o.value;
}

describe('Muster = Lightbend on hand-written cases (with reference.conf)', { skip: noOracle }, () => {
  cases.forEach((c, i) => {
    test(c.name, async () => {
      const config = await loadConfig({
        configFile: tree.file(`case${i}/app.conf`),
        overrides: c.overrides ?? [],
        env: ENV,
        withReference: c.reference !== false,
      });
      assert.deepStrictEqual(lightbendView(config), expectOracle(rootFor.get(`case${i}`)!));
    });
  });
});

describe('malformed input: Lightbend rejects it, so does Muster', { skip: noOracle }, () => {
  malformed.forEach((text, i) => {
    test(JSON.stringify(text), async () => {
      const o = oracle.get(malformedFiles[i]!);
      assert.ok(o && !o.ok, `Lightbend accepted ${JSON.stringify(text)}`);
      await assert.rejects(loadConfig({ configFile: malformedFiles[i]!, withReference: false, env: ENV }), /:\d+:\d+: /);
    });
  });
});

describe('Muster = Lightbend on every Pekko application fixture over Muster reference.conf', { skip: noPekko }, () => {
  appFixtures.forEach((f, i) => {
    test(f, async () => {
      const config = await loadConfig({ configFile: path.join(pekkoDir, f), env: ENV });
      assert.deepStrictEqual(lightbendView(config), expectOracle(rootFor.get(`fixture${i}`)!));
    });
  });
});

describe('Muster = Lightbend on standalone fixtures (Pekko reference files, equivalence variants)', { skip: noStandalone }, () => {
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
