// The bootstrap coordinator (spec 2.3-2.9): the imperative shell around the pure decider. It runs
// discovery lookups with backoff, one probe loop per contact point, a periodic decision, and
// issues exactly one join. Time, randomness, discovery, probing and the cluster are injected.
// Lookups stop once a join is issued and back off while their answer does not change.
import {
  compareResolvedTarget,
  formatAddress,
  formatTarget,
  resolvedTargetEquals,
  type Address,
  type ResolvedTarget,
} from '../address.js';
import type { Cancellable, Random, Scheduler } from '../clock.js';
import type { ClusterApi } from '../cluster/api.js';
import type { BootstrapSettings } from './settings.js';
import { formatLookup, type ServiceDiscovery } from '../discovery/types.js';
import type { Logger } from '../logging.js';
import { lookupDelayMs, probeDelayMs } from './backoff.js';
import { cleanHost, formatSelfContactPoint, matchesSelf, probeUrl, selectHosts, type SelfContactPoint } from './contact-points.js';
import { decide, type DecisionLog, type JoinDecision, type SeedNodesObservation } from './decider.js';
import type { SeedNodesDocument } from './seed-nodes.js';

/** Fetches one contact point's seed-nodes document; rejects with an error that says what failed. */
export interface Prober {
  probe(url: string, timeoutMs: number): Promise<SeedNodesDocument>;
  close?(): void;
}

export type BootstrapPhase = 'initial' | 'bootstrapping' | 'joined' | 'skipped' | 'stopped';

export interface ContactPointStatus {
  readonly contactPoint: string;
  readonly url: string;
  readonly lastAnswerAgoMs?: number;
  readonly selfNode?: string;
  readonly seedNodes: readonly string[];
  readonly lastError?: string;
  /** Set when answers from this contact point are not used (another system, for example). */
  readonly ignoredBecause?: string;
}

/** What GET /bootstrap/status shows: enough to see why a node has not joined yet. */
export interface BootstrapStatus {
  readonly phase: BootstrapPhase;
  readonly lookup: string;
  readonly discoveryMethod: string;
  readonly selfContactPoint: string;
  readonly selfAddress: string;
  readonly lastLookup?: {
    readonly agoMs: number;
    readonly ok: boolean;
    readonly error?: string;
    readonly resolved: readonly string[];
  };
  readonly contactPoints: readonly string[];
  readonly contactPointsStableForMs?: number;
  readonly probes: readonly ContactPointStatus[];
  readonly decision?: { readonly type: JoinDecision['type']; readonly seedNodes?: readonly string[] };
  /** Why this node has not joined; absent once a join was issued. */
  readonly reason?: string;
}

export type CoordinatorSettings = Pick<
  BootstrapSettings,
  | 'newClusterEnabled'
  | 'lookup'
  | 'discoveryMethod'
  | 'stableMarginMs'
  | 'intervalMs'
  | 'exponentialBackoffRandomFactor'
  | 'exponentialBackoffMaxMs'
  | 'requiredContactPointNr'
  | 'resolveTimeoutMs'
  | 'contactWithAllContactPoints'
  | 'fallbackPort'
  | 'filterOnFallbackPort'
  | 'probingFailureTimeoutMs'
  | 'probeIntervalMs'
  | 'probeIntervalJitter'
  | 'expectedReplicas'
>;

/** Where the replicas fast path learns the expected count when it is not a configured number. */
export interface ReplicasSource {
  /** The count read so far; undefined while unknown. */
  current(): number | undefined;
  /** Asks for the count to be read (no-op while a read is running or once one succeeded). */
  request(): void;
}

export interface CoordinatorOptions {
  readonly settings: CoordinatorSettings;
  readonly selfContactPoint: SelfContactPoint;
  readonly discovery: ServiceDiscovery;
  readonly prober: Prober;
  readonly cluster: Pick<ClusterApi, 'selfAddress' | 'join' | 'joinSeedNodes'>;
  readonly scheduler: Scheduler;
  readonly random: Random;
  readonly logger: Logger;
  /** Needed when settings.expectedReplicas is `kubernetes`. */
  readonly replicas?: ReplicasSource;
}

