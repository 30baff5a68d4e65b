// The contract between the membership service and everything that uses it: bootstrap,
// management HTTP, the runtime and applications. The cluster layer implements it (ClusterNode);
// other layers depend only on this file.
import type { Address, UniqueAddress } from '../address.js';

export type MemberStatus =
  | 'Joining'
  | 'WeaklyUp'
  | 'Up'
  | 'Leaving'
  | 'Exiting'
  | 'Down'
  | 'Removed'
  | 'PreparingForShutdown'
  | 'ReadyForShutdown';

export const MEMBER_STATUSES: readonly MemberStatus[] = [
  'Joining',
  'WeaklyUp',
  'Up',
  'Leaving',
  'Exiting',
  'Down',
  'Removed',
  'PreparingForShutdown',
  'ReadyForShutdown',
];

/** upNumber of a member that has not been moved to Up yet (Java Int.MaxValue). */
export const NOT_UP_NUMBER = 2147483647;

/** An immutable view of one member. */
export interface Member {
  readonly uniqueAddress: UniqueAddress;
  readonly status: MemberStatus;
  /** Sorted; always contains the data-center role `dc-<name>`. */
  readonly roles: readonly string[];
  readonly upNumber: number;
  readonly appVersion: string;
  readonly dataCenter: string;
}

export interface UnreachableEntry {
  readonly subject: UniqueAddress;
  /** Observers that see the subject as unreachable, in UniqueAddress order. */
  readonly observedBy: readonly UniqueAddress[];
}

/** A snapshot of this node's view of the cluster (Pekko's CurrentClusterState plus self). */
export interface ClusterState {
  /** This node as a member; status 'Removed' while it is not (yet, or any longer) a member. */
  readonly self: Member;
  /** Current members in member (UniqueAddress) order, whatever their status. */
  readonly members: readonly Member[];
  /** Subjects that at least one observer sees as unreachable, in UniqueAddress order. */
  readonly unreachable: readonly UnreachableEntry[];
  /**
   * The whole reachability table as Pekko's /cluster/members shows it: self included, only
   * observers that flagged the subject Unreachable (not Terminated). Defaults to `unreachable`.
   */
  readonly unreachableObserved?: readonly UnreachableEntry[];
  /** Members that have seen the current gossip version. */
  readonly seenBy: readonly Address[];
  readonly leader: Address | undefined;
  readonly roleLeaders: ReadonlyMap<string, Address | undefined>;
  /** True once the local node has been told the whole cluster is shutting down. */
  readonly shuttingDown: boolean;
}

export type ClusterEvent =
  | { readonly type: 'MemberJoined'; readonly member: Member }
  | { readonly type: 'MemberWeaklyUp'; readonly member: Member }
  | { readonly type: 'MemberUp'; readonly member: Member }
  | { readonly type: 'MemberLeft'; readonly member: Member }
  | { readonly type: 'MemberExited'; readonly member: Member }
  | { readonly type: 'MemberDowned'; readonly member: Member }
  | { readonly type: 'MemberPreparingForShutdown'; readonly member: Member }
  | { readonly type: 'MemberReadyForShutdown'; readonly member: Member }
  | { readonly type: 'MemberRemoved'; readonly member: Member; readonly previousStatus: MemberStatus }
  | { readonly type: 'LeaderChanged'; readonly leader: Address | undefined }
  | { readonly type: 'RoleLeaderChanged'; readonly role: string; readonly leader: Address | undefined }
  | { readonly type: 'UnreachableMember'; readonly member: Member }
  | { readonly type: 'ReachableMember'; readonly member: Member }
  | { readonly type: 'ClusterShuttingDown' }
  | { readonly type: 'SeenChanged'; readonly convergence: boolean; readonly seenBy: readonly Address[] };

export type ClusterEventType = ClusterEvent['type'];
export type ClusterEventListener = (event: ClusterEvent) => void;

export interface SubscribeOptions {
  /** Replay the current state as events first (one MemberUp per Up member, then LeaderChanged, ...). */
  readonly initialStateAsEvents?: boolean;
}

/** What bootstrap, management and applications may do with the local cluster node. */
export interface ClusterApi {
  readonly selfAddress: Address;
  readonly selfUniqueAddress: UniqueAddress;
  /** The current snapshot; cheap to call. */
  state(): ClusterState;
  /** Join an existing cluster member directly, or self to form a new cluster. */
  join(address: Address): void;
  /** Join through seed nodes (Pekko's seed-node processes; self-join only when self is the first seed). */
  joinSeedNodes(seeds: readonly Address[]): void;
  /** Ask a member (self included) to leave gracefully. */
  leave(address: Address): void;
  /** Mark a member Down. */
  down(address: Address): void;
  prepareForFullClusterShutdown(): void;
  /** Returns an unsubscribe function. */
  subscribe(listener: ClusterEventListener, options?: SubscribeOptions): () => void;
}
