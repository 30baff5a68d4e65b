// The real CLI in child processes: exit codes, stdout and stderr of every form.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const main = path.join(repoRoot, 'src', 'main.ts');
// Absolute, so that the CLI can run with any working directory.
const tsxLoader = import.meta.resolve('tsx');

interface Result { code: number; stdout: string; stderr: string }

/** Runs `node --import tsx src/main.ts ARGS` in `cwd` with only the given environment. */
function cli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', tsxLoader, main, ...args],
      { cwd: opts.cwd ?? repoRoot, env: { PATH: process.env.PATH ?? '', ...opts.env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function dir(files: Record<string, string>): { dir: string; cleanup: () => void } {
  const d = mkdtempSync(path.join(os.tmpdir(), 'muster-cli-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(d, name), content);
  return { dir: d, cleanup: () => rmSync(d, { recursive: true, force: true }) };
}

describe('muster CLI', { concurrency: 3 }, () => {
  test('--help prints the usage of every command and exits 0', async () => {
    const r = await cli(['--help']);
    assert.equal(r.code, 0);
    for (const word of ['run', 'check-config', 'print-config [PATH]', '--origins', '--config FILE', '-Dpath=value']) {
      assert.ok(r.stdout.includes(word), word);
    }
    assert.equal((await cli(['help'])).stdout, r.stdout);
    assert.equal((await cli(['print-config', '--help'])).code, 0);
  });

  test('check-config: one-line summary and exit 0', async () => {
    // run needs a discovery method for bootstrap (no seed nodes), so check-config does too.
    const d = dir({ 'application.conf': 'muster.system-name = shop\npekko.management.http.port = 8558\npekko.discovery.method = config\n' });
    try {
      const r = await cli(['check-config', '-Dpekko.remote.artery.canonical.port=2552'], { cwd: d.dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.split('\n').filter(Boolean).length, 1);
      assert.match(r.stdout, /^config ok \(application\.conf \+ 1 override\): system "shop", cluster <getHostAddress>:2552, management <hostname>:8558/);
      assert.equal(r.stderr, '');
      const boot = await cli(
        ['check-config', '-Dpekko.discovery.method=config', '-Dpekko.management.cluster.bootstrap.contact-point-discovery.discovery-method=pekko-dns'],
        { cwd: d.dir },
      );
      assert.match(boot.stdout, /discovery pekko-dns, /, 'the bootstrap lookup method is what the summary names');
      const dflt = await cli(['check-config', '-Dpekko.discovery.method=config'], { cwd: d.dir });
      assert.match(dflt.stdout, /discovery config, /, 'discovery-method = pekko.discovery means the default method');
    } finally {
      d.cleanup();
    }
  });

  test('check-config: a wrong type exits 1 naming key, value, type and origin', async () => {
    const d = dir({ 'my.conf': 'pekko {\n  management.http.port = "eighty"\n}\n' });
    try {
      const r = await cli(['check-config', '--config', path.join(d.dir, 'my.conf')], { cwd: d.dir });
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.equal(
        r.stderr.trim(),
        'muster: configuration error: pekko.management.http.port: expected a whole number, got "eighty" (set at my.conf:2)',
      );
    } finally {
      d.cleanup();
    }
  });

  test('check-config: a port out of range exits 1', async () => {
    const r = await cli(['check-config', '-Dpekko.management.http.port=70000']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /pekko\.management\.http\.port: expected a port number 0\.\.65535, got 70000 \(set at command line -Dpekko\.management\.http\.port=70000\)/);
  });

  test('check-config: a syntax error exits 1 naming file and line', async () => {
    const d = dir({ 'application.conf': 'a = 1\nb = [1, 2\n' });
    try {
      const r = await cli(['check-config'], { cwd: d.dir });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^muster: configuration error: application\.conf:2:\d+: expected '\]' to close the array/);
    } finally {
      d.cleanup();
    }
  });

  test('check-config: a missing required substitution exits 1 naming the variable', async () => {
    const d = dir({ 'application.conf': 'pekko.remote.artery.canonical.hostname = ${HOST}\npekko.discovery.method = config\n' });
    try {
      const missing = await cli(['check-config'], { cwd: d.dir });
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /required substitution \$\{HOST\} is not set/);
      const set = await cli(['check-config'], { cwd: d.dir, env: { HOST: '10.0.0.7' } });
      assert.equal(set.code, 0, set.stderr);
      assert.match(set.stdout, /cluster 10\.0\.0\.7:17355/);
    } finally {
      d.cleanup();
    }
  });

  test('check-config: a missing --config file exits 1', async () => {
    const r = await cli(['check-config', '--config', '/nonexistent/app.conf']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /config file \/nonexistent\/app\.conf was not found/);
  });

  test('check-config builds the typed settings of every layer', async () => {
    const roles = await cli(['check-config', '-Dpekko.cluster.roles.0=dc-east']);
    assert.equal(roles.code, 1);
    assert.match(roles.stderr, /^muster: configuration error: .*dc-east/);
    const strategy = await cli(['check-config', '-Dpekko.cluster.downing-provider-class=org.apache.pekko.cluster.sbr.SplitBrainResolverProvider', '-Dpekko.cluster.split-brain-resolver.active-strategy=keep-nobody']);
    assert.equal(strategy.code, 1);
    assert.match(strategy.stderr, /keep-nobody/);
  });

  test('print-config PATH prints the resolved value as JSON', async () => {
    const r = await cli(['print-config', 'pekko.management.cluster.health-check.ready-states']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), ['Up', 'WeaklyUp']);
    const port = await cli(['print-config', 'pekko.management.http.port', '-Dpekko.management.http.port=9000']);
    assert.equal(JSON.parse(port.stdout), '9000');
  });

  test('print-config without PATH prints the whole tree, env substitutions applied', async () => {
    const r = await cli(['print-config'], { env: { PEKKO_CLUSTER_BOOTSTRAP_SERVICE_NAME: 'orders' } });
    assert.equal(r.code, 0, r.stderr);
    const tree = JSON.parse(r.stdout);
    assert.equal(tree.pekko.management.cluster.bootstrap['contact-point-discovery']['service-name'], 'orders');
    assert.equal(tree.pekko.remote.artery.canonical.port, 17355);
    assert.equal(tree.muster['system-name'], 'default');
  });

  test('print-config --origins shows where each value was set', async () => {
    const d = dir({ 'application.conf': '\npekko.management.http.hostname = "10.0.0.1"\npekko.management.http.port = ${?MGMT_PORT}\n' });
    try {
      const r = await cli(['print-config', 'pekko.management.http', '--origins', '-Dpekko.management.http.base-path=admin'], {
        cwd: d.dir,
        env: { MGMT_PORT: '8558' },
      });
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.deepEqual(out['pekko.management.http.hostname'], { value: '10.0.0.1', origin: 'application.conf:2' });
      assert.deepEqual(out['pekko.management.http.port'], { value: '8558', origin: 'env MGMT_PORT' });
      assert.deepEqual(out['pekko.management.http.base-path'], { value: 'admin', origin: 'command line -Dpekko.management.http.base-path=admin' });
      assert.equal(out['pekko.management.http.bind-port'].origin, 'reference/pekko-management.conf:11');
    } finally {
      d.cleanup();
    }
  });

  test('print-config of a missing path exits 1', async () => {
    const r = await cli(['print-config', 'no.such.key']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no value at no\.such\.key/);
  });

  test('usage errors exit 2 with the usage', async () => {
    for (const args of [['print-config', '--bogus'], ['check-config', 'extra'], ['--config'], ['-Dnovalue'], ['-x']]) {
      const r = await cli(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /^muster: .*\n\nUsage: muster/);
    }
  });

  test('discover is dispatched with the loaded config', async () => {
    const d = dir({
      'application.conf': [
        'pekko.discovery.method = config',
        'pekko.discovery.config.services.orders.endpoints = [ { host = "127.0.0.2", port = 7626 } ]',
      ].join('\n'),
    });
    try {
      const r = await cli(['discover', '--service', 'orders'], { cwd: d.dir });
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.method, 'config');
      assert.deepEqual(out.targets.map((t: { host: string; port?: number }) => [t.host, t.port]), [['127.0.0.2', 7626]]);
    } finally {
      d.cleanup();
    }
  });

  test('run with a bad config fails before starting anything', async () => {
    const r = await cli(['run', '-Dpekko.cluster.min-nr-of-members=many']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /pekko\.cluster\.min-nr-of-members: expected a whole number, got "many"/);
  });
});
