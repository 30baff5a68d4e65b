// The published package works on its own: `npm pack` makes the tarball, which is installed into an
// empty project from the local npm cache (as `npm ci` left it), and then `npx muster --help` and a
// node started through the installed `muster` bin (./application.conf found by itself) become Up
// and ready. Catches files missing from package.json `files`, a bin without its shebang, and
// runtime imports of dev dependencies. Needs `npm run build` (npm test runs it first).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { allocateNodes, clusterConf, MusterProcess, waitUntil } from '../support/muster-process.js';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const skip = existsSync(path.join(repoRoot, 'dist', 'main.js')) ? undefined : 'needs the build in dist/ (npm run build)';
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

let dir: string;
let app: string;
let installed: string;
let installLog = '';

before(async () => {
  if (skip) return;
  dir = mkdtempSync(path.join(tmpdir(), 'muster-pack-'));
  app = path.join(dir, 'app');
  mkdirSync(app);
  const { stdout } = await run(npm, ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: repoRoot });
  const tarball = path.join(dir, stdout.trim().split('\n').pop()!);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'muster-pack-test', private: true }));
  // From the cache alone first; fall back to the registry only for what the cache lacks.
  const install = (mode: string) =>
    run(npm, ['install', mode, '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=warn', tarball], { cwd: app, maxBuffer: 16 << 20 });
  const { stdout: out, stderr } = await install('--offline').catch(() => install('--prefer-offline'));
  installLog = out + stderr;
  installed = path.join(app, 'node_modules', 'muster');
}, { timeout: 600_000 });

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the tarball holds the bin with its shebang, the build and the reference configuration', { skip }, () => {
  const pkg = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const bin = path.join(installed, pkg.bin['muster']!);
  assert.match(readFileSync(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/);
  assert.ok(statSync(path.join(app, 'node_modules', '.bin', 'muster')).isFile());
  for (const f of ['reference.conf', 'reference/muster.conf', 'reference/snapshot.json', 'dist/index.js', 'dist/index.d.ts']) {
    assert.ok(existsSync(path.join(installed, f)), `${f} is in the package`);
  }
  assert.equal(existsSync(path.join(installed, 'src')), false, 'sources stay out of the package');
  assert.equal(existsSync(path.join(installed, 'test')), false, 'tests stay out of the package');
});

test('installing the package pulls no dependency that rejects this Node version', { skip }, () => {
  assert.doesNotMatch(installLog, /EBADENGINE/, installLog);
});

test('npx muster --help works from the installed package', { skip }, async () => {
  const { stdout } = await run(npx, ['--offline', 'muster', '--help'], { cwd: app });
  assert.match(stdout, /^Usage: muster \[COMMAND\] \[OPTIONS\]/);
  assert.match(stdout, /check-config/);
});

test('the installed muster bin starts a node from ./application.conf that becomes Up and ready', { skip }, async () => {
  const [node] = await allocateNodes(1);
  writeFileSync(
    path.join(app, 'application.conf'),
    clusterConf({
      endpoints: [node!],
      extra: [
        'pekko.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr = 1',
        `pekko.remote.artery.canonical { hostname = "${node!.host}", port = ${node!.remotePort} }`,
        `pekko.management.http { hostname = "${node!.host}", port = ${node!.managementPort} }`,
      ].join('\n'),
    }),
  );
  // The bin itself (shebang, executable), not `node dist/main.js`; no --config: found in the working directory.
  const child = spawn(path.join(app, 'node_modules', '.bin', 'muster'), [], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
  const p = new MusterProcess(node!, child, 'installed');
  try {
    await waitUntil('/ready = 200', async () => (await p.get('/ready')).status === 200, 120_000, 200, () => p.tail());
    assert.equal(await p.selfStatus(), 'Up');
    assert.ok(p.findLog((l) => l.marker === 'pekkoBootstrapJoinSelf'), p.tail());
    p.signal('SIGTERM');
    assert.deepEqual(await p.exited, { code: 0, signal: null }, p.tail());
  } finally {
    p.signal('SIGKILL');
  }
});
