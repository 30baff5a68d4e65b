// The Muster pod template and the scenarios' fail-fast check of the built runtime.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DNS_SERVICE, MAIN_JS, musterTemplate, repoRoot, runtimeMissingReason } from './muster-pod.js';
import type { E2eEnvironment } from './environment.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

test('runtimeMissingReason says what is missing: the build, the runtime, or a working CLI', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'muster-e2e-root-'));
  dirs.push(root);
  assert.match(runtimeMissingReason(root)!, /dist\/main\.js does not exist: run `npm run build` first/);
  mkdirSync(path.join(root, 'dist'));
  writeFileSync(path.join(root, 'dist', 'main.js'), 'process.exit(0);\n');
  assert.match(runtimeMissingReason(root)!, /dist\/runtime\.js does not exist: the Muster runtime .* is not built or not wired yet/);
  writeFileSync(path.join(root, 'dist', 'runtime.js'), '');
  assert.match(runtimeMissingReason(root)!, /--help` exited 0 without describing --config/);
  writeFileSync(path.join(root, 'dist', 'main.js'), "console.log('  --config FILE');\n");
  assert.equal(runtimeMissingReason(root), undefined);
});

test('musterTemplate: node dist/main.js --config <example>, downward-API env per mode, probes on management', () => {
  const env = {
    api: {
      discoveryOverrides: () => ['-Dpekko.discovery.kubernetes-api.api-ca-path=/sa/ca.crt'],
      rollingUpdateOverrides: () => ['-Dpekko.rollingupdate.kubernetes.api-ca-path=/sa/ca.crt'],
    },
  } as unknown as E2eEnvironment;
  const pod = { name: 'p', ip: '10.0.0.9', namespace: 'ns1', labels: { app: 'shop' } };
  const api = musterTemplate({ mode: 'kubernetes-api', env, app: 'shop', revision: 'r3' });
  const run = api.command(pod);
  assert.equal(run.command, process.execPath);
  assert.deepEqual(run.args.slice(0, 4), [MAIN_JS, '--config', path.join(repoRoot, 'examples/kubernetes-api/application.conf'), '-Dpekko.discovery.kubernetes-api.api-ca-path=/sa/ca.crt']);
  assert.deepEqual(run.env, { PEKKO_CLUSTER_BOOTSTRAP_SERVICE_NAME: 'shop', KUBERNETES_NAMESPACE: 'ns1', KUBERNETES_POD_NAME: 'p', MUSTER_E2E_REVISION: 'r3' });
  assert.ok(run.args.includes('-Dpekko.rollingupdate.kubernetes.api-ca-path=/sa/ca.crt'), 'the annotator reads the service-account files');
  const off = musterTemplate({ mode: 'kubernetes-api', env, app: 'shop', revision: 'r3', podDeletionCost: false }).command(pod);
  assert.ok(off.args.includes('-Dmuster.rollingupdate.pod-deletion-cost.enabled=off'));
  assert.deepEqual(api.labels, { app: 'shop' });
  assert.equal(api.readiness.path, '/ready');
  assert.equal(api.liveness!.path, '/alive');
  assert.equal(api.ports.find((p) => p.name === 'management')!.containerPort, api.readiness.port);
  const dns = musterTemplate({ mode: 'kubernetes-dns', env, app: 'shop', revision: 'r1' }).command(pod);
  assert.equal(dns.args[2], path.join(repoRoot, 'examples/kubernetes-dns/application.conf'));
  assert.ok(!dns.args.some((a) => a.includes('discovery.kubernetes-api')), 'no API discovery settings in DNS mode');
  assert.deepEqual(dns.env, { PEKKO_CLUSTER_BOOTSTRAP_SERVICE_NAME: DNS_SERVICE, NAMESPACE: 'ns1', KUBERNETES_POD_NAME: 'p', MUSTER_E2E_REVISION: 'r1' });
});
