// A deterministic cluster simulator: N ClusterNodes in one process on a VirtualClock and a
// SimNetwork, all randomness from one seed. It also watches every node's event stream and
// records protocol violations (a member's status moving backwards in some node's view).
// Other layers extend it by passing plugins (failure detection, SBR) per node, or by driving
// the network (partitions, faults) between `run` calls.
import { parseAddress, uniqueAddressKey, type Address, type UniqueAddress } from '../../src/address.js';
import type { Random } from '../../src/clock.js';
import type { ClusterEvent, MemberStatus } from '../../src/cluster/api.js';
import { isAllowedTransition } from '../../src/cluster/member.js';
import { ClusterNode } from '../../src/cluster/node.js';
import type { ClusterPlugin } from '../../src/cluster/plugin.js';
import { defaultClusterSettings, type ClusterSettings } from '../../src/cluster/settings.js';
import { SimNetwork, perfectNetwork, type NetworkFaults, type SimTransport } from './network.js';
import { PausableScheduler } from './pausable-scheduler.js';
import { forkRandom, seededRandom } from './prng.js';
import { VirtualClock } from './virtual-clock.js';

export const SIM_SYSTEM = 'sim';
/** Wall-clock epoch of virtual time 0, for tombstone timestamps. */
const EPOCH_MS = Date.UTC(2026, 0, 1);

export interface SimNode {
  readonly address: Address;
  readonly uniqueAddress: UniqueAddress;
  readonly node: ClusterNode;
  readonly transport: SimTransport;
  readonly events: ClusterEvent[];
  /** The node's view of the clock; `scheduler.pause(ms)` stalls the node like a blocked event loop. */
  readonly scheduler: PausableScheduler;
  alive: boolean;
}

export interface SimOptions {
  seed: number;
  faults?: NetworkFaults;
  codec?: 'json' | 'none';
  /** Settings shared by all nodes (seed-nodes excepted); defaults are Pekko's. */
  settings?: Partial<ClusterSettings>;
  /** Plugins for each new node (called once per node incarnation). */
  plugins?: (address: Address) => ClusterPlugin[];
  /** Keep every event per node (memory grows with run length). */
  recordEvents?: boolean;
}

export function simAddress(i: number): Address {
  return parseAddress(`pekko://${SIM_SYSTEM}@10.0.0.${i}:17355`);
}

export class ClusterSim {
  readonly clock = new VirtualClock();
  readonly random: Random;
  readonly network: SimNetwork;
  /** Current incarnation per address (host:port). */
  readonly nodes = new Map<string, SimNode>();
  /** Every incarnation ever started, in start order. */
  readonly history: SimNode[] = [];
  readonly violations: string[] = [];
  private readonly options: SimOptions;
  /** uniqueAddressKey -> virtual time the incarnation stopped (killed or its node stopped). */
  private readonly stopped = new Map<string, number>();

  constructor(options: SimOptions) {
    this.options = options;
    this.random = seededRandom(options.seed);
    this.network = new SimNetwork(this.clock, forkRandom(this.random), options.faults ?? perfectNetwork, options.codec ?? 'json');
  }

  /** Starts a node (new uid) at `address`; a live node there is killed first. */
  start(address: Address, seedNodes: readonly Address[] = [], settings: Partial<ClusterSettings> = {}): SimNode {
    const key = `${address.host}:${address.port}`;
    const previous = this.nodes.get(key);
    if (previous?.alive) this.kill(previous);
    const random = forkRandom(this.random);
    let uid = BigInt.asIntN(64, (BigInt(Math.floor(random() * 2 ** 32)) << 32n) | BigInt(Math.floor(random() * 2 ** 32)));
    if (uid === 0n) uid = 1n;
    const uniqueAddress = { address, uid };
    const transport = this.network.transport(address);
    const scheduler = new PausableScheduler(this.clock);
    let sim: SimNode;
    const node = new ClusterNode({
      self: uniqueAddress,
      settings: defaultClusterSettings({ ...this.options.settings, ...settings, seedNodes }),
      transport: {
        send: (to, m) => transport.send(to, m),
        onMessage: (h) => transport.onMessage((m) => scheduler.run(() => h(m))),
      },
      scheduler,
      random,
      wallClock: () => EPOCH_MS + this.clock.now(),
      plugins: [
        // Like a process exiting once its cluster node stops.
        { name: 'sim-process', start: () => undefined, onStopped: () => this.kill(sim) },
        ...(this.options.plugins?.(address) ?? []),
      ],
    });
    sim = { address, uniqueAddress, node, transport, events: [], scheduler, alive: true };
    this.watch(sim);
    this.nodes.set(key, sim);
    this.history.push(sim);
    node.start();
    return sim;
  }

  /** Simulates a crashed process: it stops sending and receiving at once, without leaving. */
  kill(n: SimNode): void {
    if (!n.alive) return;
    n.alive = false;
    void n.transport.close();
    this.markStopped(n);
    n.node.shutdown();
  }

  private markStopped(n: SimNode): void {
    const k = uniqueAddressKey(n.uniqueAddress);
    if (!this.stopped.has(k)) this.stopped.set(k, this.clock.now());
  }

  /** When the incarnation stopped (see oracle-fd.ts), or undefined while it runs. */
  stoppedAt(uniqueAddressKey: string): number | undefined {
    return this.stopped.get(uniqueAddressKey);
  }

  run(ms: number): void {
    this.clock.advance(ms);
  }

  /** Advances in steps until `done()` holds; returns the virtual ms it took, or undefined on timeout. */
  runUntil(done: () => boolean, maxMs: number, stepMs = 100): number | undefined {
    const start = this.clock.now();
    while (this.clock.now() - start < maxMs) {
      if (done()) return this.clock.now() - start;
      this.clock.advance(stepMs);
    }
    return done() ? this.clock.now() - start : undefined;
  }

  alive(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.alive);
  }

  /** True when every given live node sees the same members with the same statuses and all are Up. */
  allUp(nodes: readonly SimNode[] = this.alive()): boolean {
    const expected = nodes.map((n) => uniqueAddressKey(n.uniqueAddress)).sort();
    return nodes.every((n) => {
      const members = n.node.state().members;
      return (
        members.length === expected.length &&
        members.every((m) => m.status === 'Up' && expected.includes(uniqueAddressKey(m.uniqueAddress)))
      );
    });
  }

  /** A canonical text of a node's membership view (for comparing nodes). */
  view(n: SimNode): string {
    return n.node
      .state()
      .members.map((m) => `${uniqueAddressKey(m.uniqueAddress)}:${m.status}:${m.upNumber}`)
      .join(' ');
  }

  private watch(sim: SimNode): void {
    const last = new Map<string, MemberStatus>();
    const record = this.options.recordEvents ?? false;
    sim.node.subscribe((e) => {
      if (record) sim.events.push(e);
      if (!('member' in e)) return;
      const k = uniqueAddressKey(e.member.uniqueAddress);
      const prev = last.get(k);
      const next = e.type === 'MemberRemoved' ? 'Removed' : e.member.status;
      if (e.type === 'UnreachableMember' || e.type === 'ReachableMember') return;
      if (prev !== undefined && !isAllowedTransition(prev, next)) {
        this.violations.push(`${uniqueAddressKey(sim.uniqueAddress)} saw ${k} go ${prev} -> ${next} at ${this.clock.now()}ms`);
      }
      last.set(k, next);
    });
  }
}
