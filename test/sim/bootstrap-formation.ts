// Randomized cluster formations through Cluster Bootstrap on the deterministic simulator: every
// node runs a real ClusterNode (ClusterSim, in-memory network) and a real BootstrapCoordinator;
// discovery and contact-point probing are modelled in memory with failures, drops and delays.
//
// Two families of discovery behaviour, both of which the rules must turn into exactly one cluster:
//  * 'contains-lowest': every node gets its own, changing answers (random subsets, failures, empty
//    answers), but every non-empty answer lists the lowest node L. Only L can ever pass the
//    self-join rule, so a second cluster would be a bug. After a calm time all answers are full.
//  * 'started-set': like DNS or the Kubernetes API, an answer lists the nodes started when the
//    lookup began (nodes start at random times and in random order); lookups fail at random
//    during the chaotic phase and take up to 300 ms.
// Probes are dropped (the request hangs until the probing-failure-timeout), slow (up to 4 s, so
// some time out) or refused while the target has not started yet. In some runs a node of another
// system (with a cluster of its own) shows up in answers before the calm point, and nodes other
// than the lowest may have new-cluster-enabled off.
//
// With `fastPath`, every node runs the replicas fast path (muster.bootstrap.expected-replicas) with
// a count that is right, or stale: lower than the pods being started (a scale-up during
// formation, or surge pods of a rollout), higher (a scale-down), or different per node (the count
// read at different times). Probe answers carry the answering node's reported contact points.
import { compareResolvedTarget, formatAddress, type ResolvedTarget } from '../../src/address.js';
import type { Random } from '../../src/clock.js';
import { BootstrapCoordinator, type Prober } from '../../src/bootstrap/coordinator.js';
import { parseSeedNodesJson, type SeedNodesDocument } from '../../src/bootstrap/seed-nodes.js';
import type { BootstrapSettings } from '../../src/bootstrap/settings.js';
import type { Resolved, ServiceDiscovery } from '../../src/discovery/types.js';
import { silentLogger } from '../../src/logging.js';
import { seedNodesBody } from '../../src/management/seed-nodes-json.js';
import { ClusterSim, simAddress, type SimNode } from './cluster-sim.js';
import { forkRandom, randomInt, seededRandom } from './prng.js';
import { drainPromiseJobs, type VirtualClock } from './virtual-clock.js';

export type Family = 'contains-lowest' | 'started-set';

export interface FormationResult {
  readonly seed: number;
  readonly family: Family;
  readonly n: number;
  /** Nodes that issued a self-join (each one starts a cluster). */
  readonly selfJoins: readonly string[];
  readonly problems: readonly string[];
  /** Virtual ms from the calm point to all nodes Up in one cluster (undefined if never). */
  readonly formedAfterCalmMs: number | undefined;
  readonly virtualMs: number;
  /** Probe answers delivered from the node of another system. */
  readonly foreignAnswers: number;
  /** Nodes that ran with new-cluster-enabled off. */
  readonly newClusterDisabled: number;
  /** Fast-path runs: how the expected count relates to the pods started. */
  readonly expected?: ExpectedKind;
  /** Self-joins made before the contact points were stable for stable-margin (the fast path). */
  readonly fastPathJoins: number;
  /** Virtual ms from the last node's start to all Up in one cluster (undefined if never). */
  readonly formedAfterLastStartMs: number | undefined;
}

export type ExpectedKind = 'exact' | 'scale-up' | 'surge' | 'stale-high' | 'mixed';

export interface TrialOptions {
  readonly family?: Family;
  /** Run the replicas fast path on every node. */
  readonly fastPath?: boolean;
}

/** The expected count each node uses, by scenario kind (drawn from its own stream). */
function expectedCounts(rnd: Random, n: number): { kind: ExpectedKind; counts: number[] } {
  const kinds: ExpectedKind[] = ['exact', 'exact', 'scale-up', 'surge', 'stale-high', 'mixed'];
  const kind = kinds[randomInt(rnd, 0, kinds.length - 1)]!;
  const lower = randomInt(rnd, 1, Math.max(1, n - 1));
  const one = (e: number) => Array.from({ length: n }, () => e);
  switch (kind) {
    case 'exact':
      return { kind, counts: one(n) };
    case 'scale-up': // replicas were raised while the first pods formed; they read the old count
      return { kind, counts: one(lower) };
    case 'surge': // one pod more than replicas exists (a surge pod of a rollout)
      return { kind, counts: one(Math.max(1, n - 1)) };
    case 'stale-high': // replicas were lowered; fewer pods will ever exist than the count says
      return { kind, counts: one(n + randomInt(rnd, 1, 3)) };
    case 'mixed': // each node read the count at another time
      return { kind, counts: Array.from({ length: n }, () => (rnd() < 0.5 ? lower : n)) };
  }
}

