import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubernetesApiTestServer } from '../support/k8s-api-server.js';
import { KubernetesLease, kubernetesLeaseName, rfc3339Micro } from '../../src/cluster/sbr/kubernetes-lease.js';
import { readKubernetesLeaseSettings, type KubernetesLeaseSettings } from '../../src/cluster/sbr/settings.js';
import { configFromObject } from '../../src/config/load.js';
import { systemScheduler } from '../../src/clock.js';
import { silentLogger } from '../../src/logging.js';

const NATIVE = 'coordination.k8s.io/v1/leases';
const CRD = 'pekko.apache.org/v1/leases';
const api = await KubernetesApiTestServer.start({ tokens: ['lease-token'] });
const dir = mkdtempSync(path.join(tmpdir(), 'muster-lease-'));
writeFileSync(path.join(dir, 'token'), 'lease-token\n');
writeFileSync(path.join(dir, 'namespace'), 'shop\n');
const leases: KubernetesLease[] = [];
after(async () => {
  for (const l of leases) l.close();
  await api.close();
});

function settings(o: Record<string, unknown> = {}): KubernetesLeaseSettings {
  const block = {
    'lease-class': 'org.apache.pekko.coordination.lease.kubernetes.NativeKubernetesLease',
    'api-ca-path': api.caFile,
    'api-token-path': path.join(dir, 'token'),
    'namespace-path': path.join(dir, 'namespace'),
    'api-service-host': api.host,
    'api-service-port': api.port,
    'heartbeat-timeout': '120s',
    ...o,
  };
  return readKubernetesLeaseSettings(configFromObject({ pekko: { coordination: { lease: { kubernetes: block } } } }), 'pekko.coordination.lease.kubernetes', {});
}

function lease(owner: string, name: string, s = settings(), wallClock?: () => number): KubernetesLease {
  const l = new KubernetesLease(s, name, owner, { scheduler: systemScheduler, logger: silentLogger, ...(wallClock ? { wallClock } : {}) });
  leases.push(l);
  return l;
}

test('settings: Pekko key names, defaults derived like Pekko, env fallback for the API host', () => {
  const s = readKubernetesLeaseSettings(configFromObject({}), 'pekko.coordination.lease.kubernetes', { KUBERNETES_SERVICE_HOST: '10.1.2.3', KUBERNETES_SERVICE_PORT: '6443' });
  assert.equal(s.leaseClass, 'custom-resource');
  assert.equal(s.apiServiceHost, '10.1.2.3');
  assert.equal(s.apiServicePort, 6443);
  assert.equal(s.heartbeatIntervalMs, 12_000, 'max(5s, heartbeat-timeout / 10)');
  assert.equal(s.apiServerRequestTimeoutMs, 2000, '2/5 of lease-operation-timeout');
  assert.equal(s.namespace, undefined);
  assert.throws(() => settings({ 'lease-class': 'com.example.MyLease' }), /unsupported lease class/);
});

test('lease names are made DNS-1039 compatible, long ones cut with a hash suffix', () => {
  assert.equal(kubernetesLeaseName('My_System.pekko-sbr'), 'my-system-pekko-sbr');
  const long = kubernetesLeaseName('x'.repeat(100));
  assert.equal(long.length, 63);
  assert.match(long, /^x{54}-[a-z2-7]{8}$/);
  assert.notEqual(kubernetesLeaseName('a'.repeat(100) + 'b'), kubernetesLeaseName('a'.repeat(100) + 'c'));
  assert.equal(rfc3339Micro(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), '2026-01-02T03:04:05.678000Z');
});

