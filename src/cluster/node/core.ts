// The state every part of a ClusterNode shares (phase, local gossip, exiting bookkeeping) and the
// primitives they all use: stamp, publish, send, drop. The parts (join, gossip exchange, leader
// duties, leaving and downing) hold a NodeCore and read or replace its gossip only through it.
import { formatAddress, type Address, type UniqueAddress } from '../../address.js';
import type { Random, Scheduler } from '../../clock.js';
import type { Logger } from '../../logging.js';
import type { ClusterSettings } from '../settings.js';
import type { MembershipState } from '../convergence.js';
import { diffEvents } from '../events.js';
import { emptyGossip, stamp, type Gossip } from '../gossip.js';
import type { JoinConfig } from '../join-config.js';
import { nodeKey } from '../node-key.js';
import type { ClusterPlugin } from '../plugin.js';
import type { ClusterMessage } from '../protocol.js';
import { EventBus } from './event-bus.js';

export type NodePhase = 'uninitialized' | 'tryingToJoin' | 'initialized' | 'stopped';

/** Why an inbound message was dropped. */
export type DropReason =
  | 'malformed'
  | 'wrongSystem'
  | 'wrongUid'
  | 'unknownSender'
  | 'unreachableSender'
  | 'selfNotInGossip'
  | 'notInitialized'
  | 'unexpectedSender'
  | 'unhandled'
  | 'handlerError';

export interface NodeCounters {
  received: number;
  readonly dropped: Record<DropReason, number>;
  gossipSent: number;
  gossipStatusSent: number;
}

export interface NodeTransport {
  send(to: Address, message: ClusterMessage): void;
  onMessage(h: (m: ClusterMessage) => void): void;
}

/** What the core is built from (the node's options, resolved). */
export interface NodeCoreOptions {
  readonly self: UniqueAddress;
  readonly settings: ClusterSettings;
  readonly transport: NodeTransport;
  readonly scheduler: Scheduler;
  readonly random: Random;
  readonly logger: Logger;
  readonly wallClock: () => number;
  readonly plugins: readonly ClusterPlugin[];
  readonly joinConfig: JoinConfig;
}

function emptyCounters(): NodeCounters {
  const dropped = {
    malformed: 0,
    wrongSystem: 0,
    wrongUid: 0,
    unknownSender: 0,
    unreachableSender: 0,
    selfNotInGossip: 0,
    notInitialized: 0,
    unexpectedSender: 0,
    unhandled: 0,
    handlerError: 0,
  };
  return { received: 0, dropped, gossipSent: 0, gossipStatusSent: 0 };
}

export class NodeCore {
  readonly self: UniqueAddress;
  readonly selfAddress: Address;
  readonly selfKey: string;
  readonly settings: ClusterSettings;
  readonly scheduler: Scheduler;
  readonly random: Random;
  readonly logger: Logger;
  readonly wallClock: () => number;
  readonly plugins: readonly ClusterPlugin[];
  readonly joinConfig: JoinConfig;
  readonly counters: NodeCounters = emptyCounters();
  readonly events: EventBus;
  private readonly transport: NodeTransport;

  phase: NodePhase = 'uninitialized';
  gossip: Gossip = emptyGossip;
  /** uniqueAddressKeys of members that confirmed their exit to this node (spec §7.2). */
  exitingConfirmed = new Set<string>();
  /** Set while this node's own exiting tasks run: its gossip is not marked seen meanwhile. */
  exitingTasksInProgress = false;

  constructor(o: NodeCoreOptions) {
    this.self = o.self;
    this.selfAddress = o.self.address;
    this.selfKey = nodeKey(o.self);
    this.settings = o.settings;
    this.scheduler = o.scheduler;
    this.random = o.random;
    this.logger = o.logger;
    this.wallClock = o.wallClock;
    this.plugins = o.plugins;
    this.joinConfig = o.joinConfig;
    this.transport = o.transport;
    this.events = new EventBus(o.logger);
  }

  membershipState(): MembershipState {
    return { gossip: this.gossip, self: this.self, exitingConfirmed: this.exitingConfirmed };
  }

  /** A local change: a new version of self's vector clock (spec §4.3). */
  stamped(g: Gossip): Gossip {
    return stamp(g, this.self, this.exitingTasksInProgress);
  }

  /** Replaces the local gossip and publishes the events the change implies. */
  updateGossip(next: Gossip): void {
    const before = this.membershipState();
    this.gossip = next;
    this.events.publish(diffEvents(before, this.membershipState()));
  }

  acceptsAddress(a: Address): boolean {
    return a.system === this.selfAddress.system && this.settings.acceptProtocolNames.includes(a.protocol);
  }

  send(to: Address, m: ClusterMessage): void {
    try {
      this.transport.send(to, m);
    } catch (e) {
      this.logger.warn({ err: e, to: formatAddress(to), type: m.type }, 'transport send failed');
    }
  }

  /** Runs fn; an exception is logged and counted, never propagated (the state stays as it was). */
  safely(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.counters.dropped.handlerError++;
      this.logger.error({ err: e }, 'cluster node failed to handle an input; state unchanged');
    }
  }

  drop(reason: DropReason, m: { type: string }, detail?: string): void {
    this.counters.dropped[reason]++;
    this.logger.debug({ reason, type: m.type, detail }, 'dropping cluster message');
  }

  notifyPlugins(fn: (p: ClusterPlugin) => void): void {
    for (const p of this.plugins) {
      try {
        fn(p);
      } catch (e) {
        this.logger.error({ err: e, plugin: p.name }, 'cluster plugin hook failed');
      }
    }
  }
}

