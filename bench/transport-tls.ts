// Benchmark: what TLS costs the cluster transport, TLS against plain TCP in one run.
//   npm run bench:transport-tls -- [--nodes 5] [--seconds 20] [--interval-ms 1000] [--pings 2000]
// 1. Gossip and heartbeat CPU: two clusters of real node processes run side by side, one with
//    transport = tcp (127.0.0.61..), one with tls-tcp and rotating-keys-engine (127.0.0.81..),
//    gossip-interval and heartbeat-interval = --interval-ms. Once both have converged and warmed
//    up, every process's CPU time (process.cpuUsage) is measured over the same window, so both
//    see the same machine load. Reported per node as % of one core, and the TLS/plain ratio.
// 2. Message latency: in this process, a plain and a TLS pair of transports on loopback play
//    ping-pong (one message in flight); rounds alternate between the pairs so that load on the
//    machine affects both alike. Reported as round-trip p50/p99 and the ratio. Also the time to
//    open a new connection and deliver the first message, TLS handshake included.
// Certificates come from the openssl CLI (a throwaway CA in a temp directory). Bounded: every
// loop has a fixed count and every process is killed at the end.
import { performance } from 'node:perf_hooks';
import { TcpTransport, type TcpTransportSettings } from '../src/cluster/tcp-transport.js';
import type { MessageCodec } from '../src/cluster/transport.js';
import type { TlsSettings } from '../src/cluster/remote-tls.js';
import { freePort } from '../test/support/net.js';
import { waitFor } from '../test/support/cluster-wait.js';
import { killAllNodes, startNode, type NodeProcess } from '../test/support/cluster-harness.js';
import { createPki, rotatingTls, type Pki } from '../test/support/tls-pki.js';
import { missingCommand } from '../test/support/tools.js';
import { measureWindow, runBench } from './node-window.js';

function arg(name: string, fallback: number, max: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return Math.min(v, max);
}

const N = arg('nodes', 5, 20);
const WINDOW_S = arg('seconds', 20, 300);
const INTERVAL_MS = arg('interval-ms', 1000, 10_000);
const PINGS = arg('pings', 2000, 100_000);
const WARMUP_S = 5;
const SYSTEM = 'TlsBench';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

function clusterConfig(host: string, port: number, seeds: string[], secretDir: string | undefined): string {
  return `
    muster.system-name = ${SYSTEM}
    pekko.remote.artery {
      canonical { hostname = "${host}", port = ${port} }
      advanced.tcp.outbound-client-hostname = "${host}"
      ${secretDir ? `transport = tls-tcp
      ssl.ssl-engine-provider = org.apache.pekko.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider
      ssl.rotating-keys-engine.secret-mount-point = "${secretDir}"` : ''}
    }
    pekko.cluster {
      seed-nodes = [${seeds.map((s) => JSON.stringify(s)).join(', ')}]
      gossip-interval = ${INTERVAL_MS}ms
      failure-detector.heartbeat-interval = ${INTERVAL_MS}ms
    }
  `;
}

async function startCluster(label: string, firstHost: number, pki: Pki | undefined): Promise<NodeProcess[]> {
  const hosts = Array.from({ length: N }, (_, i) => `127.0.0.${firstHost + i}`);
  const ports = await Promise.all(hosts.map((h) => freePort(h)));
  const seeds = hosts.slice(0, 3).map((h, i) => `pekko://${SYSTEM}@${h}:${ports[i]}`);
  const secret = pki ? pki.secretDir('bench', pki.issue('bench', { ips: hosts })) : undefined;
  return hosts.map((host, i) => startNode({ name: `${label}${i + 1}`, config: clusterConfig(host, ports[i]!, seeds, secret) }));
}

async function cpuComparison(pki: Pki): Promise<void> {
  const plain = await startCluster('plain', 61, undefined);
  const tls = await startCluster('tls', 81, pki);
  const all = [...plain, ...tls];
  await Promise.all(all.map((n) => n.ready));
  for (const [label, nodes] of [['plain', plain], ['tls', tls]] as const) {
    await waitFor(
      `${label}: ${N} Up members on every node`,
      async () => (await Promise.all(nodes.map((n) => n.state()))).every((s) => s.members.length === N && s.members.every((m) => m.status === 'Up')),
      120_000,
      250,
    );
  }
  await sleep(WARMUP_S * 1000);
  const { cpuPct: cpu, messagesOutPerS: msgs } = await measureWindow(all, WINDOW_S);
  const plainCpu = mean(cpu.slice(0, N));
  const tlsCpu = mean(cpu.slice(N));
  console.log(`gossip + heartbeat, ${N} node processes per cluster, gossip and heartbeat every ${INTERVAL_MS} ms, ${WINDOW_S} s window (both clusters at once)`);
  console.log(`  plain tcp  CPU per node mean ${plainCpu.toFixed(2)} %  max ${Math.max(...cpu.slice(0, N)).toFixed(2)} %  (${mean(msgs.slice(0, N)).toFixed(1)} messages/s sent per node)`);
  console.log(`  tls-tcp    CPU per node mean ${tlsCpu.toFixed(2)} %  max ${Math.max(...cpu.slice(N)).toFixed(2)} %  (${mean(msgs.slice(N)).toFixed(1)} messages/s sent per node)`);
  // CPU per message sent normalises for a cluster that happened to exchange fewer gossip rounds.
  const perMessage = (c: number, m: number) => (c / 100) * 1000 / m;
  const plainPer = perMessage(plainCpu, mean(msgs.slice(0, N)));
  const tlsPer = perMessage(tlsCpu, mean(msgs.slice(N)));
  console.log(`  CPU per message sent: plain ${(plainPer * 1000).toFixed(0)} µs, tls ${(tlsPer * 1000).toFixed(0)} µs`);
  console.log(`  ratio tls/plain CPU ${(tlsCpu / plainCpu).toFixed(2)}, per message sent ${(tlsPer / plainPer).toFixed(2)}`);
  await killAllNodes();
}

