import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { formatAddress, parseAddress, type Address, type ResolvedTarget } from '../../src/address.js';
import type { ClusterApi, ClusterState, Member } from '../../src/cluster/api.js';
import { BootstrapCoordinator, type Prober, type ReplicasSource } from '../../src/bootstrap/coordinator.js';
import { startBootstrap } from '../../src/bootstrap/start.js';
import type { SeedNodesDocument } from '../../src/bootstrap/seed-nodes.js';
import type { BootstrapSettings } from '../../src/bootstrap/settings.js';
import { DiscoveryTimeoutError } from '../../src/discovery/errors.js';
import type { Lookup, Resolved, ServiceDiscovery } from '../../src/discovery/types.js';
import { VirtualClock } from '../sim/virtual-clock.js';
import type { Scheduler } from '../../src/clock.js';
import { seededRandom } from '../sim/prng.js';

const settings: BootstrapSettings = {
  newClusterEnabled: true,
  newClusterEnabledFromLegacyKey: false,
  lookup: { serviceName: 'svc', protocol: 'tcp' },
  discoveryMethod: 'config',
  stableMarginMs: 5000,
  intervalMs: 1000,
  exponentialBackoffRandomFactor: 0.2,
  exponentialBackoffMaxMs: 15_000,
  requiredContactPointNr: 2,
  resolveTimeoutMs: 3000,
  contactWithAllContactPoints: true,
  fallbackPort: 7626,
  filterOnFallbackPort: true,
  probingFailureTimeoutMs: 3000,
  probeIntervalMs: 1000,
  probeIntervalJitter: 0.2,
  httpClientCaPath: undefined,
  httpClientTlsMaxVersion: 'TLSv1.2',
  joinDeciderClass: 'org.apache.pekko.management.cluster.bootstrap.LowestAddressJoinDecider',
  configuredSeedNodes: [],
  deadlineMs: undefined,
};

/** Captures structured log lines so tests can assert on markers. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
  return { logger: pino({ level: 'debug' }, stream), lines, markers: () => lines.map((l) => l['marker']).filter(Boolean) };
}

type Answer = readonly ResolvedTarget[] | Error;

/** Discovery whose answer is a function of virtual time; answers arrive after `latencyMs`. */
function scriptedDiscovery(s: VirtualClock, answer: (now: number) => Answer, latencyMs = 10) {
  const lookups: number[] = [];
  const discovery: ServiceDiscovery = {
    lookup(lookup: Lookup) {
      lookups.push(s.now());
      return new Promise<Resolved>((resolve, reject) => {
        s.schedule(latencyMs, () => {
          const a = answer(s.now());
          if (a instanceof Error) reject(a);
          else resolve({ serviceName: lookup.serviceName, addresses: a });
        });
      });
    },
  };
  return { discovery, lookups };
}

type ProbeAnswer = { seeds?: string[]; system?: string; contactPoints?: string[] } | Error | 'hang';

/** Contact points answer by host; each answer arrives after latencyMs unless it hangs. */
function scriptedProber(s: VirtualClock, answer: (host: string, now: number) => ProbeAnswer, latencyMs = 5) {
  const calls: Array<{ url: string; at: number }> = [];
  const prober: Prober = {
    probe(url: string) {
      calls.push({ url, at: s.now() });
      const host = new URL(url).hostname;
      return new Promise<SeedNodesDocument>((resolve, reject) => {
        s.schedule(latencyMs, () => {
          const a = answer(host, s.now());
          if (a === 'hang') return;
          if (a instanceof Error) return reject(a);
          resolve({
            selfNode: parseAddress(`pekko://${a.system ?? 'sys'}@${host}:17355`),
            seedNodes: (a.seeds ?? []).map((n) => ({ node: parseAddress(n), nodeUid: 1n, status: 'Up', roles: ['dc-default'] })),
            ...(a.contactPoints && { contactPoints: a.contactPoints }),
          });
        });
      });
    },
  };
  return { prober, calls };
}