interface ContactsObservation {
  readonly observedAt: number;
  readonly contactPoints: readonly ResolvedTarget[];
}

interface ProbeLoop {
  /** `contactPointProbe-<cleanHost>-<port>`, Pekko's name for the prober of this contact point (for logs). */
  readonly name: string;
  readonly target: ResolvedTarget;
  readonly url: string;
  deadline: number;
  timer: Cancellable | undefined;
  /** The timeout of the request in flight, if any. */
  inflight: Cancellable | undefined;
  stopped: boolean;
  status: {
    lastAnswerAt?: number;
    selfNode?: string;
    seedNodes: readonly string[];
    lastError?: string;
    ignoredBecause?: string;
  };
}

const targetKey = (t: ResolvedTarget) => `${t.host}|${t.port ?? ''}|${t.address ?? ''}`;
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));
const list = (items: readonly string[]) => items.join(', ');

function dedupe(targets: readonly ResolvedTarget[]): ResolvedTarget[] {
  const out: ResolvedTarget[] = [];
  for (const t of targets) if (!out.some((o) => resolvedTargetEquals(o, t))) out.push(t);
  return out;
}

function sameSet(a: readonly ResolvedTarget[], b: readonly ResolvedTarget[]): boolean {
  return a.length === b.length && a.every((t) => b.some((u) => resolvedTargetEquals(t, u)));
}

export class BootstrapCoordinator {
  private phase: BootstrapPhase = 'initial';
  private discoverTimer: Cancellable | undefined;
  private decideTimer: Cancellable | undefined;
  private failures = 0;
  /** Successful lookups in a row whose answer did not change the contact points. */
  private unchanged = 0;
  private observation: ContactsObservation | undefined;
  private readonly observations = new Map<string, SeedNodesObservation>();
  private readonly probes = new Map<string, ProbeLoop>();
  private readonly warnedSelfProbe = new Set<string>();
  private lastLookup: { at: number; ok: boolean; error?: string; resolved: readonly ResolvedTarget[] } | undefined;
  private lastDecision: JoinDecision | undefined;
  private lookupGeneration = 0;
  /** Generation of the newest lookup whose answer was applied; older answers arriving late are dropped. */
  private appliedGeneration = 0;

  constructor(private readonly o: CoordinatorOptions) {}

  /** Arms the timers and runs the first lookup at once (Pekko's creation plus InitiateBootstrapping). */
  start(): void {
    if (this.phase !== 'initial') {
      this.o.logger.warn('Bootstrap already initiated, ignoring start()');
      return;
    }
    const s = this.o.settings;
    this.armDiscover();
    this.decideTimer = this.o.scheduler.scheduleRepeatedly(s.probeIntervalMs, s.probeIntervalMs, () => this.decide());
    this.phase = 'bootstrapping';
    this.o.logger.info(
      { marker: 'pekkoBootstrapInit' },
      `Locating service members. Using discovery [${s.discoveryMethod}], join decider [LowestAddressJoinDecider], scheme [${this.o.selfContactPoint.scheme}]`,
    );
    this.lookup();
  }

  /** Stops timers and probing; the seed-nodes route keeps serving. */
  stop(): void {
    if (this.phase === 'bootstrapping' || this.phase === 'initial') this.phase = 'stopped';
    this.discoverTimer?.cancel();
    this.decideTimer?.cancel();
    this.discoverTimer = this.decideTimer = undefined;
    for (const p of this.probes.values()) this.stopProbe(p);
    this.probes.clear();
  }