test('acquire creates the coordination.k8s.io Lease with a bearer token; a second owner is refused', async () => {
  const a = lease('sys@10.0.0.1:17355', 'shop-pekko-sbr');
  const b = lease('sys@10.0.0.2:17355', 'shop-pekko-sbr');
  assert.equal(await a.acquire(), true);
  assert.equal(a.checkLease(), true);
  const stored = api.get(NATIVE, 'shop', 'shop-pekko-sbr') as { spec: { holderIdentity: string; acquireTime: string } };
  assert.equal(stored.spec.holderIdentity, 'sys@10.0.0.1:17355');
  assert.match(stored.spec.acquireTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.ok(api.requests.filter((r) => r.path.includes('/leases')).every((r) => r.authorization === 'Bearer lease-token'));
  assert.equal(await b.acquire(), false);
  assert.equal(b.checkLease(), false);
  // Released, it can be taken by the other.
  assert.equal(await a.release(), true);
  assert.equal(a.checkLease(), false);
  assert.equal((api.get(NATIVE, 'shop', 'shop-pekko-sbr') as { spec: { holderIdentity: string } }).spec.holderIdentity, '');
  assert.equal(await b.acquire(), true);
  await b.release();
});

test('concurrent contenders: the stale resourceVersion gets 409 and exactly one wins', async () => {
  const contenders = Array.from({ length: 5 }, (_, i) => lease(`sys@10.0.0.${i + 1}:17355`, 'race-pekko-sbr'));
  const results = await Promise.all(contenders.map((c) => c.acquire()));
  assert.equal(results.filter(Boolean).length, 1);
  const winner = contenders[results.indexOf(true)]!;
  assert.equal((api.get(NATIVE, 'shop', 'race-pekko-sbr') as { spec: { holderIdentity: string } }).spec.holderIdentity, winner.owner);
  assert.ok(api.requests.some((r) => r.method === 'PUT' && r.path.endsWith('/race-pekko-sbr')));
  await winner.release();
});

test('a lease whose holder stopped renewing beyond heartbeat-timeout can be taken over', async () => {
  let now = Date.now();
  const s = settings({ 'heartbeat-timeout': '10s' });
  const a = lease('sys@10.0.0.1:17355', 'stale-pekko-sbr', s, () => now);
  const b = lease('sys@10.0.0.2:17355', 'stale-pekko-sbr', s, () => now);
  assert.equal(await a.acquire(), true);
  a.close(); // a's process "dies": no more heartbeats
  assert.equal(await b.acquire(), false);
  now += 11_000;
  assert.equal(await b.acquire(), true);
  await b.release();
});

test('heartbeats renew the lease; losing it to a write by someone else calls onLost', async () => {
  const s = settings({ 'heartbeat-timeout': '2s', 'heartbeat-interval': '100ms', 'lease-operation-timeout': '1s' });
  const a = lease('sys@10.0.0.1:17355', 'renew-pekko-sbr', s);
  const lost = new Promise<Error | undefined>((resolve) => void a.acquire((e) => resolve(e)));
  const puts = () => api.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/renew-pekko-sbr')).length;
  // One PUT to acquire, then one per heartbeat-interval (bounded wait: the machine may be busy).
  for (let i = 0; i < 100 && puts() < 4; i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(puts() >= 4, `renewed ${puts() - 1} times`);
  assert.equal(a.checkLease(), true);
  const current = api.get(NATIVE, 'shop', 'renew-pekko-sbr')!;
  api.put(NATIVE, 'shop', { ...current, spec: { holderIdentity: 'intruder', acquireTime: rfc3339Micro(Date.now()) } });
  const reason = await lost;
  assert.match(String(reason), /taken by \[intruder\]/);
  assert.equal(a.checkLease(), false);
});

test('a rejected token or an API error makes acquire fail instead of granting', async () => {
  api.tokens.delete('lease-token');
  const a = lease('sys@10.0.0.1:17355', 'auth-pekko-sbr');
  await assert.rejects(a.acquire(), /401/);
  assert.equal(a.checkLease(), false);
  api.tokens.add('lease-token');
  api.fault({ status: 500, body: '{"kind":"Status"}', match: (r) => r.path.includes('auth-pekko-sbr') });
  await assert.rejects(a.acquire(), /500/);
  assert.equal(await a.acquire(), true);
  await a.release();
});

test('the Pekko custom resource (pekko.apache.org/v1) is used with the default lease-class', async () => {
  const s = settings({ 'lease-class': 'org.apache.pekko.coordination.lease.kubernetes.KubernetesLease' });
  const a = lease('sys@10.0.0.1:17355', 'crd-pekko-sbr', s);
  const b = lease('sys@10.0.0.2:17355', 'crd-pekko-sbr', s);
  assert.equal(await a.acquire(), true);
  const stored = api.get(CRD, 'shop', 'crd-pekko-sbr') as { spec: { owner: string; time: number } };
  assert.equal(stored.spec.owner, 'sys@10.0.0.1:17355');
  assert.equal(typeof stored.spec.time, 'number');
  assert.equal(await b.acquire(), false);
  await a.release();
  assert.equal(await b.acquire(), true);
  await b.release();
});

test('lease-majority in the simulator with the real Kubernetes lease: the majority wins it, the minority downs itself', async () => {
  const { createPartitionSim, formCluster, runningNodes } = await import('../sim/partition-sim.js');
  const { sbrSettings } = await import('../sim/partition-scenarios.js');
  const s = settings();
  const p = createPartitionSim({
    seed: 42,
    size: 5,
    sbr: { ...sbrSettings({ name: 'lease-majority', role: '', acquireLeaseDelayForMinorityMs: 2000 }), stableAfterMs: 5000, downAllWhenUnstableMs: 4000 },
    leaseFor: (owner) => lease(owner, 'sim-pekko-sbr', s),
  });
  assert.ok(formCluster(p));
  const majority = p.addresses.slice(0, 3);
  const minority = p.addresses.slice(3);
  p.sim.network.partition([majority, minority]);
  // Virtual time for the cluster, real time for the HTTPS calls of the lease.
  const run = async (virtualMs: number) => {
    for (let t = 0; t < virtualMs; t += 250) {
      p.sim.run(250);
      await new Promise((r) => setTimeout(r, 3));
    }
  };
  for (let i = 0; i < 120 && runningNodes(p).length !== 3; i++) await run(1000);
  const running = runningNodes(p).map((n) => n.address.host).sort();
  assert.deepEqual(running, majority.map((a) => a.host).sort());
  const stored = api.get(NATIVE, 'shop', 'sim-pekko-sbr') as { spec: { holderIdentity: string } };
  assert.equal(stored.spec.holderIdentity, `sim@${majority[0]!.host}:17355`, 'the majority leader holds the lease');
  const minorityDecisions = minority.flatMap((a) => p.decisions.get(`pekko://sim@${a.host}:17355`) ?? []);
  assert.ok(minorityDecisions.some((d) => d.leaseAcquired === false && d.decision.type === 'DownReachable'));
  // After the downed nodes are removed and release-after (40 s) has passed, the lease is released.
  for (let i = 0; i < 90 && (api.get(NATIVE, 'shop', 'sim-pekko-sbr') as { spec: { holderIdentity: string } }).spec.holderIdentity !== ''; i++) await run(1000);
  assert.equal((api.get(NATIVE, 'shop', 'sim-pekko-sbr') as { spec: { holderIdentity: string } }).spec.holderIdentity, '');
});