function fakeCluster(host: string) {
  const selfAddress: Address = { protocol: 'pekko', system: 'sys', host, port: 17355 };
  const calls: Array<{ kind: 'join' | 'joinSeedNodes'; seeds: string[]; at: number }> = [];
  let status: Member['status'] = 'Removed';
  const api = (s: VirtualClock): ClusterApi =>
    ({
      selfAddress,
      selfUniqueAddress: { address: selfAddress, uid: 7n },
      join: (a: Address) => {
        calls.push({ kind: 'join', seeds: [formatAddress(a)], at: s.now() });
        status = 'Joining';
      },
      joinSeedNodes: (seeds: readonly Address[]) => calls.push({ kind: 'joinSeedNodes', seeds: seeds.map(formatAddress), at: s.now() }),
      state: () => ({ self: { status } }) as unknown as ClusterState,
    }) as unknown as ClusterApi;
  return { api, calls };
}

const targets = (...hosts: string[]): ResolvedTarget[] => hosts.map((host) => ({ host, port: 7626 }));

function setup(opts: {
  self: string;
  discovery: (now: number) => Answer;
  probe: (host: string, now: number) => ProbeAnswer;
  settings?: Partial<BootstrapSettings>;
  seed?: number;
  /** Fire the coordinator's timers 1 ms early, as real timers sometimes do against the clock. */
  earlyTimers?: boolean;
  replicas?: ReplicasSource;
}) {
  const s = new VirtualClock();
  const scheduler: Scheduler = opts.earlyTimers
    ? { now: () => s.now(), schedule: (d, fn) => s.schedule(Math.max(0, d - 1), fn), scheduleRepeatedly: (i, v, fn) => s.scheduleRepeatedly(i, v, fn) }
    : s;
  const log = capturingLogger();
  const d = scriptedDiscovery(s, opts.discovery);
  const p = scriptedProber(s, opts.probe);
  const c = fakeCluster(opts.self);
  const coordinator = new BootstrapCoordinator({
    settings: { ...settings, ...opts.settings },
    selfContactPoint: { scheme: 'http', host: opts.self, port: 7626, basePath: '' },
    discovery: d.discovery,
    prober: p.prober,
    cluster: c.api(s),
    scheduler,
    random: seededRandom(opts.seed ?? 1),
    logger: log.logger,
    ...(opts.replicas && { replicas: opts.replicas }),
  });
  return { s, log, d, p, c, coordinator };
}

test('the lowest node self-joins once the discovered set was stable for stable-margin, and then stops', async () => {
  const t = setup({ self: '127.0.0.1', discovery: () => targets('127.0.0.2', '127.0.0.1', '127.0.0.3'), probe: () => ({}) });
  t.coordinator.start();
  await t.s.runUntilAsync(4999);
  assert.equal(t.c.calls.length, 0);
  assert.match(t.coordinator.status().reason ?? '', /changed .* ms ago; stable-margin is 5000 ms/);
  await t.s.runUntilAsync(7000);
  assert.equal(t.c.calls.length, 1);
  assert.equal(t.c.calls[0]?.kind, 'join');
  assert.deepEqual(t.c.calls[0]?.seeds, ['pekko://sys@127.0.0.1:17355']);
  // Observed at t=10 (lookup latency); decisions run every second, so the first passing one is at 6000.
  assert.equal(t.c.calls[0]?.at, 6000);
  assert.equal(t.coordinator.status().phase, 'joined');
  assert.equal(t.coordinator.status().reason, undefined);
  assert.ok(t.log.markers().includes('pekkoBootstrapInit'));
  assert.ok(t.log.markers().includes('pekkoBootstrapResolved'));
  assert.ok(t.log.markers().includes('pekkoBootstrapJoinSelf'));
  const probesAtJoin = t.p.calls.length;
  const lookupsAtJoin = t.d.lookups.length;
  await t.s.runUntilAsync(30_000);
  assert.equal(t.p.calls.length, probesAtJoin, 'probing stops once joined');
  assert.equal(t.d.lookups.length, lookupsAtJoin, 'lookups stop once joined');
  assert.equal(t.s.pending(), 0);
});

