// The seam through which failure detection, the split brain resolver and coordinated shutdown
// attach to a ClusterNode without editing it. A plugin gets a context when the node starts and
// may implement the optional hooks.
import type { Address, UniqueAddress } from '../address.js';
import type { Random, Scheduler } from '../clock.js';
import type { Logger } from '../logging.js';
import type { ClusterSettings } from './settings.js';
import type { ClusterEventListener, ClusterState, SubscribeOptions } from './api.js';
import type { Gossip } from './gossip.js';
import type { ClusterMessage } from './protocol.js';

/** Why the node asks for (coordinated) shutdown. */
export type ClusterShutdownReason =
  | 'cluster-leaving'
  | 'cluster-downing'
  | 'cluster-join-unsuccessful'
  | 'incompatible-configuration';

/** Message types a plugin may receive (the node itself handles everything else). */
export type PluginMessageType = 'Heartbeat' | 'HeartbeatRsp' | 'Quarantined' | 'SingletonHandOver';

export type PluginMessage<T extends PluginMessageType> = Extract<ClusterMessage, { type: T }>;

export interface ClusterPluginContext {
  readonly self: UniqueAddress;
  readonly settings: ClusterSettings;
  readonly scheduler: Scheduler;
  readonly random: Random;
  readonly logger: Logger;
  /** Sends any cluster message through the node's transport. */
  send(to: Address, message: ClusterMessage): void;
  /** Installs the handler for one plugin message type (received in every node phase). */
  onMessage<T extends PluginMessageType>(type: T, handler: (message: PluginMessage<T>) => void): void;
  /** The node's current gossip (immutable data). */
  gossip(): Gossip;
  state(): ClusterState;
  /** True once the node is a member (after Welcome or self-join) and until it stops. */
  isInitialized(): boolean;
  isLeader(): boolean;
  hasConvergence(): boolean;
  /** Edits self's reachability row (one new gossip version for all changes) and publishes. */
  markUnreachable(subjects: readonly UniqueAddress[]): void;
  markReachable(subjects: readonly UniqueAddress[]): void;
  markTerminated(subjects: readonly UniqueAddress[]): void;
  down(address: Address): void;
  leave(address: Address): void;
  subscribe(listener: ClusterEventListener, options?: SubscribeOptions): () => void;
  /**
   * Registers the coordinated-shutdown runner. Once registered, the node calls it instead of
   * finishing the exiting phase itself; the runner must then call exitingCompleted() in its
   * cluster-exiting-done phase.
   */
  onShutdownRequested(handler: (reason: ClusterShutdownReason) => void): void;
  /** Ends the exiting phase: marks seen, confirms the exit to the next leaders, stops the node. */
  exitingCompleted(): void;
  /** uniqueAddressKeys of members that confirmed their exit to this node (spec 7.2). */
  exitingConfirmed(): ReadonlySet<string>;
}

export interface ClusterPlugin {
  readonly name: string;
  /** Called once from ClusterNode.start(), before the node joins anything. */
  start(context: ClusterPluginContext): void;
  /** The node became a member (heartbeating starts here). */
  onInitialized?(): void;
  /** A member new to this node (Join admitted or learnt by gossip): forget failure-detector history. */
  onNewMember?(address: Address): void;
  /** The node finished its exiting tasks and is about to stop (its gossip is still current). */
  onExitingCompleted?(): void;
  /** The node's cluster subsystem stopped (removed, downed, or shut down). */
  onStopped?(): void;
}
