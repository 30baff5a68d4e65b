// Benchmark: discovery throughput and cost.
//   node --import tsx bench/discovery.ts [--seconds S] [--max N]
// 1. pekko-dns lookups per second against a local dnsmasq (A/AAAA and SRV; cache off, and cache on),
//    sequential and 16 in flight. Each scenario stops after --max lookups or --seconds, whichever first.
// 2. kubernetes-api: time to fetch and filter a 1,000-pod PodList from the HTTPS test API server
//    (one page, and pages of 100), and the pure filter step alone. Median and p90 of 30 runs.
import { systemScheduler } from '../src/clock.js';
import type { NameserverAddress, TtlSetting } from '../src/discovery/settings.js';
import { DnsServiceDiscovery } from '../src/discovery/dns-discovery.js';
import { AsyncDnsResolver } from '../src/discovery/dns/resolver.js';
import { KubernetesApiServiceDiscovery } from '../src/discovery/kubernetes-api.js';
import { podsToTargets } from '../src/discovery/kubernetes-pods.js';
import { DiscoveryMetrics } from '../src/discovery/metrics.js';
import type { Lookup } from '../src/discovery/types.js';
import { silentLogger } from '../src/logging.js';
import { kubernetesHeadlessRecords, startDnsmasq } from '../test/support/dnsmasq.js';
import { KubernetesApiTestServer, makePod } from '../test/support/k8s-api-server.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('seconds', 3);
const MAX = arg('max', 20_000);
const RUNS = 30;

function stats(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  return `median ${q(0.5).toFixed(2)} ms, p90 ${q(0.9).toFixed(2)} ms (n=${s.length})`;
}

async function rate(label: string, concurrency: number, metrics: DiscoveryMetrics, once: () => Promise<unknown>): Promise<void> {
  const queriesBefore = metrics.dnsQueries.value;
  const deadline = performance.now() + SECONDS * 1000;
  let done = 0;
  let failed = 0;
  const started = performance.now();
  const worker = async () => {
    while (done + failed < MAX && performance.now() < deadline) {
      try {
        await once();
        done++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const secs = (performance.now() - started) / 1000;
  console.log(`  ${label.padEnd(44)} ${(done / secs).toFixed(0).padStart(7)} lookups/s  (${done} ok, ${failed} failed, ${metrics.dnsQueries.value - queriesBefore} DNS queries sent, ${secs.toFixed(1)} s)`);
}

async function dnsBench(): Promise<void> {
  const pods = Array.from({ length: 5 }, (_, i) => ({ ip: `10.7.0.${i + 1}` }));
  const dns = await startDnsmasq({ ...kubernetesHeadlessRecords('bench', 'default', pods), ttl: 30 });
  const ns: NameserverAddress = { host: dns.host, port: dns.port };
  const make = (positiveTtl: TtlSetting, metrics: DiscoveryMetrics) => {
    const resolver = new AsyncDnsResolver(
      { nameservers: [ns], searchDomains: [], ndots: 1, resolveTimeoutMs: 2000, positiveTtl, negativeTtl: 'never' },
      { metrics, now: () => performance.now() },
    );
    return new DnsServiceDiscovery(resolver, 120_000, { logger: silentLogger, scheduler: systemScheduler });
  };
  const svc = 'bench.default.svc.cluster.local';
  const a: Lookup = { serviceName: svc };
  const srv: Lookup = { serviceName: svc, portName: 'management', protocol: 'tcp' };
  console.log(`pekko-dns against dnsmasq on ${dns.nameserver} (5 pods; stop at ${MAX} lookups or ${SECONDS} s):`);
  const m1 = new DiscoveryMetrics();
  const m2 = new DiscoveryMetrics();
  const noCache = make('never', m1);
  const cached = make('forever', m2);
  try {
    await rate('A+AAAA, no cache, sequential', 1, m1, () => noCache.lookup(a, 2000));
    await rate('A+AAAA, no cache, 16 in flight', 16, m1, () => noCache.lookup(a, 2000));
    await rate('SRV (+additional A), no cache, sequential', 1, m1, () => noCache.lookup(srv, 2000));
    await rate('SRV (+additional A), no cache, 16 in flight', 16, m1, () => noCache.lookup(srv, 2000));
    await rate('SRV, cache on (TTL 30 s), sequential', 1, m2, () => cached.lookup(srv, 2000));
  } finally {
    noCache.close();
    cached.close();
    await dns.stop();
  }
}

async function k8sBench(): Promise<void> {
  const api = await KubernetesApiTestServer.start({ tokens: ['bench'] });
  const dir = mkdtempSync(path.join(tmpdir(), 'muster-bench-'));
  const tokenFile = path.join(dir, 'token');
  writeFileSync(tokenFile, 'bench');
  const pods = Array.from({ length: 1000 }, (_, i) =>
    makePod({ name: `pod-${i}`, ip: `10.8.${i >> 8}.${i & 255}`, labels: { app: 'bench' }, deleting: i % 50 === 0 }),
  );
  api.setPods('default', pods);
  const settings = {
    apiCaPath: api.caFile,
    apiTokenPath: tokenFile,
    apiServiceHostEnvName: 'KUBERNETES_SERVICE_HOST',
    apiServicePortEnvName: 'KUBERNETES_SERVICE_PORT',
    tlsVersion: 'TLSv1.2',
    podNamespacePath: path.join(dir, 'ns'),
    podNamespace: 'default',
    podDomain: 'cluster.local',
    podLabelSelector: 'app=%s',
    useRawIp: false,
    containerName: 'app',
    httpRequestAcceptEncoding: undefined,
  };
  const lookup: Lookup = { serviceName: 'bench', portName: 'management', protocol: 'tcp' };
  console.log('kubernetes-api, 1,000-pod PodList over HTTPS from the test API server:');
  try {
    for (const [label, pageSize, gzip] of [
      ['one page', 0, false],
      ['one page, gzip', 0, true],
      ['pages of 100', 100, false],
    ] as const) {
      api.gzip = gzip;
      const metrics = new DiscoveryMetrics();
      const d = new KubernetesApiServiceDiscovery(
        { ...settings, pageSize, httpRequestAcceptEncoding: gzip ? 'gzip' : undefined },
        { logger: silentLogger, metrics, env: api.env() },
      );
      let targets = 0;
      await d.lookup(lookup, 10_000); // warm-up: module load, TLS session
      const samples: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        targets = (await d.lookup(lookup, 10_000)).addresses.length;
        samples.push(performance.now() - t0);
      }
      d.close();
      console.log(`  fetch + parse + filter, ${label.padEnd(16)} ${stats(samples)}; ${targets} targets, ${metrics.kubernetesApiRequests.value / (RUNS + 1)} requests/lookup`);
    }
    const raw = JSON.parse(JSON.stringify(pods)) as unknown[];
    const samples: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      podsToTargets(raw, 'management', 'default', { containerName: 'app', useRawIp: false, podDomain: 'cluster.local' });
      samples.push(performance.now() - t0);
    }
    console.log(`  filter only (podsToTargets, 1,000 pods)        ${stats(samples)}`);
  } finally {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
await dnsBench();
await k8sBench();