test('a node that is not the lowest waits, then joins the seeds a contact point reports, at once', async () => {
  let formedAt = Infinity;
  const t = setup({
    self: '127.0.0.2',
    discovery: () => targets('127.0.0.1', '127.0.0.2', '127.0.0.3'),
    probe: (host, now) => (host === '127.0.0.1' && now >= formedAt ? { seeds: ['pekko://sys@127.0.0.1:17355'] } : {}),
  });
  t.coordinator.start();
  await t.s.runUntilAsync(8000);
  assert.equal(t.c.calls.length, 0);
  assert.match(t.coordinator.status().reason ?? '', /not the lowest contact point; expecting \[127\.0\.0\.1:7626\]/);
  formedAt = 8000;
  await t.s.runUntilAsync(12_000);
  assert.equal(t.c.calls.length, 1);
  assert.equal(t.c.calls[0]?.kind, 'joinSeedNodes');
  assert.deepEqual(t.c.calls[0]?.seeds, ['pekko://sys@127.0.0.1:17355']);
  const probe = t.p.calls.filter((c) => c.url.includes('127.0.0.1') && c.at >= formedAt)[0]!;
  assert.equal(t.c.calls[0]?.at, probe.at + 5, 'decides on the probe answer, not on the next tick');
  assert.ok(t.log.markers().includes('pekkoBootstrapJoin'));
});

test('reported seeds win before the set is stable and before enough contact points answered', async () => {
  const t = setup({
    self: '127.0.0.2',
    discovery: () => targets('127.0.0.1', '127.0.0.2', '127.0.0.3'),
    probe: (host) => (host === '127.0.0.3' ? { seeds: ['pekko://sys@127.0.0.9:17355', 'pekko://sys@127.0.0.2:17355'] } : new Error('refused')),
  });
  t.coordinator.start();
  await t.s.runUntilAsync(100);
  assert.equal(t.c.calls.length, 1);
  // Self is removed from the seed list (joinSeedNodes must never make this node the first seed).
  assert.deepEqual(t.c.calls[0]?.seeds, ['pekko://sys@127.0.0.9:17355']);
});

test('failed lookups back off exponentially with jitter after the cap, and block every decision', async () => {
  let failUntil = 40_000;
  const t = setup({
    self: '127.0.0.1',
    discovery: (now) => (now < failUntil ? new DiscoveryTimeoutError(settings.lookup, 3000, 'config') : targets('127.0.0.1', '127.0.0.2')),
    probe: () => ({}),
    settings: { exponentialBackoffRandomFactor: 0 },
  });
  t.coordinator.start();
  await t.s.runUntilAsync(39_000);
  // Lookups at 0, then each failure (+10 ms latency) + interval * 2^failures: 2, 4, 8, 15 s (no jitter here).
  assert.deepEqual(t.d.lookups, [0, 2010, 6020, 14_030, 29_040]);
  assert.equal(t.c.calls.length, 0);
  assert.match(t.coordinator.status().reason ?? '', /the last discovery lookup failed: .*timed out/);
  assert.ok(t.log.markers().includes('pekkoBootstrapResolveFailed'));
  failUntil = 0;
  await t.s.runUntilAsync(60_000);
  // The lookup at 44 050 is the first to succeed; the stable-margin starts from scratch there.
  assert.ok(t.d.lookups.includes(44_050));
  assert.equal(t.c.calls[0]?.kind, 'join');
  assert.ok(t.c.calls[0]!.at >= 44_060 + 5000, `joined at ${t.c.calls[0]!.at}`);
  // Success resets the backoff: lookups are about a second apart again.
  const after = t.d.lookups.filter((x) => x >= 44_000);
  assert.ok(after.length >= 2 && after[1]! - after[0]! <= 1010, `lookups after recovery ${after.join(',')}`);
});