  status(): BootstrapStatus {
    const now = this.o.scheduler.now();
    const reason = this.reasonNotJoined();
    return {
      phase: this.phase,
      lookup: formatLookup(this.o.settings.lookup),
      discoveryMethod: this.o.settings.discoveryMethod,
      selfContactPoint: formatSelfContactPoint(this.o.selfContactPoint),
      selfAddress: formatAddress(this.o.cluster.selfAddress),
      ...(this.lastLookup && {
        lastLookup: {
          agoMs: Math.round(now - this.lastLookup.at),
          ok: this.lastLookup.ok,
          ...(this.lastLookup.error !== undefined && { error: this.lastLookup.error }),
          resolved: this.lastLookup.resolved.map(formatTarget),
        },
      }),
      contactPoints: (this.observation?.contactPoints ?? []).map(formatTarget),
      ...(this.observation && { contactPointsStableForMs: Math.round(now - this.observation.observedAt) }),
      probes: [...this.probes.values()].map((p) => ({
        contactPoint: formatTarget(p.target),
        url: p.url,
        ...(p.status.lastAnswerAt !== undefined && { lastAnswerAgoMs: Math.round(now - p.status.lastAnswerAt) }),
        ...(p.status.selfNode !== undefined && { selfNode: p.status.selfNode }),
        seedNodes: p.status.seedNodes,
        ...(p.status.lastError !== undefined && { lastError: p.status.lastError }),
        ...(p.status.ignoredBecause !== undefined && { ignoredBecause: p.status.ignoredBecause }),
      })),
      ...(this.lastDecision && {
        decision: {
          type: this.lastDecision.type,
          ...(this.lastDecision.type === 'JoinOtherSeedNodes' && {
            seedNodes: this.lastDecision.seedNodes.map(formatAddress),
          }),
        },
      }),
      ...(reason !== undefined && { reason }),
    };
  }

  /**
   * Replicas fast path: the contact points this node vouches for in its seed-nodes answer. Only
   * while bootstrapping; a node that has issued a join vouches for nothing.
   */
  reportedContactPoints(): readonly string[] | undefined {
    if (this.o.settings.expectedReplicas === undefined || this.phase !== 'bootstrapping' || !this.observation) return undefined;
    return this.observation.contactPoints.map(formatTarget);
  }

  private expectedReplicas(): number | undefined {
    const e = this.o.settings.expectedReplicas;
    return e === 'kubernetes' ? this.o.replicas?.current() : e;
  }

  private reasonNotJoined(): string | undefined {
    switch (this.phase) {
      case 'joined':
      case 'skipped':
        return undefined;
      case 'initial':
        return 'bootstrap has not been started';
      case 'stopped':
        return 'bootstrap was stopped before a join was issued';
      case 'bootstrapping':
        if (this.lastLookup === undefined) return 'waiting for the first discovery lookup';
        if (!this.lastLookup.ok) return `the last discovery lookup failed: ${this.lastLookup.error ?? 'unknown error'}`;
        if (this.lastDecision?.type === 'KeepProbing') return this.lastDecision.reason;
        return 'waiting for the next decision';
    }
  }

  private armDiscover(): void {
    this.discoverTimer?.cancel();
    const s = this.o.settings;
    // Failures back off as Pekko does. Beyond Pekko, an unchanged answer also backs off (fewer
    // API requests), capped at half the stable-margin so the set is re-read within every margin.
    const unchangedCap = Math.max(s.intervalMs, Math.min(s.exponentialBackoffMaxMs, s.stableMarginMs / 2));
    const delay =
      this.failures > 0 || this.unchanged === 0
        ? lookupDelayMs(this.failures, s, this.o.random)
        : lookupDelayMs(this.unchanged, { ...s, exponentialBackoffMaxMs: unchangedCap }, this.o.random);
    this.discoverTimer = this.o.scheduler.schedule(delay, () => this.lookup());
  }

  private lookup(): void {
    if (this.phase !== 'bootstrapping') return;
    const s = this.o.settings;
    const generation = ++this.lookupGeneration;
    this.o.logger.info(`Looking up [${formatLookup(s.lookup)}]`);
    let pending: Promise<{ readonly addresses: readonly ResolvedTarget[] }>;
    try {
      pending = this.o.discovery.lookup(s.lookup, s.resolveTimeoutMs);
    } catch (e) {
      pending = Promise.reject(e);
    }
    pending
      .then(
        (resolved) => {
          if (!Array.isArray(resolved?.addresses)) throw new Error('discovery answered without an address list');
          this.onResolved(resolved.addresses, generation);
        },
        (e: unknown) => this.onResolveFailed(e, generation),
      )
      // A broken answer is a failed lookup, never a crash.
      .catch((e: unknown) => this.onResolveFailed(e, generation));
  }

