import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { parseArgs } from '../../src/cli/args.js';
import { discoverCommand } from '../../src/cli/discover.js';
import { kubernetesHeadlessRecords, startDnsmasq, type Dnsmasq } from '../support/dnsmasq.js';
import { PEKKO_FIXTURES, missingShared, sharedPath } from '../support/shared-fixtures.js';
import { missingCommand } from '../support/tools.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// Muster's own local example, and the same setup as Pekko Management wrote it for its integration
// test (third-party, from ../shared: skipped when absent).
const IT_LOCAL = `${PEKKO_FIXTURES}/it-local-application.conf`;
const localExamples = [
  { name: 'examples/local', file: path.join(repoRoot, 'examples/local/application.conf'), skip: undefined },
  { name: 'Pekko\'s it-local example', file: sharedPath(IT_LOCAL), skip: missingShared(IT_LOCAL) },
];

async function run(argv: string[], env: NodeJS.ProcessEnv = {}, cwd = tmpdir()) {
  let stdout = '';
  let stderr = '';
  const code = await discoverCommand(parseArgs(['discover', ...argv]), {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    cwd,
  });
  return { code, stdout, stderr, json: JSON.parse(stdout) as Record<string, unknown> };
}

const noDnsmasq = missingCommand('dnsmasq');

describe('discover command', () => {
  let dns: Dnsmasq;
  let emptyDir: string;

  before(async () => {
    if (!noDnsmasq) dns = await startDnsmasq(kubernetesHeadlessRecords('web', 'prod', [{ ip: '10.4.0.1' }, { ip: '10.4.0.2' }]));
    emptyDir = mkdtempSync(path.join(tmpdir(), 'muster-discover-'));
  });
  after(async () => {
    await dns?.stop();
    rmSync(emptyDir, { recursive: true, force: true });
  });

  for (const example of localExamples) it(`runs the bootstrap lookup of ${example.name} with the config method`, { skip: example.skip }, async () => {
    const r = await run(['--config', example.file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json['method'], 'config');
    assert.deepEqual(r.json['lookup'], { serviceName: 'local-cluster', protocol: 'tcp', text: 'Lookup(local-cluster,None,Some(tcp))' });
    assert.equal(r.json['resolveTimeoutMs'], 3000);
    assert.deepEqual(r.json['targets'], [
      { host: '127.0.0.1', port: 7626 },
      { host: '127.0.0.2', port: 7626 },
      { host: '127.0.0.3', port: 7626 },
    ]);
  });

  it('uses pekko-dns SRV through -D overrides and --service, the way bootstrap would', { skip: noDnsmasq }, async () => {
    const r = await run([
      '--service', 'web.prod.svc.cluster.local',
      '-Dpekko.discovery.method=pekko-dns',
      `-Dpekko.io.dns.async-dns.nameservers=${dns.nameserver}`,
      '-Dpekko.management.cluster.bootstrap.contact-point-discovery.port-name=management',
    ], {}, emptyDir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json['resolvedName'], '_management._tcp.web.prod.svc.cluster.local');
    const targets = r.json['targets'] as Array<{ host: string; port: number; address: string }>;
    assert.deepEqual(targets.map((t) => `${t.address}:${t.port}`).sort(), ['10.4.0.1:7626', '10.4.0.2:7626']);
  });

  it('applies the effective-name rules: derived system name plus service-namespace, port name from env', async () => {
    const r = await run([
      '-Dmuster.system-name=Web_Prod App',
      '-Dpekko.management.cluster.bootstrap.contact-point-discovery.service-namespace=prod',
      '-Dpekko.management.cluster.bootstrap.contact-point-discovery.discovery-method=config',
    ], { PEKKO_CLUSTER_BOOTSTRAP_PORT_NAME: 'management' }, emptyDir);
    assert.deepEqual(r.json['lookup'], {
      serviceName: 'web-prod-app.prod',
      portName: 'management',
      protocol: 'tcp',
      text: 'Lookup(web-prod-app.prod,Some(management),Some(tcp))',
    });
    assert.equal(r.code, 1, 'no such service in config');
    assert.match(r.stderr, /found no targets for Lookup\(web-prod-app\.prod,Some\(management\),Some\(tcp\)\)/);
  });

  it('exits 1 with the typed error when the lookup fails', async () => {
    const r = await run([
      '--service', 'web',
      '-Dpekko.discovery.method=kubernetes-api',
      `-Dpekko.discovery.kubernetes-api.api-ca-path=${localExamples[0]!.file}`,
      '-Dpekko.management.cluster.bootstrap.contact-point-discovery.resolve-timeout=500ms',
    ], {}, emptyDir);
    assert.equal(r.code, 1);
    assert.equal((r.json['error'] as { type: string }).type, 'KubernetesApiRequestError');
    assert.match(r.stderr, /discovery failed for Lookup\(web,None,Some\(tcp\)\) with method \[kubernetes-api\]: KubernetesApiRequestError: .*KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT/);
  });

  it('reports a missing default method and an unknown class as errors naming the key', async () => {
    const noMethod = run([], {}, emptyDir);
    await assert.rejects(noMethod, /pekko\.discovery\.method/);
    const unknown = await run(['-Dpekko.discovery.method=consul'], {}, emptyDir);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /pekko\.discovery\.consul\.class must point to a discovery implementation/);
  });

  it('works as a real process: node src/main.ts discover prints JSON and sets the exit code', { skip: noDnsmasq }, async () => {
    const main = path.join(repoRoot, 'src', 'main.ts');
    const runCli = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, ['--import', import.meta.resolve('tsx'), main, 'discover', ...args], { cwd: emptyDir, env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    const ok = await runCli(['--config', localExamples[0]!.file]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as { targets: unknown[] }).targets.length, 3);
    const failed = await runCli(['--config', localExamples[0]!.file, '--service', 'web', '-Dpekko.discovery.method=pekko-dns',
      '-Dpekko.management.cluster.bootstrap.contact-point-discovery.discovery-method=pekko.discovery',
      `-Dpekko.io.dns.async-dns.nameservers=${dns.nameserver}`, '-Dpekko.io.dns.async-dns.search-domains=[]']);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /found no targets for Lookup\(web,None,Some\(tcp\)\)/);
  });
});