test('jittered lookup delays stay within interval * 2^n .. * 1.2, capped before the jitter', async () => {
  const t = setup({ self: '127.0.0.1', discovery: () => new Error('dns down'), probe: () => ({}), seed: 99 });
  t.coordinator.start();
  await t.s.runUntilAsync(120_000);
  const gaps = t.d.lookups.slice(1).map((x, i) => x - t.d.lookups[i]! - 10);
  gaps.forEach((g, i) => {
    const base = Math.min(15_000, 1000 * 2 ** (i + 1));
    assert.ok(g >= base && g <= base * 1.2, `gap ${i} = ${g}`);
  });
  assert.ok(gaps.some((g) => g > 15_000), 'the random factor is applied after the cap');
});

test('a contact point that stops answering is dropped after probing-failure-timeout and blocks the self-join', async () => {
  const t = setup({
    self: '127.0.0.1',
    discovery: () => targets('127.0.0.1', '127.0.0.2', '127.0.0.3'),
    probe: (host) => (host === '127.0.0.3' ? new Error('connect ECONNREFUSED') : {}),
  });
  t.coordinator.start();
  await t.s.runUntilAsync(20_000);
  assert.equal(t.c.calls.length, 0);
  const status = t.coordinator.status();
  assert.match(status.reason ?? '', /no recent answer from contact points \[127\.0\.0\.3:7626\]/);
  assert.ok(t.log.markers().includes('pekkoBootstrapSeedNodesProbingFailed'));
  const refused = t.p.calls.filter((c) => c.url.includes('127.0.0.3'));
  // Retried about every second while the deadline runs, then recreated by the next lookup.
  assert.ok(refused.length >= 15, `probes of the refusing point: ${refused.length}`);
  assert.equal(status.probes.find((p) => p.contactPoint === '127.0.0.1:7626')?.lastError, undefined);
});

test('a probe that hangs times out after probing-failure-timeout and ends that contact point\'s prober', async () => {
  const t = setup({
    self: '127.0.0.1',
    discovery: () => targets('127.0.0.1', '127.0.0.2'),
    probe: (host) => (host === '127.0.0.2' ? 'hang' : {}),
  });
  t.coordinator.start();
  await t.s.runUntilAsync(3100);
  assert.equal(t.coordinator.status().probes.find((x) => x.contactPoint === '127.0.0.2:7626'), undefined);
  await t.s.runUntilAsync(4500);
  // The hung prober was removed at 3010 and a new one created by the lookup that followed.
  const p = t.coordinator.status().probes.find((x) => x.contactPoint === '127.0.0.2:7626');
  const failure = t.log.lines.find((l) =>
    /Probing \[http:\/\/127\.0\.0\.2:7626\/bootstrap\/seed-nodes\] failed due to: request timed out after 3000 ms/.test(String(l['msg'])),
  );
  assert.equal(failure?.['probe'], 'contactPointProbe-127.0.0.2-7626');
  assert.ok(p !== undefined);
  assert.ok(t.log.markers().includes('pekkoBootstrapSeedNodesProbingFailed'));
});

test('one timed-out probe ends its prober even when the timeout timer fires a moment early', async () => {
  const t = setup({
    self: '127.0.0.1',
    discovery: () => targets('127.0.0.1', '127.0.0.2'),
    probe: (host) => (host === '127.0.0.2' ? 'hang' : {}),
    earlyTimers: true,
  });
  t.coordinator.start();
  await t.s.runUntilAsync(3100);
  assert.ok(t.log.markers().includes('pekkoBootstrapSeedNodesProbingFailed'), 'ProbingFailed after the first timeout');
  const probes = t.p.calls.filter((c) => c.url.includes('127.0.0.2'));
  assert.equal(probes.length, 1, 'no second probe of the hung contact point before giving up');
});

