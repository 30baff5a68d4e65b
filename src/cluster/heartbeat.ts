// Who heartbeats whom: the monitoring ring and the sender's bookkeeping (which receivers are
// active, which old receivers are still watched because they went unreachable, when to seed
// the detector for a receiver that never answers). Pure state plus the FD registry; the plugin in
// heartbeat-plugin.ts drives it with timers and messages.
import type { UniqueAddress } from '../address.js';
import { compareAddress, uidHash, uniqueAddressKey } from '../address.js';
import type { FailureDetectorRegistry } from './failure-detector.js';

/** Ring order: uid hash as signed 32-bit int, ties by member address ordering. Same on all nodes. */
export function compareRing(a: UniqueAddress, b: UniqueAddress): number {
  const ha = uidHash(a.uid);
  const hb = uidHash(b.uid);
  if (ha !== hb) return ha < hb ? -1 : 1;
  return compareAddress(a.address, b.address);
}

/** An immutable monitoring ring over own-DC nodes (self included). */
export class HeartbeatRing {
  readonly nodes: readonly UniqueAddress[];
  private readonly keys: ReadonlySet<string>;
  private readonly unreachableKeys: ReadonlySet<string>;
  private cachedMyReceivers: ReadonlySet<string> | undefined;

  constructor(
    readonly self: UniqueAddress,
    nodes: Iterable<UniqueAddress>,
    readonly unreachable: ReadonlyMap<string, UniqueAddress>,
    readonly monitoredByNrOfMembers: number,
  ) {
    const byKey = new Map<string, UniqueAddress>();
    for (const n of nodes) byKey.set(uniqueAddressKey(n), n);
    byKey.set(uniqueAddressKey(self), self);
    this.nodes = [...byKey.values()].sort(compareRing);
    this.keys = new Set(byKey.keys());
    this.unreachableKeys = new Set(unreachable.keys());
  }

  contains(node: UniqueAddress): boolean {
    return this.keys.has(uniqueAddressKey(node));
  }

  /** Receivers of `sender`'s heartbeats (the nodes that monitor it), in ring order. */
  receivers(sender: UniqueAddress): UniqueAddress[] {
    const senderKey = uniqueAddressKey(sender);
    const others = this.nodes.filter((n) => uniqueAddressKey(n) !== senderKey);
    if (this.monitoredByNrOfMembers >= this.nodes.length - 1) return others;
    // Walk clockwise from just after the sender, wrapping around.
    const start = this.nodes.findIndex((n) => compareRing(n, sender) > 0);
    const from = start < 0 ? 0 : start;
    const walk = [...this.nodes.slice(from), ...this.nodes.slice(0, from)].filter(
      (n) => uniqueAddressKey(n) !== senderKey,
    );
    const picked: UniqueAddress[] = [];
    let remaining = this.monitoredByNrOfMembers;
    for (const n of walk) {
      if (remaining === 0) break;
      const isUnreachable = this.unreachableKeys.has(uniqueAddressKey(n));
      // Unreachable nodes are watched too but do not count, unless enough are picked already.
      if (isUnreachable && picked.length >= this.monitoredByNrOfMembers) continue;
      picked.push(n);
      if (!isUnreachable) remaining--;
    }
    return picked;
  }

  /** The nodes that heartbeat `node` (whose failure detectors watch it), in ring order. */
  monitorsOf(node: UniqueAddress): UniqueAddress[] {
    const k = uniqueAddressKey(node);
    return this.nodes.filter((n) => uniqueAddressKey(n) !== k && this.receivers(n).some((r) => uniqueAddressKey(r) === k));
  }

  myReceivers(): ReadonlySet<string> {
    this.cachedMyReceivers ??= new Set(this.receivers(this.self).map(uniqueAddressKey));
    return this.cachedMyReceivers;
  }

  withNodes(nodes: Iterable<UniqueAddress>): HeartbeatRing {
    return new HeartbeatRing(this.self, nodes, this.unreachable, this.monitoredByNrOfMembers);
  }

  withUnreachable(unreachable: ReadonlyMap<string, UniqueAddress>): HeartbeatRing {
    return new HeartbeatRing(this.self, this.nodes, unreachable, this.monitoredByNrOfMembers);
  }
}

/**
 * The heartbeat sender's state. Mutable on purpose: it shares the FD registry, whose entries it
 * drops when a receiver is no longer needed.
 */
export class HeartbeatSenderState {
  private ring: HeartbeatRing;
  private readonly oldReceiversNowUnreachable = new Map<string, UniqueAddress>();
  private cachedActive: UniqueAddress[] | undefined;