interface Ping {
  readonly n: number;
  readonly pad: string;
}
const codec: MessageCodec<Ping> = {
  encode: (m) => Buffer.from(JSON.stringify(m)),
  decode: (b) => JSON.parse(b.toString('utf8')) as Ping,
};

async function transport(host: string, tls: TlsSettings | undefined): Promise<TcpTransport<Ping>> {
  const port = await freePort(host);
  const settings: TcpTransportSettings = {
    canonical: { protocol: 'pekko', system: SYSTEM, host, port },
    bindTimeoutMs: 3000,
    acceptProtocolNames: ['pekko'],
    maximumFrameSize: 256 * 1024,
    outboundMessageQueueSize: 100,
    handshakeTimeoutMs: 10_000,
    connectionTimeoutMs: 5000,
    outboundRestartBackoffMs: 100,
    outboundRestartMaxBackoffMs: 1000,
    outboundClientHostname: host,
    ...(tls ? { tls } : {}),
  };
  return TcpTransport.start({ settings, codec, uid: BigInt(port) });
}

/** A ping-pong pair: a sends, b answers, a resolves the round trip. */
async function pair(hosts: [string, string], tls: TlsSettings | undefined) {
  const a = await transport(hosts[0], tls);
  const b = await transport(hosts[1], tls);
  b.onMessage((m) => b.send(a.localAddress, m));
  let pending: ((n: number) => void) | undefined;
  a.onMessage((m) => pending?.(m.n));
  const roundTrip = (n: number, pad: string) =>
    new Promise<number>((resolve) => {
      const t = performance.now();
      pending = () => resolve(performance.now() - t);
      a.send(b.localAddress, { n, pad });
    });
  return { a, b, roundTrip, close: () => Promise.all([a.close(), b.close()]) };
}

async function latencyComparison(pki: Pki): Promise<void> {
  const secret = pki.secretDir('lat', pki.issue('lat', { ips: ['127.0.0.91', '127.0.0.92', '127.0.0.93', '127.0.0.94'] }));
  const pad = 'x'.repeat(1000); // about the size of a heartbeat plus a small gossip status
  const rtt = { plain: [] as number[], tls: [] as number[] };
  const connect = { plain: [] as number[], tls: [] as number[] };
  // Connection set-up: a fresh pair per round, so every round pays the (TLS) handshakes.
  for (let i = 0; i < 20; i++) {
    for (const kind of ['plain', 'tls'] as const) {
      const p = await pair(kind === 'plain' ? ['127.0.0.95', '127.0.0.96'] : ['127.0.0.93', '127.0.0.94'], kind === 'tls' ? rotatingTls(secret) : undefined);
      connect[kind].push(await p.roundTrip(-1, ''));
      await p.close();
    }
  }
  const plain = await pair(['127.0.0.97', '127.0.0.98'], undefined);
  const tls = await pair(['127.0.0.91', '127.0.0.92'], rotatingTls(secret));
  for (let i = 0; i < 100; i++) {
    await plain.roundTrip(i, pad);
    await tls.roundTrip(i, pad);
  }
  for (let i = 0; i < PINGS; i++) {
    rtt.plain.push(await plain.roundTrip(i, pad));
    rtt.tls.push(await tls.roundTrip(i, pad));
  }
  await plain.close();
  await tls.close();
  console.log(`message latency, one 1 KB message in flight, ${PINGS} round trips each, rounds alternating plain/TLS`);
  for (const kind of ['plain', 'tls'] as const) {
    console.log(`  ${kind === 'plain' ? 'plain tcp' : 'tls-tcp  '}  round trip p50 ${pct(rtt[kind], 50).toFixed(3)} ms  p99 ${pct(rtt[kind], 99).toFixed(3)} ms  mean ${mean(rtt[kind]).toFixed(3)} ms`);
  }
  console.log(`  ratio tls/plain round trip p50 ${(pct(rtt.tls, 50) / pct(rtt.plain, 50)).toFixed(2)}  p99 ${(pct(rtt.tls, 99) / pct(rtt.plain, 99)).toFixed(2)}`);
  console.log(`new connections + first round trip (both directions connect), 20 each`);
  console.log(`  plain tcp  p50 ${pct(connect.plain, 50).toFixed(2)} ms   tls-tcp p50 ${pct(connect.tls, 50).toFixed(2)} ms   ratio ${(pct(connect.tls, 50) / pct(connect.plain, 50)).toFixed(2)}`);
}

async function main(): Promise<void> {
  const missing = missingCommand('openssl');
  if (missing) {
    console.log(`transport-tls benchmark skipped: ${missing}`);
    return;
  }
  const pki = createPki('bench-ca');
  try {
    await latencyComparison(pki);
    await cpuComparison(pki);
  } finally {
    pki.dispose();
  }
}

runBench(main);
