// An in-memory ClusterApi whose state a test sets directly, for checking the shapes of the
// management routes. It records every command it receives and publishes the events a test emits.
import type { Address, UniqueAddress } from '../../src/address.js';
import type {
  ClusterApi,
  ClusterEvent,
  ClusterEventListener,
  ClusterState,
  Member,
  MemberStatus,
  SubscribeOptions,
} from '../../src/cluster/api.js';
import { NOT_UP_NUMBER } from '../../src/cluster/api.js';

export function address(host: string, port = 17355, system = 'Main', protocol = 'pekko'): Address {
  return { protocol, system, host, port };
}

export function member(
  host: string,
  port: number,
  uid: bigint,
  status: MemberStatus,
  opts: { roles?: string[]; upNumber?: number; dataCenter?: string; system?: string } = {},
): Member {
  const dataCenter = opts.dataCenter ?? 'default';
  return {
    uniqueAddress: { address: address(host, port, opts.system ?? 'Main'), uid },
    status,
    roles: [...(opts.roles ?? []), `dc-${dataCenter}`].sort(),
    upNumber: opts.upNumber ?? (status === 'Joining' ? NOT_UP_NUMBER : 1),
    appVersion: '0.0.0',
    dataCenter,
  };
}

export type Command =
  | { op: 'join'; address: Address }
  | { op: 'joinSeedNodes'; seeds: readonly Address[] }
  | { op: 'leave'; address: Address }
  | { op: 'down'; address: Address }
  | { op: 'prepareForFullClusterShutdown' };

const INITIAL_EVENT: Partial<Record<MemberStatus, ClusterEvent['type']>> = {
  Joining: 'MemberJoined',
  WeaklyUp: 'MemberWeaklyUp',
  Up: 'MemberUp',
  Leaving: 'MemberLeft',
  Exiting: 'MemberExited',
  Down: 'MemberDowned',
};

export class FakeCluster implements ClusterApi {
  readonly commands: Command[] = [];
  private current: ClusterState;
  private readonly listeners = new Set<ClusterEventListener>();

  constructor(readonly selfUniqueAddress: UniqueAddress, state?: Partial<ClusterState>) {
    const self: Member = {
      uniqueAddress: selfUniqueAddress,
      status: 'Removed',
      roles: ['dc-default'],
      upNumber: NOT_UP_NUMBER,
      appVersion: '0.0.0',
      dataCenter: 'default',
    };
    this.current = {
      self,
      members: [],
      unreachable: [],
      seenBy: [],
      leader: undefined,
      roleLeaders: new Map(),
      shuttingDown: false,
      ...state,
    };
  }

  get selfAddress(): Address {
    return this.selfUniqueAddress.address;
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  state(): ClusterState {
    return this.current;
  }

  setState(patch: Partial<ClusterState>): void {
    this.current = { ...this.current, ...patch };
  }

  emit(event: ClusterEvent): void {
    for (const l of [...this.listeners]) l(event);
  }

  join(address: Address): void {
    this.commands.push({ op: 'join', address });
  }
  joinSeedNodes(seeds: readonly Address[]): void {
    this.commands.push({ op: 'joinSeedNodes', seeds });
  }
  leave(address: Address): void {
    this.commands.push({ op: 'leave', address });
  }
  down(address: Address): void {
    this.commands.push({ op: 'down', address });
  }
  prepareForFullClusterShutdown(): void {
    this.commands.push({ op: 'prepareForFullClusterShutdown' });
  }

  subscribe(listener: ClusterEventListener, options: SubscribeOptions = {}): () => void {
    this.listeners.add(listener);
    if (options.initialStateAsEvents) {
      const s = this.current;
      for (const m of s.members) {
        const type = INITIAL_EVENT[m.status];
        if (type) listener({ type, member: m } as ClusterEvent);
      }
      for (const u of s.unreachable) {
        const m = s.members.find((x) => x.uniqueAddress.uid === u.subject.uid);
        if (m) listener({ type: 'UnreachableMember', member: m });
      }
      listener({ type: 'LeaderChanged', leader: s.leader });
      for (const [role, leader] of s.roleLeaders) listener({ type: 'RoleLeaderChanged', role, leader });
    }
    return () => this.listeners.delete(listener);
  }
}
