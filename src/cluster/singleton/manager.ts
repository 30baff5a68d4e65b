// Cluster singletons: a function that runs on exactly one node, the oldest Up member with the
// role, and moves when that member leaves, is downed or a new oldest appears (Pekko's
// cluster-tools ClusterSingletonManager semantics, spec §7.5). Runs as a cluster plugin, so the
// same code runs in processes and in the simulator.
//
// Hand-over: a node that becomes the oldest asks every member that may still run an instance
// (older members, and any node it saw as the oldest or let take over) with HandOverToMe, every
// hand-over-retry-interval. A node answers HandOverDone only once its own instance has stopped
// and it does not consider itself the oldest; the new oldest starts when every such node has
// answered or has been removed from the membership at least the removal margin ago (the time a
// downed node needs to notice and stop). Two nodes that both consider themselves the oldest
// (different views) never answer each other, so they never both start.
import { uniqueAddressEquals, uniqueAddressKey, type UniqueAddress } from '../../address.js';
import type { Cancellable } from '../../clock.js';
import type { ClusterApi } from '../api.js';
import type { CoordinatedShutdown } from '../coordinated-shutdown.js';
import type { ClusterPlugin, ClusterPluginContext, PluginMessage } from '../plugin.js';
import type { SingletonHandOverKind } from '../protocol.js';
import { olderInScope, shouldHold, singletonCandidates, type SingletonScope } from './oldest.js';
import type { SingletonSettings } from './settings.js';

export interface SingletonOptions {
  /** Starts the instance on this node; a rejection is logged and the start retried later. */
  readonly start: () => void | Promise<void>;
  /** Stops it; the successor starts only once this has settled (bounded by the hand-over timeout). */
  readonly stop: () => void | Promise<void>;
  /** Only members with this role run it; default `pekko.cluster.singleton.role` ("" = any member). */
  readonly role?: string;
}

export interface SingletonHandle {
  readonly name: string;
  /** True from the call of `start` until `stop` has settled. */
  isRunning(): boolean;
  /** Stops the local instance (if running) and withdraws this node from running it. */
  cancel(): Promise<void>;
}

/** What the runtime exposes next to the ClusterApi. */
export interface SingletonApi {
  singleton(name: string, options: SingletonOptions): SingletonHandle;
}

type Phase = 'idle' | 'acquiring' | 'running' | 'stopping';

interface Entry {
  readonly name: string;
  readonly options: SingletonOptions;
  readonly scope: SingletonScope;
  phase: Phase;
  cancelled: boolean;
  /** Nodes that may run an instance (besides the older members in the current view). */
  readonly mayHold: Map<string, UniqueAddress>;
  /** When a node of mayHold disappeared from this node's view. */
  readonly removedAt: Map<string, number>;
  /** HandOverDone received during the current acquisition. */
  readonly done: Set<string>;
  /** Requesters to answer with HandOverDone once the local instance has stopped. */
  readonly answerWhenStopped: Map<string, UniqueAddress>;
  lastRequestAt: number;
  stopped: Promise<void>;
}

const key = uniqueAddressKey;

export class SingletonManager implements ClusterPlugin, SingletonApi {
  readonly name = 'cluster-singleton';
  private ctx: ClusterPluginContext | undefined;
  private readonly entries = new Map<string, Entry>();
  private timer: Cancellable | undefined;
  private clusterStopped = false;

  constructor(private readonly settings: SingletonSettings) {}

  singleton(name: string, options: SingletonOptions): SingletonHandle {
    if (this.entries.has(name)) throw new Error(`A cluster singleton named [${name}] is already registered`);
    const role = options.role ?? this.settings.role;
    const entry: Entry = {
      name,
      options,
      scope: { role: role === '' || role === undefined ? undefined : role, dataCenter: this.ctx?.settings.selfDataCenter ?? 'default' },
      phase: 'idle',
      cancelled: false,
      mayHold: new Map(),
      removedAt: new Map(),
      done: new Set(),
      answerWhenStopped: new Map(),
      lastRequestAt: -Infinity,
      stopped: Promise.resolve(),
    };
    this.entries.set(name, entry);
    if (this.ctx) this.evaluate(entry);
    return {
      name,
      isRunning: () => entry.phase === 'running' || entry.phase === 'stopping',
      cancel: async () => {
        entry.cancelled = true;
        if (entry.phase === 'running') this.beginStop(entry);
        if (entry.phase === 'acquiring') entry.phase = 'idle';
        await entry.stopped;
      },
    };
  }

