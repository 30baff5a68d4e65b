// Pekko and Akka configs as users bring them: which file is loaded (-Dconfig.resource/-file/-url,
// JAVA_OPTS), classpath includes, akka.* keys, the system name, JVM class names for checks and
// routes, and strict mode. Fixtures: test/fixtures/pekko-configs/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadConfig } from '../../src/config/load.js';
import { configFindings, enforceStrict } from '../../src/config/compat.js';
import { ConfigError } from '../../src/config/types.js';
import { managementSettingsFromConfig } from '../../src/management/settings.js';
import { resolveConfiguredManagement } from '../../src/management/configured.js';
import { preflight, validateDiscovery } from '../../src/preflight.js';
import { unreachableObservers } from '../../src/cluster/reachability.js';
import { oracleRun } from './helpers.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/pekko-configs');
const sample = path.join(fixtures, 'k8s-sample');
const sampleFile = path.join(sample, 'src/main/resources/kubernetes.conf');
const ENV = { REQUIRED_CONTACT_POINT_NR: '3' };
const messages = (c: Parameters<typeof configFindings>[0]) => configFindings(c).map((f) => f.message).join('\n');

test('-Dconfig.resource finds the file in the resource directories; JAVA_OPTS works the same; -Dconfig.url takes file: only', async () => {
  const viaResource = await loadConfig({ cwd: sample, env: ENV, overrides: ['-Dconfig.resource=kubernetes.conf'] });
  assert.equal(viaResource.getInt('pekko.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr'), 3);
  assert.match(viaResource.describeOrigin('pekko.management.health-checks.readiness-checks.example-ready'), /kubernetes\.conf:20$/);
  const viaJavaOpts = await loadConfig({ cwd: sample, env: { ...ENV, JAVA_OPTS: '-Xmx512m -Dconfig.resource=kubernetes.conf' } });
  assert.equal(viaJavaOpts.getString('pekko.discovery.kubernetes-api.pod-label-selector'), 'app=%s');
  assert.equal(viaJavaOpts.getString('pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method'), 'kubernetes-api');
  const viaUrl = await loadConfig({ cwd: '/', env: ENV, overrides: [`-Dconfig.url=${pathToFileURL(sampleFile).href}`] });
  assert.equal(viaUrl.getString('pekko.actor.provider'), 'cluster');
  await assert.rejects(loadConfig({ env: ENV, overrides: ['-Dconfig.url=https://example.com/app.conf'] }), /only file: URLs/);
  await assert.rejects(loadConfig({ cwd: sample, env: ENV, overrides: ['-Dconfig.resource=nope.conf'] }), /no such resource in the resource directories/);
  await assert.rejects(
    loadConfig({ cwd: sample, env: ENV, configFile: sampleFile, overrides: ['-Dconfig.resource=kubernetes.conf'] }),
    /more than one application config/,
  );
  const viaResourcePath = await loadConfig({ cwd: '/', env: { ...ENV, MUSTER_RESOURCE_PATH: path.dirname(sampleFile) }, overrides: ['-Dconfig.resource=kubernetes.conf'] });
  assert.equal(viaResourcePath.getString('pekko.actor.provider'), 'cluster');
});