  private onResolved(raw: readonly ResolvedTarget[], generation: number): void {
    if (this.phase !== 'bootstrapping' || generation < this.appliedGeneration) return;
    this.appliedGeneration = generation;
    const s = this.o.settings;
    const now = this.o.scheduler.now();
    const filtered = dedupe(
      selectHosts(raw, {
        hasPortName: s.lookup.portName !== undefined,
        filterOnFallbackPort: s.filterOnFallbackPort,
        fallbackPort: s.fallbackPort,
      }),
    );
    this.lastLookup = { at: now, ok: true, resolved: raw };
    this.o.logger.info(
      { marker: 'pekkoBootstrapResolved', pekkoContactPoints: list(filtered.map(formatTarget)) },
      `Located service members based on: [${formatLookup(s.lookup)}]: [${list(raw.map(formatTarget))}], filtered to [${list(filtered.map(formatTarget))}]`,
    );
    const changed = !this.observation || !sameSet(this.observation.contactPoints, filtered);
    if (changed) this.observation = { observedAt: now, contactPoints: filtered };
    this.unchanged = changed ? 0 : this.unchanged + 1;
    for (const [key, obs] of this.observations) {
      if (!filtered.some((t) => resolvedTargetEquals(t, obs.contactPoint))) this.observations.delete(key);
    }
    for (const [key, p] of this.probes) {
      if (!filtered.some((t) => resolvedTargetEquals(t, p.target))) {
        this.stopProbe(p);
        this.probes.delete(key);
      }
    }
    const fastPath = s.expectedReplicas !== undefined;
    // With the fast path, answers only count when they list this set: ask everyone again now.
    if (changed && fastPath) for (const p of this.probes.values()) this.probeNow(p);
    for (const t of filtered) this.ensureProbe(t);
    if (fastPath && s.expectedReplicas === 'kubernetes' && this.isLowest(filtered)) this.o.replicas?.request();
    this.failures = 0;
    this.armDiscover();
  }

  /** Only the lowest contact point can use the count, so only it reads it (two API requests saved per other node). */
  private isLowest(targets: readonly ResolvedTarget[]): boolean {
    const lowest = [...targets].sort(compareResolvedTarget)[0];
    return lowest !== undefined && matchesSelf(lowest, this.o.selfContactPoint);
  }

  /** Probes now unless a request is already in flight (its answer comes soon enough). */
  private probeNow(p: ProbeLoop): void {
    if (p.stopped || p.timer === undefined) return;
    p.timer.cancel();
    p.timer = undefined;
    this.probeOnce(p);
  }

  private onResolveFailed(e: unknown, generation: number): void {
    if (this.phase !== 'bootstrapping' || generation < this.appliedGeneration) return;
    this.appliedGeneration = generation;
    const s = this.o.settings;
    const error = errorText(e);
    this.lastLookup = { at: this.o.scheduler.now(), ok: false, error, resolved: [] };
    this.o.logger.warn(
      { marker: 'pekkoBootstrapResolveFailed', err: error },
      `Resolve attempt failed! Cause: ${error} (lookup ${formatLookup(s.lookup)} with discovery [${s.discoveryMethod}])`,
    );
    this.observation = undefined;
    this.unchanged = 0;
    this.failures++;
    this.armDiscover();
  }

  private ensureProbe(target: ResolvedTarget): void {
    const key = targetKey(target);
    if (this.probes.has(key)) return;
    const s = this.o.settings;
    const self = this.o.cluster.selfAddress;
    if (target.host === self.host && (target.port ?? s.fallbackPort) === self.port) {
      if (!this.warnedSelfProbe.has(key)) {
        this.warnedSelfProbe.add(key);
        this.o.logger.warn(
          `Misconfiguration detected! Contact point [${formatTarget(target)}] is this node's cluster (remoting) address, ` +
            'not its management endpoint; not probing it. Discovery should return the management port.',
        );
      }
      return;
    }
    const loop: ProbeLoop = {
      name: `contactPointProbe-${cleanHost(target.host)}-${target.port ?? s.fallbackPort}`,
      target,
      url: probeUrl(target, this.o.selfContactPoint, s.fallbackPort),
      deadline: this.o.scheduler.now() + s.probingFailureTimeoutMs,
      timer: undefined,
      inflight: undefined,
      stopped: false,
      status: { seedNodes: [] },
    };
    this.probes.set(key, loop);
    this.probeOnce(loop);
  }