  /** Stops every local instance; resolves when all stops have settled (coordinated shutdown waits for this). */
  async stopAll(): Promise<void> {
    for (const e of this.entries.values()) {
      e.cancelled = true;
      if (e.phase === 'running') this.beginStop(e);
      if (e.phase === 'acquiring') e.phase = 'idle';
    }
    await Promise.all([...this.entries.values()].map((e) => e.stopped));
  }

  start(ctx: ClusterPluginContext): void {
    this.ctx = ctx;
    for (const e of this.entries.values()) (e.scope as { dataCenter: string }).dataCenter = ctx.settings.selfDataCenter;
    ctx.onMessage('SingletonHandOver', (m) => this.onHandOver(m));
    ctx.subscribe(() => this.evaluateAll());
    this.timer = ctx.scheduler.scheduleRepeatedly(this.settings.handOverRetryIntervalMs, this.settings.handOverRetryIntervalMs, () =>
      this.evaluateAll(),
    );
  }

  onStopped(): void {
    // The membership has ended here (left, removed or downed): nothing may run any longer.
    this.clusterStopped = true;
    this.timer?.cancel();
    for (const e of this.entries.values()) {
      if (e.phase === 'running') this.beginStop(e);
      if (e.phase === 'acquiring') e.phase = 'idle';
    }
  }

  private evaluateAll(): void {
    for (const e of this.entries.values()) this.evaluate(e);
  }

  private evaluate(e: Entry): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const state = ctx.state();
    const now = ctx.scheduler.now();
    const inView = new Set(state.members.map((m) => key(m.uniqueAddress)));
    const oldest = singletonCandidates(state.members, e.scope)[0];
    if (oldest && !uniqueAddressEquals(oldest.uniqueAddress, ctx.self)) e.mayHold.set(key(oldest.uniqueAddress), oldest.uniqueAddress);
    for (const k of e.mayHold.keys()) {
      if (inView.has(k)) continue;
      const removed = e.removedAt.get(k);
      if (removed === undefined) e.removedAt.set(k, now);
      else if (now - removed >= this.settings.removalMarginMs) {
        // Gone for the whole margin: it no longer runs anything.
        e.mayHold.delete(k);
        e.removedAt.delete(k);
      }
    }
    for (const k of e.removedAt.keys()) if (!e.mayHold.has(k)) e.removedAt.delete(k);
    const hold = !this.clusterStopped && !e.cancelled && ctx.isInitialized() && shouldHold(state.members, ctx.self, e.scope);
    if (!hold) {
      if (e.phase === 'running') this.beginStop(e);
      else if (e.phase === 'acquiring') e.phase = 'idle';
      return;
    }
    if (e.phase === 'running' || e.phase === 'stopping') return;
    if (e.phase === 'idle') {
      e.phase = 'acquiring';
      e.done.clear();
      e.lastRequestAt = -Infinity;
      ctx.logger.info({ singleton: e.name }, `Singleton [${e.name}]: this node is the oldest; taking over`);
    }
    const blockers = new Map(e.mayHold);
    for (const m of olderInScope(state.members, ctx.self, e.scope)) blockers.set(key(m.uniqueAddress), m.uniqueAddress);
    const ask: UniqueAddress[] = [];
    let waiting = false;
    for (const [k, node] of blockers) {
      if (e.done.has(k)) continue;
      if (!inView.has(k)) {
        // Removed less than the margin ago (older ones were dropped above): wait.
        waiting = true;
        continue;
      }
      waiting = true;
      ask.push(node);
    }
    if (ask.length > 0 && now - e.lastRequestAt >= this.settings.handOverRetryIntervalMs) {
      e.lastRequestAt = now;
      for (const node of ask) this.send(node, e.name, 'HandOverToMe');
    }
    if (!waiting) this.startInstance(e);
  }

  private startInstance(e: Entry): void {
    const ctx = this.ctx!;
    e.phase = 'running';
    e.mayHold.clear();
    e.removedAt.clear();
    ctx.logger.info({ singleton: e.name }, `Singleton [${e.name}]: starting the instance on this node`);
    let started: Promise<void>;
    try {
      started = Promise.resolve(e.options.start());
    } catch (err) {
      started = Promise.reject(err);
    }
    // Until stop is called, `stopped` waits for the start; beginStop chains the stop after it.
    e.stopped = started.then(
      () => undefined,
      (err: unknown) => {
        ctx.logger.error({ err, singleton: e.name }, `Singleton [${e.name}]: start failed; retrying after hand-over-retry-interval`);
        // Not re-evaluated at once: the next periodic tick retries, so a failing start cannot spin.
        if (e.phase === 'running') this.finishStop(e, false);
      },
    );
  }

  private beginStop(e: Entry): void {
    const ctx = this.ctx!;
    e.phase = 'stopping';
    ctx.logger.info({ singleton: e.name }, `Singleton [${e.name}]: stopping the instance on this node (hand-over)`);
    const previous = e.stopped;
    const timeoutMs = this.settings.handOverTimeoutMs;
    e.stopped = previous.then(
      () =>
        new Promise<void>((resolve) => {
          let settled = false;
          const timer = ctx.scheduler.schedule(timeoutMs, () => {
            if (settled) return;
            settled = true;
            ctx.logger.warn({ singleton: e.name }, `Singleton [${e.name}]: stop did not finish within the hand-over timeout (${timeoutMs} ms)`);
            resolve();
          });
          const done = (err?: unknown) => {
            if (settled) return;
            settled = true;
            timer.cancel();
            if (err !== undefined) ctx.logger.error({ err, singleton: e.name }, `Singleton [${e.name}]: stop failed`);
            resolve();
          };
          try {
            Promise.resolve(e.options.stop()).then(() => done(), (err: unknown) => done(err ?? new Error('stop rejected')));
          } catch (err) {
            done(err);
          }
        }),
    );
    const stopped = e.stopped;
    void stopped.then(() => {
      if (e.stopped === stopped && e.phase === 'stopping') this.finishStop(e);
    });
  }

  private finishStop(e: Entry, reevaluate = true): void {
    e.phase = 'idle';
    for (const node of e.answerWhenStopped.values()) this.send(node, e.name, 'HandOverDone');
    e.answerWhenStopped.clear();
    if (reevaluate) this.evaluate(e);
  }

  private onHandOver(m: PluginMessage<'SingletonHandOver'>): void {
    const ctx = this.ctx!;
    if (!uniqueAddressEquals(m.to, ctx.self)) return; // for an earlier incarnation at this address
    const e = this.entries.get(m.name);
    if (m.kind === 'HandOverDone') {
      if (e && e.phase === 'acquiring') {
        e.done.add(key(m.from));
        this.evaluate(e);
      }
      return;
    }
    // HandOverToMe: never registered here means never run here.
    if (!e) return this.send(m.from, m.name, 'HandOverDone');
    this.evaluate(e);
    // Acquiring or running after evaluate() means this node still considers itself the oldest:
    // no answer, the requester asks again (two nodes with different views never both start).
    if (e.phase === 'acquiring' || e.phase === 'running') return;
    e.mayHold.set(key(m.from), m.from);
    if (e.phase === 'idle') this.send(m.from, m.name, 'HandOverDone');
    else e.answerWhenStopped.set(key(m.from), m.from);
  }

  private send(to: UniqueAddress, name: string, kind: SingletonHandOverKind): void {
    const ctx = this.ctx!;
    ctx.send(to.address, { type: 'SingletonHandOver', from: ctx.self, to, name, kind });
  }
}