test('an unchanged discovered set keeps its timestamp whatever the order; a change restarts the margin', async () => {
  let addThirdAt = Infinity;
  const t = setup({
    self: '127.0.0.1',
    discovery: (now) =>
      now >= addThirdAt
        ? targets('127.0.0.3', '127.0.0.1', '127.0.0.2')
        : Math.floor(now / 1000) % 2 === 0
          ? targets('127.0.0.1', '127.0.0.2')
          : targets('127.0.0.2', '127.0.0.1'),
    probe: () => ({}),
    settings: { stableMarginMs: 10_000 },
  });
  addThirdAt = 4000;
  t.coordinator.start();
  await t.s.runUntilAsync(13_000);
  assert.equal(t.c.calls.length, 0, 'the third point arrived at ~4 s, so the 10 s margin is not over at 13 s');
  // Unchanged answers back off (1, 2, then at most stable-margin / 2 s, plus 20 % jitter), so the
  // third point is seen by ~11 s at the latest, and the margin runs from there.
  await t.s.runUntilAsync(23_000);
  assert.equal(t.c.calls[0]?.kind, 'join');
  const seenAt = t.d.lookups.find((at) => at + 10 >= 4000)!;
  assert.ok(seenAt <= 4000 + 6000, `third point seen at ${seenAt}`);
  assert.ok(t.c.calls[0]!.at >= seenAt + 10_000 && t.c.calls[0]!.at <= seenAt + 11_500, `joined at ${t.c.calls[0]!.at}`);
});