const MGMT_PORT = 7626;
const LIMIT_AFTER_CALM_MS = 90_000;

export const simBootstrapSettings: BootstrapSettings = {
  newClusterEnabled: true,
  newClusterEnabledFromLegacyKey: false,
  lookup: { serviceName: 'sim', protocol: 'tcp' },
  discoveryMethod: 'sim',
  stableMarginMs: 5000,
  intervalMs: 1000,
  exponentialBackoffRandomFactor: 0.2,
  exponentialBackoffMaxMs: 15_000,
  requiredContactPointNr: 2,
  resolveTimeoutMs: 3000,
  contactWithAllContactPoints: true,
  fallbackPort: MGMT_PORT,
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

/** Promise settlements the simulator caused, so the driver knows when to let promise jobs run. */
class AsyncWork {
  settled = false;
}


/** Advances virtual time timer by timer, letting promise jobs run after any simulated I/O settled. */
async function drive(clock: VirtualClock, work: AsyncWork, until: number, done: () => boolean): Promise<void> {
  while (clock.now() < until && !done()) {
    const due = clock.nextDue();
    clock.runUntil(due === undefined ? until : Math.min(due, until));
    if (work.settled) {
      work.settled = false;
      await drainPromiseJobs();
    }
  }
}

interface Plan {
  readonly family: Family;
  readonly n: number;
  /** Last octets of the nodes' addresses (10.0.0.x), in node order. */
  readonly octets: readonly number[];
  readonly startAt: readonly number[];
  readonly calmAt: number;
  readonly withAddress: boolean;
  readonly required: number;
  readonly chaos: { lookupFail: number; empty: number; drop: number; slow: number };
  readonly calm: { drop: number; slow: number };
  /** Last octet of a node of another system listed before the calm point, if any. */
  readonly foreign: number | undefined;
  /** Per node: new-cluster-enabled (always on for the lowest node, which must be able to form). */
  readonly newClusterEnabled: readonly boolean[];
}

function plan(rnd: Random, family: Family): Plan {
  const n = randomInt(rnd, 2, 5);
  const octets: number[] = [];
  while (octets.length < n) {
    const o = randomInt(rnd, 1, 254);
    if (!octets.includes(o)) octets.push(o);
  }
  let foreign: number | undefined;
  if (rnd() < 0.3) {
    do foreign = randomInt(rnd, 1, 254);
    while (octets.includes(foreign));
  }
  const spread = rnd() < 0.3 ? 0 : randomInt(rnd, 0, 12_000);
  const startAt = octets.map(() => randomInt(rnd, 0, spread));
  return {
    family,
    n,
    octets,
    startAt,
    calmAt: Math.max(...startAt) + randomInt(rnd, 0, 25_000),
    withAddress: rnd() < 0.7,
    required: randomInt(rnd, 1, Math.min(n, 3)),
    chaos: { lookupFail: rnd() * 0.3, empty: rnd() * 0.1, drop: rnd() * 0.3, slow: rnd() * 0.15 },
    calm: { drop: rnd() * 0.03, slow: rnd() * 0.02 },
    foreign,
    newClusterEnabled: octets.map(() => rnd() >= 0.25),
  };
}

export async function formationTrial(seed: number, options: Family | TrialOptions = {}): Promise<FormationResult> {
  const o: TrialOptions = typeof options === 'string' ? { family: options } : options;
  const rnd = seededRandom(seed ^ 0xb007);
  const family: Family = o.family ?? (seed % 2 === 0 ? 'contains-lowest' : 'started-set');
  const p = plan(rnd, family);
  const expected = o.fastPath ? expectedCounts(seededRandom(seed ^ 0xfa57), p.n) : undefined;
  const sim = new ClusterSim({
    seed,
    codec: 'none',
    faults: { dropRate: rnd() * 0.05, duplicateRate: rnd() * 0.05, minDelayMs: 1, maxDelayMs: 1 + randomInt(rnd, 0, 100) },
  });
  const clock = sim.clock;
  const work = new AsyncWork();
  const problems: string[] = [];
  const selfJoins: string[] = [];
  let foreignAnswers = 0;
  let fastPathJoins = 0;

  const targets: ResolvedTarget[] = p.octets.map((o) => ({
    host: `10.0.0.${o}`,
    port: MGMT_PORT,
    ...(p.withAddress && { address: `10.0.0.${o}` }),
  }));
  // The lowest node by the bootstrap order (signed address bytes, or host string without addresses).
  const lowestIndex = targets.reduce((best, t, i) => (compareResolvedTarget(t, targets[best]!) < 0 ? i : best), 0);
  const foreignHost = p.foreign === undefined ? undefined : `10.0.0.${p.foreign}`;
  const foreignTarget: ResolvedTarget | undefined =
    foreignHost === undefined ? undefined : { host: foreignHost, port: MGMT_PORT, ...(p.withAddress && { address: foreignHost }) };
  const foreignDoc =
    foreignHost === undefined
      ? undefined
      : `{"seedNodes":[{"node":"pekko://other@${foreignHost}:17355","nodeUid":1,"roles":["dc-default"],"status":"Up"}],"selfNode":"pekko://other@${foreignHost}:17355"}`;

  const nodes: Array<SimNode | undefined> = p.octets.map(() => undefined);
  const coordinators: Array<BootstrapCoordinator | undefined> = p.octets.map(() => undefined);
  const byHost = new Map<string, number>(p.octets.map((o, i) => [`10.0.0.${o}`, i]));
  const calm = () => clock.now() >= p.calmAt;

  const discoveryFor = (random: Random): ServiceDiscovery => ({
    lookup(lookup) {
      const startedAt = clock.now();
      return new Promise<Resolved>((resolve, reject) => {
        clock.schedule(randomInt(random, 1, 300), () => {
          work.settled = true;
          const quiet = calm();
          if (!quiet && random() < p.chaos.lookupFail) return reject(new Error('simulated lookup failure'));
          let answer: ResolvedTarget[];
          if (p.family === 'started-set') {
            answer = targets.filter((_, j) => p.startAt[j]! <= startedAt);
          } else if (quiet) {
            answer = [...targets];
          } else if (random() < p.chaos.empty) {
            answer = [];
          } else {
            // A subset that always contains the lowest node; self may be missing.
            answer = targets.filter((_, j) => j === lowestIndex || random() < 0.6);
          }
          if (foreignTarget && !quiet && random() < 0.5) answer.push(foreignTarget);
          resolve({ serviceName: lookup.serviceName, addresses: shuffle(answer, random) });
        });
      });
    },
  });

  const proberFor = (random: Random): Prober => ({
    probe(url) {
      const host = new URL(url).hostname;
      const target = byHost.get(host);
      return new Promise<SeedNodesDocument>((resolve, reject) => {
        if (host === foreignHost && foreignDoc !== undefined) {
          return void clock.schedule(randomInt(random, 2, 60), () => {
            work.settled = true;
            foreignAnswers++;
            resolve(parseSeedNodesJson(foreignDoc));
          });
        }
        const quiet = calm();
        if (random() < (quiet ? p.calm.drop : p.chaos.drop)) return; // lost: the request hangs
        const slow = random() < (quiet ? p.calm.slow : p.chaos.slow);
        const there = slow ? randomInt(random, 0, 2000) : randomInt(random, 1, 30);
        const back = slow ? randomInt(random, 0, 2000) : randomInt(random, 1, 30);
        clock.schedule(there, () => {
          const node = target === undefined ? undefined : nodes[target];
          if (!node?.alive) {
            work.settled = true;
            return reject(new Error('connect ECONNREFUSED'));
          }
          // The server answers with its view at arrival time; the answer travels back afterwards.
          const body = seedNodesBody(node.node.state(), node.address);
          const contactPoints = coordinators[target!]?.reportedContactPoints();
          clock.schedule(back, () => {
            work.settled = true;
            const doc = parseSeedNodesJson(body);
            resolve(contactPoints === undefined ? doc : { ...doc, contactPoints });
          });
        });
      });
    },
  });

  const startNode = (i: number) => {
    const address = simAddress(p.octets[i]!);
    const node = sim.start(address, []);
    nodes[i] = node;
    const random = forkRandom(rnd);
    const selfText = formatAddress(address);
    const cluster = {
      selfAddress: node.node.selfAddress,
      join: (a: typeof address) => {
        if (formatAddress(a) === selfText) {
          selfJoins.push(selfText);
          const stableFor = coordinators[i]?.status().contactPointsStableForMs ?? Infinity;
          if (stableFor < simBootstrapSettings.stableMarginMs) fastPathJoins++;
        }
        node.node.join(a);
      },
      joinSeedNodes: (seeds: readonly (typeof address)[]) => {
        if (seeds.some((s) => formatAddress(s) === selfText)) problems.push(`${selfText} passed itself to joinSeedNodes`);
        if (seeds.some((s) => s.system !== address.system)) problems.push(`${selfText} tried to join another system`);
        node.node.joinSeedNodes(seeds);
      },
    };
    const coordinator = new BootstrapCoordinator({
      settings: {
        ...simBootstrapSettings,
        requiredContactPointNr: p.required,
        newClusterEnabled: i === lowestIndex || p.newClusterEnabled[i]!,
        ...(expected && { expectedReplicas: expected.counts[i]! }),
      },
      selfContactPoint: { scheme: 'http', host: `10.0.0.${p.octets[i]}`, port: MGMT_PORT, basePath: '' },
      discovery: discoveryFor(forkRandom(random)),
      prober: proberFor(forkRandom(random)),
      cluster,
      scheduler: clock,
      random,
      logger: silentLogger,
    });
    coordinators[i] = coordinator;
    coordinator.start();
  };
  p.startAt.forEach((at, i) => clock.schedule(at, () => startNode(i)));

  let formedAt: number | undefined;
  const formed = () => {
    const live = nodes.filter((x): x is SimNode => x !== undefined);
    return live.length === p.n && sim.allUp(live);
  };
  const limit = p.calmAt + LIMIT_AFTER_CALM_MS;
  // Checking every node's view is the costly part of a step, so it runs every 50 virtual ms.
  let checkedAt = -Infinity;
  await drive(clock, work, limit, () => {
    if (selfJoins.length > 1) return true;
    if (clock.now() - checkedAt >= 50) {
      checkedAt = clock.now();
      if (formed()) formedAt = clock.now();
    }
    return formedAt !== undefined;
  });

  if (selfJoins.length > 1) problems.push(`${selfJoins.length} clusters formed: ${selfJoins.join(', ')}`);
  if (selfJoins.length === 1 && p.family === 'contains-lowest') {
    const expected = formatAddress(simAddress(p.octets[lowestIndex]!));
    if (selfJoins[0] !== expected) problems.push(`${selfJoins[0]} self-joined but only ${expected} may`);
  }
  if (formedAt === undefined && selfJoins.length <= 1) {
    const reasons = coordinators.map((c, i) => `10.0.0.${p.octets[i]}: ${c?.status().phase} ${c?.status().reason ?? ''}`);
    problems.push(`no single cluster of ${p.n} Up members within ${LIMIT_AFTER_CALM_MS} ms after calm; ${reasons.join(' | ')}`);
  }
  problems.push(...sim.violations);
  for (const c of coordinators) c?.stop();
  for (const n of nodes) if (n) sim.kill(n);
  return {
    seed,
    family,
    n: p.n,
    selfJoins,
    problems,
    formedAfterCalmMs: formedAt === undefined ? undefined : Math.max(0, formedAt - p.calmAt),
    fastPathJoins,
    formedAfterLastStartMs: formedAt === undefined ? undefined : formedAt - Math.max(...p.startAt),
    ...(expected && { expected: expected.kind }),
    virtualMs: clock.now(),
    foreignAnswers,
    newClusterDisabled: p.newClusterEnabled.filter((on, i) => !on && i !== lowestIndex).length,
  };
}

function shuffle<T>(items: T[], random: Random): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