  constructor(
    readonly self: UniqueAddress,
    monitoredByNrOfMembers: number,
    readonly failureDetector: FailureDetectorRegistry,
  ) {
    this.ring = new HeartbeatRing(self, [], new Map(), monitoredByNrOfMembers);
  }

  get currentRing(): HeartbeatRing {
    return this.ring;
  }

  /** Receivers to heartbeat now: the ring's receivers of self plus old receivers still unreachable. */
  activeReceivers(): UniqueAddress[] {
    if (this.cachedActive) return this.cachedActive;
    const out = new Map<string, UniqueAddress>();
    for (const n of this.ring.nodes) if (this.ring.myReceivers().has(uniqueAddressKey(n))) out.set(uniqueAddressKey(n), n);
    for (const [k, n] of this.oldReceiversNowUnreachable) out.set(k, n);
    this.cachedActive = [...out.values()];
    return this.cachedActive;
  }

  isActiveReceiver(node: UniqueAddress): boolean {
    const k = uniqueAddressKey(node);
    return this.ring.myReceivers().has(k) || this.oldReceiversNowUnreachable.has(k);
  }

  contains(node: UniqueAddress): boolean {
    return this.ring.contains(node);
  }

  /** Replaces the whole view (used when the sender starts). */
  init(nodes: Iterable<UniqueAddress>, unreachable: Iterable<UniqueAddress>): void {
    const u = new Map<string, UniqueAddress>();
    for (const n of unreachable) u.set(uniqueAddressKey(n), n);
    this.ring = new HeartbeatRing(this.self, nodes, u, this.ring.monitoredByNrOfMembers);
    this.cachedActive = undefined;
  }

  addMember(node: UniqueAddress): void {
    if (this.ring.contains(node)) return;
    this.membershipChange(this.ring.withNodes([...this.ring.nodes, node]));
  }

  removeMember(node: UniqueAddress): void {
    const k = uniqueAddressKey(node);
    const nodes = this.ring.nodes.filter((n) => uniqueAddressKey(n) !== k);
    const unreachable = new Map(this.ring.unreachable);
    unreachable.delete(k);
    this.membershipChange(new HeartbeatRing(this.self, nodes, unreachable, this.ring.monitoredByNrOfMembers));
    this.failureDetector.remove(node.address);
    this.oldReceiversNowUnreachable.delete(k);
    this.cachedActive = undefined;
  }

  unreachableMember(node: UniqueAddress): void {
    const u = new Map(this.ring.unreachable);
    u.set(uniqueAddressKey(node), node);
    this.membershipChange(this.ring.withUnreachable(u));
  }

  reachableMember(node: UniqueAddress): void {
    const u = new Map(this.ring.unreachable);
    if (!u.delete(uniqueAddressKey(node))) return;
    this.membershipChange(this.ring.withUnreachable(u));
  }

  /** A HeartbeatRsp arrived; only full-identity matches with an active receiver count. */
  heartbeatRsp(from: UniqueAddress): void {
    if (!this.isActiveReceiver(from)) return;
    this.failureDetector.heartbeat(from.address);
    const k = uniqueAddressKey(from);
    if (this.oldReceiversNowUnreachable.has(k)) {
      // It answered again; stop watching it unless it is a regular receiver once more.
      if (!this.ring.myReceivers().has(k)) this.failureDetector.remove(from.address);
      this.oldReceiversNowUnreachable.delete(k);
      this.cachedActive = undefined;
    }
  }

  /** The expected-first-heartbeat timer fired: seed the detector so silence gets detected. */
  expectedFirstHeartbeat(from: UniqueAddress): void {
    if (this.isActiveReceiver(from) && !this.failureDetector.isMonitoring(from.address)) {
      this.failureDetector.heartbeat(from.address);
    }
  }

  private membershipChange(newRing: HeartbeatRing): void {
    const oldReceivers = this.ring.myReceivers();
    const newReceivers = newRing.myReceivers();
    const oldNodes = new Map(this.ring.nodes.map((n) => [uniqueAddressKey(n), n]));
    for (const k of oldReceivers) {
      if (newReceivers.has(k)) continue;
      const node = oldNodes.get(k) as UniqueAddress;
      if (this.failureDetector.isAvailable(node.address)) this.failureDetector.remove(node.address);
      else this.oldReceiversNowUnreachable.set(k, node);
    }
    this.ring = newRing;
    this.cachedActive = undefined;
  }
}