/** The ClusterApi with `singleton()` added, as the runtime hands it to applications. */
export function withSingletons(cluster: ClusterApi, singletons: SingletonApi): ClusterApi & SingletonApi {
  return {
    selfAddress: cluster.selfAddress,
    selfUniqueAddress: cluster.selfUniqueAddress,
    state: () => cluster.state(),
    join: (a) => cluster.join(a),
    joinSeedNodes: (seeds) => cluster.joinSeedNodes(seeds),
    leave: (a) => cluster.leave(a),
    down: (a) => cluster.down(a),
    prepareForFullClusterShutdown: () => cluster.prepareForFullClusterShutdown(),
    subscribe: (listener, options) => cluster.subscribe(listener, options),
    singleton: (name, options) => singletons.singleton(name, options),
  };
}

/**
 * A leaving node hands its singletons over once it is Exiting; its exit waits in the
 * `cluster-exiting` phase for their stop (bounded by the phase timeout), so the successor, which
 * starts on HandOverDone, never starts before the old instance stopped.
 */
export function addSingletonShutdownTask(cs: CoordinatedShutdown, cluster: ClusterApi, singletons: SingletonManager): void {
  cs.addTask('cluster-exiting', 'singleton-exiting', async () => {
    await new Promise<void>((resolve) => {
      const done = () => ['Exiting', 'Down', 'Removed'].includes(cluster.state().self.status);
      if (done()) return resolve();
      const unsubscribe = cluster.subscribe(() => {
        if (done()) {
          unsubscribe();
          resolve();
        }
      });
    });
    await singletons.stopAll();
  });
}