test('the sample: JVM check and route classes are skipped with one warning each (key, file:line, how to register); strict makes them errors', async () => {
  const config = await loadConfig({ configFile: sampleFile, env: ENV });
  const { findings } = await preflight(config, { baseDir: path.dirname(sampleFile) });
  const text = findings.map((f) => f.message);
  const check = text.filter((m) => m.includes('readiness-checks.example-ready'));
  assert.equal(check.length, 1);
  assert.match(check[0]!, /"org\.example\.sample\.DemoHealthCheck" \(.*kubernetes\.conf:20\) names a JVM class .* skipped\. Register one with start\(\{ namedHealthChecks/);
  assert.equal(text.filter((m) => m.includes('routes.version') && /kubernetes\.conf:24/.test(m)).length, 1);
  // The system name is still "default" while the label selector needs it.
  assert.match(text.join('\n'), /muster\.system-name is still "default".*pod-label-selector \[app=%s\], which becomes \[app=default\].*MUSTER_SYSTEM_NAME/);
  await assert.rejects(preflight(config, { baseDir: '/', strict: true }), (e: unknown) => e instanceof ConfigError && /3 compatibility warning\(s\) are errors in strict mode/.test(e.message));
  const strictByConfig = await loadConfig({ configFile: sampleFile, env: ENV, overrides: ['-Dmuster.strict-config=on'] });
  await assert.rejects(preflight(strictByConfig, { baseDir: '/' }), /strict mode/);
  // Registered under the key: it runs, and nothing is reported about it.
  const registered = await preflight(config, {
    baseDir: '/',
    registrations: { healthChecks: { 'example-ready': () => false }, routes: { 'org.example.sample.VersionRoutes': () => undefined } },
  });
  assert.ok(!registered.findings.some((f) => f.message.includes('JVM class')));
  const checks = registered.management.checks({ cluster: undefined, readyStates: ['Up'] });
  assert.deepEqual(checks.readiness.map((c) => c.id), ['org.apache.pekko.management.cluster.scaladsl.ClusterMembershipCheck', 'org.example.sample.DemoHealthCheck']);
  assert.equal(await checks.readiness[1]!.check(), false);
  assert.deepEqual(registered.management.routeProviders.map((p) => p.name), ['version']);
  // MUSTER_SYSTEM_NAME fills the system name: no warning.
  const named = await loadConfig({ configFile: sampleFile, env: { ...ENV, MUSTER_SYSTEM_NAME: 'appka' } });
  assert.equal(named.getString('muster.system-name'), 'appka');
  assert.doesNotMatch(messages(named), /still "default"/);
});

test('JS module checks load from the config file directory (path and path#export)', async () => {
  const file = path.join(fixtures, 'js-check/application.conf');
  const config = await loadConfig({ configFile: file, env: {} });
  const resolved = await resolveConfiguredManagement(config, managementSettingsFromConfig(config), {}, path.dirname(file));
  const checks = resolved.checks({ cluster: undefined, readyStates: ['Up'] });
  assert.equal(await checks.readiness.find((c) => c.id === './checks/db.mjs')!.check(), true);
  assert.equal(await checks.liveness[0]!.check(), false);
  assert.deepEqual(resolved.findings, []);
  await assert.rejects(
    resolveConfiguredManagement(config, managementSettingsFromConfig(config), {}, '/nonexistent'),
    /readiness-checks\.db = "\.\/checks\/db\.mjs": cannot load module/,
  );
});

test('classpath include with a relative include inside: loads (as Lightbend does), a missing one is reported once with its place', async () => {
  const dir = path.join(fixtures, 'classpath-include');
  for (const fastPath of [true, false]) {
    const config = await loadConfig({ cwd: dir, env: {}, fastPath });
    assert.deepEqual([config.getValue('app'), config.getValue('mid'), config.getValue('base')], [1, 2, 3]);
    const missing = configFindings(config).filter((f) => f.message.startsWith('include '));
    assert.equal(missing.length, 1);
    assert.match(missing[0]!.message, /^include classpath\("pekko-persistence-jdbc\.conf"\) \(application\.conf:3\) found nothing/);
  }
  // A required classpath include that is missing fails with its position instead of a Node internal error.
  await assert.rejects(loadConfig({ applicationText: 'include required(classpath("nope.conf"))', env: {}, cwd: dir }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.doesNotMatch(e.message, /argument must be of type string/);
    assert.match(e.message, /nope\.conf/);
    return true;
  });
});

test('akka.* only: warned with the keys and what to rename; muster.accept-akka-namespace = on reads them as pekko.*', async () => {
  const file = path.join(fixtures, 'akka-only/application.conf');
  const plain = await loadConfig({ configFile: file, env: {} });
  assert.equal(plain.getInt('pekko.remote.artery.canonical.port'), 17355);
  assert.match(messages(plain), /4 akka\.\* setting\(s\) found \(akka\.remote\.artery\.canonical\.port, .*first at .*application\.conf:3\).*rename akka\. to pekko\..*muster\.accept-akka-namespace = on/);
  const accepted = await loadConfig({ configFile: file, env: {}, overrides: ['-Dmuster.accept-akka-namespace=on'] });
  assert.equal(accepted.getInt('pekko.remote.artery.canonical.port'), 25520);
  assert.equal(accepted.getString('pekko.discovery.method'), 'pekko-dns');
  assert.equal(accepted.getInt('pekko.management.http.port'), 8558);
  assert.deepEqual(accepted.getStringList('pekko.cluster.seed-nodes'), ['pekko://shop@127.0.0.1:25520']);
  assert.match(accepted.describeOrigin('pekko.remote.artery.canonical.port'), /application\.conf:3$/);
  // The seed nodes all name `shop`, so that is the system name.
  assert.equal(accepted.getString('muster.system-name'), 'shop');
  enforceStrict(configFindings(accepted), true); // only notes left: strict passes
});

test('/cluster/members unreachable is Pekko observersGroupedByUnreachable: self included, Terminated records left out', () => {
  const ua = (port: number) => ({ address: { protocol: 'pekko', system: 's', host: '10.0.0.1', port }, uid: BigInt(port) });
  const [a, b, c] = [ua(1), ua(2), ua(3)];
  const r = {
    records: [
      { observer: b, subject: a, status: 'Unreachable' as const, version: 1 },
      { observer: c, subject: a, status: 'Terminated' as const, version: 1 },
      { observer: a, subject: c, status: 'Terminated' as const, version: 2 },
      { observer: c, subject: b, status: 'Reachable' as const, version: 2 },
    ],
    versions: new Map(),
  };
  assert.deepEqual(unreachableObservers(r), [{ subject: a, observers: [b] }]);
});

test('classpath include: the same tree as Lightbend Config with the resource directory on the classpath', async (t) => {
  const jar = '/usr/share/java/typesafe-config.jar';
  if (!existsSync(oracleRun) || !existsSync(jar)) {
    t.skip(`needs the HOCON oracle (${oracleRun}) and ${jar} (bash .ci/run installs libtypesafe-config-java)`);
    return;
  }
  const dir = path.join(fixtures, 'classpath-include');
  const build = mkdtempSync(path.join(os.tmpdir(), 'muster-oracle-'));
  try {
    // The run script compiles the oracle into HOCON_ORACLE_BUILD; then run it with the resources on the classpath.
    execFileSync(oracleRun, [path.join(dir, 'resources/base.conf')], { env: { ...process.env, HOCON_ORACLE_BUILD: build } });
    const out = execFileSync('java', ['-cp', `${jar}:${build}:${path.join(dir, 'resources')}`, 'HoconOracle', path.join(dir, 'application.conf')], {
      encoding: 'utf8',
    });
    const lightbend = JSON.parse(out.trim().split('\n').at(-1)!) as { ok: boolean; value: unknown };
    assert.ok(lightbend.ok);
    const muster = await loadConfig({ configFile: path.join(dir, 'application.conf'), withReference: false, env: {}, cwd: dir });
    assert.deepEqual(muster.toJSON(), lightbend.value);
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
});

test('check-config validates the discovery method bootstrap will use, as start() does (and not with seed nodes)', async () => {
  const marathon = `pekko.discovery.method = marathon-api
pekko.discovery.marathon-api.class = "org.apache.pekko.discovery.marathon.MarathonApiServiceDiscovery"`;
  const config = await loadConfig({ applicationText: marathon, env: {} });
  assert.throws(() => validateDiscovery(config), /pekko\.discovery\.marathon-api\.class = "org\.apache\.pekko\.discovery\.marathon\.MarathonApiServiceDiscovery" \(<application text>:2\) is not a discovery implementation/);
  assert.doesNotThrow(() => validateDiscovery(config, new Set(['org.apache.pekko.discovery.marathon.MarathonApiServiceDiscovery'])));
  const seeded = await loadConfig({ applicationText: `${marathon}\npekko.cluster.seed-nodes = ["pekko://s@127.0.0.1:17355"]`, env: {} });
  assert.doesNotThrow(() => validateDiscovery(seeded));
  const aggregate = await loadConfig({ applicationText: 'pekko.discovery { method = aggregate, aggregate.discovery-methods = [config, nope] }', env: {} });
  assert.throws(() => validateDiscovery(aggregate), /pekko\.discovery\.nope\.class/);
});