  private stopProbe(p: ProbeLoop): void {
    p.stopped = true;
    p.timer?.cancel();
    p.inflight?.cancel();
  }

  private probeOnce(p: ProbeLoop): void {
    const s = this.o.settings;
    const timeoutMs = s.probingFailureTimeoutMs;
    const sentAt = this.o.scheduler.now();
    let settled = false;
    // A timed-out request failed for its whole duration: judge it at sentAt + timeout, since a
    // real timer may fire a millisecond before the clock reaches that point.
    const timeout = this.o.scheduler.schedule(timeoutMs, () =>
      finish(new Error(`request timed out after ${timeoutMs} ms`), sentAt + timeoutMs),
    );
    p.inflight = timeout;
    const finish = (result: SeedNodesDocument | Error, failedAt?: number) => {
      if (settled) return;
      settled = true;
      timeout.cancel();
      p.inflight = undefined;
      if (p.stopped) return;
      if (result instanceof Error) this.onProbeFailure(p, result, failedAt);
      else this.onProbeSuccess(p, result, sentAt);
    };
    let pending: Promise<SeedNodesDocument>;
    try {
      pending = this.o.prober.probe(p.url, timeoutMs);
    } catch (e) {
      pending = Promise.reject(e);
    }
    pending
      .then(finish, (e: unknown) => finish(e instanceof Error ? e : new Error(String(e))))
      .catch((e: unknown) => this.o.logger.error({ err: errorText(e) }, `Handling the probe answer of [${p.url}] failed`));
  }

  private scheduleProbe(p: ProbeLoop): void {
    const s = this.o.settings;
    p.timer = this.o.scheduler.schedule(probeDelayMs(s.probeIntervalMs, s.probeIntervalJitter, this.o.random), () => {
      p.timer = undefined;
      if (!p.stopped) this.probeOnce(p);
    });
  }

  private onProbeFailure(p: ProbeLoop, e: Error, failedAt?: number): void {
    const now = Math.max(this.o.scheduler.now(), failedAt ?? 0);
    p.status.lastError = e.message;
    this.o.logger.warn({ probe: p.name }, `Probing [${p.url}] failed due to: ${e.message}`);
    if (now >= p.deadline) {
      this.o.logger.error(
        { probe: p.name },
        `Overdue of probing-failure-timeout, stop probing, signaling that it's failed. Contact point [${formatTarget(p.target)}]`,
      );
      this.stopProbe(p);
      this.probes.delete(targetKey(p.target));
      this.onProbingFailed(p.target);
    } else {
      this.scheduleProbe(p);
    }
  }

  /**
   * Beyond Pekko: the observation is dated when the request was sent, not when the answer came
   * back. The answer describes the peer at some moment in between, so a slow answer must not
   * look fresher than it is; otherwise an "empty" answer sent just before the peer self-joined
   * could let a second node form a second cluster.
   */
  private onProbeSuccess(p: ProbeLoop, doc: SeedNodesDocument, sentAt: number): void {
    const s = this.o.settings;
    const now = this.o.scheduler.now();
    p.deadline = now + s.probingFailureTimeoutMs;
    p.status = {
      lastAnswerAt: now,
      selfNode: formatAddress(doc.selfNode),
      seedNodes: doc.seedNodes.map((e) => formatAddress(e.node)),
    };
    this.scheduleProbe(p);
    this.onSeedNodes(p, sentAt, doc);
  }

