// The real CLI in child processes with tls-tcp configured: check-config accepts good files and
// names the key, the file and the config line of a bad one; `run` fails the same way before it
// binds any port.
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/net.js';
import { createPki, type Pki } from '../support/tls-pki.js';
import { missingCommand } from '../support/tools.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const main = path.join(repoRoot, 'src', 'main.ts');
const tsxLoader = import.meta.resolve('tsx');

function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', tsxLoader, main, ...args], { cwd, env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

const pkis: Pki[] = [];
after(() => {
  for (const p of pkis) p.dispose();
});

describe('check-config and run with tls-tcp', { skip: missingCommand('openssl') }, () => {
  test('good files pass; a key that does not match the certificate is reported with key, file and line, and run binds nothing', async () => {
    const ca = createPki();
    pkis.push(ca);
    const dir = ca.secretDir('n', ca.issue('n'));
    const wrongKey = ca.issue('other').keyFile;
    const [clusterPort, mgmtPort] = [await freePort('127.0.0.1'), await freePort('127.0.0.1')];
    const conf = (extra: string) =>
      [
        'pekko.remote.artery {',
        '  transport = tls-tcp',
        `  canonical { hostname = "127.0.0.1", port = ${clusterPort} }`,
        '  ssl.ssl-engine-provider = org.apache.pekko.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider',
        `  ssl.rotating-keys-engine.secret-mount-point = "${dir}"`,
        extra,
        '}',
        `pekko.management.http { hostname = "127.0.0.1", port = ${mgmtPort} }`,
        'pekko.cluster.seed-nodes = []',
        'pekko.discovery.method = config',
      ].join('\n');
    writeFileSync(path.join(ca.dir, 'good.conf'), conf(''));
    const ok = await cli(['check-config', '--config', 'good.conf'], ca.dir);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^config ok/);

    writeFileSync(path.join(ca.dir, 'bad.conf'), conf(`  ssl.rotating-keys-engine.key-file = "${wrongKey}"`));
    const bad = await cli(['check-config', '--config', 'bad.conf'], ca.dir);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /^muster: configuration error: pekko\.remote\.artery\.ssl\.rotating-keys-engine\.key-file: the key in \[.*other\.key\] does not belong to the certificate in \[.*tls\.crt\] \(pekko\.remote\.artery\.ssl\.rotating-keys-engine\.key-file set at .*bad\.conf:6\)/,
    );

    const run = await cli(['run', '--config', 'bad.conf'], ca.dir);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /configuration error: .*key-file: the key in .* does not belong to the certificate/);
    assert.equal(await listening('127.0.0.1', clusterPort), false, 'no cluster port was bound');
    assert.equal(await listening('127.0.0.1', mgmtPort), false, 'no management port was bound');
  });
});