test('beyond Pekko: answers from another system are ignored and shown in the status', async () => {
  const t = setup({
    self: '127.0.0.2',
    discovery: () => targets('127.0.0.1', '127.0.0.2'),
    probe: (host) => (host === '127.0.0.1' ? { system: 'other', seeds: ['pekko://other@127.0.0.1:17355'] } : {}),
  });
  t.coordinator.start();
  await t.s.runUntilAsync(20_000);
  assert.equal(t.c.calls.length, 0);
  const p = t.coordinator.status().probes.find((x) => x.contactPoint === '127.0.0.1:7626');
  assert.match(p?.ignoredBecause ?? '', /reports system \[other\], this node's system is \[sys\]/);
  assert.match(t.coordinator.status().reason ?? '', /only 1 of 2/);
});

test('beyond Pekko: an empty lookup never self-joins, even when one contact point is enough', async () => {
  const t = setup({ self: '127.0.0.1', discovery: () => [], probe: () => ({}), settings: { requiredContactPointNr: 0 } });
  t.coordinator.start();
  await t.s.runUntilAsync(20_000);
  assert.equal(t.c.calls.length, 0);
  assert.match(t.coordinator.status().reason ?? '', /discovery returned no contact points/);
});

test('beyond Pekko: self missing from the targets never self-joins and the status says why', async () => {
  const t = setup({ self: 'my-host', discovery: () => targets('127.0.0.1', '127.0.0.2'), probe: () => ({}) });
  t.coordinator.start();
  await t.s.runUntilAsync(20_000);
  assert.equal(t.c.calls.length, 0);
  assert.match(t.coordinator.status().reason ?? '', /my-host:7626.*not among the discovered contact points.*publishNotReadyAddresses/);
});

test('the status snapshot shows the phase, the discovered targets and every probe answer', async () => {
  const t = setup({ self: '127.0.0.2', discovery: () => targets('127.0.0.1', '127.0.0.2'), probe: () => ({}) });
  t.coordinator.start();
  await t.s.runUntilAsync(2500);
  const st = t.coordinator.status();
  assert.equal(st.phase, 'bootstrapping');
  assert.equal(st.lookup, 'Lookup(svc,None,Some(tcp))');
  assert.deepEqual(st.contactPoints, ['127.0.0.1:7626', '127.0.0.2:7626']);
  assert.equal(st.lastLookup?.ok, true);
  assert.equal(st.probes.length, 2);
  assert.equal(st.probes[0]?.selfNode, 'pekko://sys@127.0.0.1:17355');
  assert.equal(st.probes[0]?.url, 'http://127.0.0.1:7626/bootstrap/seed-nodes');
  assert.ok((st.probes[0]?.lastAnswerAgoMs ?? 99_999) < 1300);
  assert.equal(st.contactPointsStableForMs, 2490);
});

test('a target on this node\'s own remoting port is not probed', async () => {
  const t = setup({
    self: '127.0.0.1',
    discovery: () => [{ host: '127.0.0.1', port: 17355 }, ...targets('127.0.0.2')],
    probe: () => ({}),
  });
  t.coordinator.start();
  await t.s.runUntilAsync(3000);
  assert.ok(t.p.calls.every((c) => !c.url.includes(':17355')));
  assert.equal(t.log.lines.filter((l) => /Misconfiguration detected/.test(String(l['msg']))).length, 1);
});

test('startBootstrap bails out when pekko.cluster.seed-nodes is set', () => {
  const s = new VirtualClock();
  const log = capturingLogger();
  const d = scriptedDiscovery(s, () => targets('127.0.0.1'));
  const h = startBootstrap({
    settings: { ...settings, configuredSeedNodes: ['pekko://sys@127.0.0.1:17355'] },
    discovery: d.discovery,
    cluster: fakeCluster('127.0.0.1').api(s),
    selfContactPoint: { scheme: 'http', host: '127.0.0.1', port: 7626, basePath: '' },
    logger: log.logger,
    scheduler: s,
  });
  assert.equal(h.status().phase, 'skipped');
  assert.match(h.status().reason ?? '', /seed-nodes is set/);
  assert.equal(s.pending(), 0);
  assert.ok(log.lines.some((l) => /bailing out of the bootstrap process/.test(String(l['msg']))));
  h.stop();
});

test('muster.bootstrap.deadline calls onDeadline with the reason when the node is not a member in time', async () => {
  const s = new VirtualClock();
  const reasons: string[] = [];
  const h = startBootstrap({
    settings: { ...settings, deadlineMs: 30_000 },
    discovery: scriptedDiscovery(s, () => targets('127.0.0.1', '127.0.0.2')).discovery,
    cluster: fakeCluster('my-host').api(s),
    selfContactPoint: { scheme: 'http', host: 'my-host', port: 7626, basePath: '' },
    prober: scriptedProber(s, () => ({})).prober,
    logger: capturingLogger().logger,
    scheduler: s,
    random: seededRandom(3),
    onDeadline: (r) => reasons.push(r),
  });
  await s.runUntilAsync(29_999);
  assert.deepEqual(reasons, []);
  await s.runUntilAsync(30_000);
  assert.equal(reasons.length, 1);
  assert.match(reasons[0]!, /30000 ms .* not among the discovered contact points/);
  h.stop();
  // A probe may be in flight at the stop: its answer arrives and is dropped; nothing is left after it.
  await s.runUntilAsync(30_100);
  assert.equal(s.pending(), 0);
});

test('the deadline does not fire for a node that joined in time', async () => {
  const s = new VirtualClock();
  const reasons: string[] = [];
  startBootstrap({
    settings: { ...settings, deadlineMs: 30_000 },
    discovery: scriptedDiscovery(s, () => targets('127.0.0.1', '127.0.0.2')).discovery,
    cluster: fakeCluster('127.0.0.1').api(s),
    selfContactPoint: { scheme: 'http', host: '127.0.0.1', port: 7626, basePath: '' },
    prober: scriptedProber(s, () => ({})).prober,
    logger: capturingLogger().logger,
    scheduler: s,
    random: seededRandom(4),
    onDeadline: (r) => reasons.push(r),
  });
  await s.runUntilAsync(40_000);
  assert.deepEqual(reasons, []);
});

test('beyond Pekko: a slow answer is as old as its request, so a stale "no cluster" cannot make a second cluster', async () => {
  // X (127.0.0.5) forms a cluster at 6 s without this node in its view. This node (127.0.0.2,
  // lowest) gets X's answers 2.5 s after asking; the answer describes X 10 ms after the request.
  const s = new VirtualClock();
  const formedAt = 6000;
  const prober: Prober = {
    probe(url: string) {
      const host = new URL(url).hostname;
      return new Promise<SeedNodesDocument>((resolve) => {
        s.schedule(10, () => {
          const seeds = host === '127.0.0.5' && s.now() >= formedAt ? ['pekko://sys@127.0.0.5:17355'] : [];
          s.schedule(host === '127.0.0.5' ? 2490 : 1, () =>
            resolve({
              selfNode: parseAddress(`pekko://sys@${host}:17355`),
              seedNodes: seeds.map((n) => ({ node: parseAddress(n), nodeUid: 1n, status: 'Up', roles: [] })),
            }),
          );
        });
      });
    },
  };
  const c = fakeCluster('127.0.0.2');
  const coordinator = new BootstrapCoordinator({
    settings,
    selfContactPoint: { scheme: 'http', host: '127.0.0.2', port: 7626, basePath: '' },
    discovery: scriptedDiscovery(s, () => targets('127.0.0.5', '127.0.0.2')).discovery,
    prober,
    cluster: c.api(s),
    scheduler: s,
    random: seededRandom(5),
    logger: capturingLogger().logger,
  });
  coordinator.start();
  await s.runUntilAsync(20_000);
  // Dated on arrival, the empty answer asked for at ~3.6 s would count as fresh until ~9.1 s and
  // this node would have self-joined at the 7 s tick; dated when sent, it is too old by then.
  assert.equal(c.calls.length, 1);
  assert.equal(c.calls[0]?.kind, 'joinSeedNodes');
  assert.deepEqual(c.calls[0]?.seeds, ['pekko://sys@127.0.0.5:17355']);
});

test('a malformed discovery answer counts as a failed lookup and a throwing join is logged, never a crash', async () => {
  const s = new VirtualClock();
  const log = capturingLogger();
  let broken = true;
  const discovery: ServiceDiscovery = {
    lookup: () =>
      new Promise<Resolved>((resolve) =>
        s.schedule(10, () => resolve((broken ? {} : { serviceName: 'svc', addresses: targets('127.0.0.1', '127.0.0.2') }) as Resolved)),
      ),
  };
  const c = fakeCluster('127.0.0.1');
  const cluster = {
    ...c.api(s),
    selfAddress: c.api(s).selfAddress,
    join: () => {
      throw new Error('transport closed');
    },
  };
  const coordinator = new BootstrapCoordinator({
    settings,
    selfContactPoint: { scheme: 'http', host: '127.0.0.1', port: 7626, basePath: '' },
    discovery,
    prober: scriptedProber(s, () => ({})).prober,
    cluster,
    scheduler: s,
    random: seededRandom(6),
    logger: log.logger,
  });
  coordinator.start();
  await s.runUntilAsync(3000);
  assert.match(coordinator.status().reason ?? '', /lookup failed: discovery answered without an address list/);
  broken = false;
  await s.runUntilAsync(30_000);
  assert.ok(log.lines.some((l) => l['msg'] === 'Join decision failed' && l['err'] === 'transport closed'));
});

// ------------------------------------------------------------------ replicas fast path
const cps = (...hosts: string[]) => hosts.map((h) => `${h}:7626`);

test('fast path: once all expected replicas answer with this set, the lowest joins without waiting out stable-margin', async () => {
  // The third pod shows up at 1.5 s; each peer's own view is complete from 2 s on.
  const full = (now: number) => now >= 1500;
  const t = setup({
    self: '127.0.0.1',
    discovery: (now) => (full(now) ? targets('127.0.0.1', '127.0.0.2', '127.0.0.3') : targets('127.0.0.1', '127.0.0.2')),
    probe: (host, now) =>
      host === '127.0.0.1'
        ? { contactPoints: t.coordinator.reportedContactPoints() as string[] }
        : { contactPoints: now >= 2000 ? cps('127.0.0.1', '127.0.0.2', '127.0.0.3') : cps('127.0.0.1', '127.0.0.2') },
    settings: { expectedReplicas: 3 },
  });
  t.coordinator.start();
  assert.equal(t.coordinator.reportedContactPoints(), undefined, 'nothing to report before the first lookup');
  await t.s.runUntilAsync(1000);
  assert.deepEqual(t.coordinator.reportedContactPoints(), cps('127.0.0.1', '127.0.0.2'));
  // Probes answered at ~1 s report two points: not the expected three.
  assert.match(t.coordinator.status().reason ?? '', /replicas fast path not taken: 2 contact points discovered, expected replicas 3/);
  await t.s.runUntilAsync(4000);
  assert.equal(t.c.calls[0]?.kind, 'join');
  const joinedAt = t.c.calls[0]!.at;
  const changedAt = t.d.lookups.find((at) => at + 10 >= 1500)! + 10;
  assert.ok(joinedAt < changedAt + 5000, `joined at ${joinedAt}, set changed at ${changedAt}`);
  assert.ok(t.log.markers().includes('musterBootstrapFastPath'));
  assert.equal(t.coordinator.reportedContactPoints(), undefined, 'a node that issued a join vouches for nothing');
  // The change was probed at once, not on the next probe tick.
  const reprobe = t.p.calls.filter((c) => c.at === changedAt && c.url.includes('127.0.0.2'));
  assert.equal(reprobe.length, 1, `probes of 127.0.0.2 at ${t.p.calls.map((c) => c.at).join(', ')}`);
});

test('fast path: a peer that has not seen the same set holds the lowest back until stable-margin', async () => {
  const t = setup({
    self: '127.0.0.1',
    discovery: () => targets('127.0.0.1', '127.0.0.2'),
    probe: (host) => ({ contactPoints: host === '127.0.0.2' ? cps('127.0.0.1', '127.0.0.2', '127.0.0.9') : cps('127.0.0.1', '127.0.0.2') }),
    settings: { expectedReplicas: 2 },
  });
  t.coordinator.start();
  await t.s.runUntilAsync(4900);
  assert.equal(t.c.calls.length, 0);
  assert.match(t.coordinator.status().reason ?? '', /\[127\.0\.0\.2:7626\] reports contact points \[127\.0\.0\.1:7626, 127\.0\.0\.2:7626, 127\.0\.0\.9:7626\]/);
  await t.s.runUntilAsync(7000);
  // The ordinary rule: observed at 10 ms, so the margin ends at 5010 (answers trigger a decision).
  assert.ok(t.c.calls[0]!.at >= 5010 && t.c.calls[0]!.at <= 6000, `joined at ${t.c.calls[0]?.at}`);
  assert.ok(!t.log.markers().includes('musterBootstrapFastPath'));
});

test('fast path with expected-replicas = kubernetes: only the lowest node asks for the count; it applies once read', async () => {
  const asked: number[] = [];
  let count: number | undefined;
  const replicas = (s: () => number): ReplicasSource => ({ current: () => count, request: () => void asked.push(s()) });
  const mk = (self: string) => {
    const t: ReturnType<typeof setup> = setup({
      self,
      discovery: () => targets('127.0.0.1', '127.0.0.2'),
      probe: () => ({ contactPoints: cps('127.0.0.1', '127.0.0.2') }),
      settings: { expectedReplicas: 'kubernetes' },
      replicas: replicas(() => t.s.now()),
    });
    return t;
  };
  const other = mk('127.0.0.2');
  other.coordinator.start();
  await other.s.runUntilAsync(3000);
  assert.deepEqual(asked, [], 'a node that is not the lowest never reads the count');
  const lowest = mk('127.0.0.1');
  lowest.coordinator.start();
  await lowest.s.runUntilAsync(2500);
  assert.ok(asked.length >= 1);
  assert.equal(lowest.c.calls.length, 0, 'no count yet: the stable-margin applies');
  count = 2;
  await lowest.s.runUntilAsync(4000);
  assert.equal(lowest.c.calls[0]?.kind, 'join');
  assert.ok(lowest.c.calls[0]!.at < 4000);
});