  private onSeedNodes(p: ProbeLoop, observedAt: number, doc: SeedNodesDocument): void {
    if (this.phase !== 'bootstrapping' || !this.observation) return;
    const system = this.o.cluster.selfAddress.system;
    const foreign = [doc.selfNode, ...doc.seedNodes.map((e) => e.node)].find((a) => a.system !== system);
    if (foreign) {
      // Beyond Pekko: a node of another system can never be joined, so its answer must not count.
      p.status.ignoredBecause = `it reports system [${foreign.system}], this node's system is [${system}]`;
      this.o.logger.warn(
        `Ignoring contact point [${formatTarget(p.target)}]: ${p.status.ignoredBecause}; check muster.system-name and the service name`,
      );
      this.observations.delete(targetKey(p.target));
      return;
    }
    const seedNodes: Address[] = doc.seedNodes.map((e) => e.node);
    if (this.observation.contactPoints.some((t) => resolvedTargetEquals(t, p.target))) {
      this.observations.set(targetKey(p.target), {
        observedAt,
        contactPoint: p.target,
        sourceAddress: doc.selfNode,
        seedNodes,
        ...(doc.contactPoints !== undefined && { peerContactPoints: doc.contactPoints }),
      });
      this.o.logger.info(
        { marker: 'pekkoBootstrapSeedNodes', pekkoSeedNodes: list(seedNodes.map(formatAddress)) },
        `Contact point [${formatAddress(doc.selfNode)}] returned [${seedNodes.length}] seed-nodes [${list(seedNodes.map(formatAddress))}]`,
      );
    }
    if (seedNodes.length > 0 || doc.contactPoints !== undefined) this.decide();
  }

  private onProbingFailed(target: ResolvedTarget): void {
    if (this.phase !== 'bootstrapping') return;
    if (this.observation?.contactPoints.some((t) => resolvedTargetEquals(t, target))) {
      this.o.logger.info(
        { marker: 'pekkoBootstrapSeedNodesProbingFailed', pekkoContactPoints: formatTarget(target) },
        `Received signal that probing has failed, scheduling contact point probing again: [${formatTarget(target)}]`,
      );
    }
    this.observations.delete(targetKey(target));
    this.unchanged = 0;
    this.armDiscover();
  }

  private decide(): void {
    if (this.phase !== 'bootstrapping' || !this.observation) return;
    const s = this.o.settings;
    const now = this.o.scheduler.now();
    const fresh = [...this.observations.values()].filter((o) => now - o.observedAt <= s.probingFailureTimeoutMs);
    try {
      const result = decide(
        {
          currentTime: now,
          contactPointsChangedAt: this.observation.observedAt,
          contactPoints: this.observation.contactPoints,
          seedNodesObservations: fresh,
          ...(this.expectedReplicas() !== undefined && { expectedReplicas: this.expectedReplicas() }),
        },
        this.o.selfContactPoint,
        s,
      );
      for (const l of result.logs) this.log(l);
      this.act(result.decision);
    } catch (e) {
      this.o.logger.error({ err: errorText(e) }, 'Join decision failed');
    }
  }

  private log(l: DecisionLog): void {
    const fields = { ...(l.marker !== undefined && { marker: l.marker }), ...l.fields };
    this.o.logger[l.level](fields, l.msg);
  }

  private act(decision: JoinDecision): void {
    const self = this.o.cluster.selfAddress;
    const selfText = formatAddress(self);
    if (decision.type === 'JoinOtherSeedNodes') {
      const others = decision.seedNodes.filter((a) => formatAddress(a) !== selfText);
      if (others.length === 0) {
        this.lastDecision = {
          type: 'KeepProbing',
          reason: `the only reported seed node is this node's own address [${selfText}] (an earlier incarnation); waiting for it to be removed`,
        };
        return;
      }
      this.lastDecision = decision;
      const seeds = list(others.map(formatAddress));
      this.o.logger.info(
        { marker: 'pekkoBootstrapJoin', pekkoSeedNodes: seeds },
        `Joining [${selfText}] to existing cluster [${seeds}]`,
      );
      this.phase = 'joined';
      this.stop();
      this.o.cluster.joinSeedNodes(others);
    } else if (decision.type === 'JoinSelf') {
      this.lastDecision = decision;
      this.o.logger.info(
        { marker: 'pekkoBootstrapJoinSelf' },
        `Initiating new cluster, self-joining [${selfText}]. Other nodes are expected to locate this cluster via continued contact-point probing.`,
      );
      this.phase = 'joined';
      this.stop();
      this.o.cluster.join(self);
    } else {
      this.lastDecision = decision;
    }
  }
}
