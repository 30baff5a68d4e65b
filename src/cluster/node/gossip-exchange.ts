// Gossip between members (spec §4.5–4.7): the periodic round to one chosen peer, full gossip
// versus status, and the receiving side's compare, merge and talk-back.
import { uniqueAddressEquals, type UniqueAddress } from '../../address.js';
import {
  findMember,
  keepDownAndRemoved,
  memberIndex,
  memberKey,
  mergeGossip,
  sameContent,
  seenDigest,
  withSeen,
  withSeenUnion,
  type Gossip,
} from '../gossip.js';
import { randomSample, selectGossipTarget } from '../gossip-target.js';
import { statusByObserver } from '../reachability.js';
import { compareClocks } from '../vector-clock.js';
import type { NodeCore } from './core.js';

export class GossipExchange {
  constructor(
    private readonly core: NodeCore,
    /** Called after every adopted gossip: self's own status may have changed (Exiting, Down). */
    private readonly onGossipAdopted: () => void,
    /** Called when a member of this node's view gossips to it (so that member knows this incarnation). */
    private readonly onMemberContact: () => void = () => undefined,
  ) {}

  /** Whether self's own reachability row flags the node (gossip to/from it is suppressed). */
  private flaggedBySelf(node: UniqueAddress): boolean {
    return statusByObserver(this.core.gossip.reachability, this.core.self, node) !== 'Reachable';
  }

  gossipTo(node: UniqueAddress): void {
    const c = this.core;
    if (uniqueAddressEquals(node, c.self) || this.flaggedBySelf(node)) return;
    if (!findMember(c.gossip, node)) return;
    c.counters.gossipSent++;
    c.send(node.address, { type: 'GossipEnvelope', from: c.self, to: node, gossip: c.gossip });
  }

  private gossipStatusTo(node: UniqueAddress): void {
    const c = this.core;
    if (uniqueAddressEquals(node, c.self) || this.flaggedBySelf(node)) return;
    c.counters.gossipStatusSent++;
    c.send(node.address, { type: 'GossipStatus', from: c.self, version: c.gossip.version, seenDigest: seenDigest(c.gossip) });
  }

  pushToRandomPeers(n: number): void {
    const c = this.core;
    const peers = c.gossip.members.filter((m) => memberKey(m) !== c.selfKey).map((m) => m.uniqueAddress);
    for (const p of randomSample(peers, n, c.random)) this.gossipTo(p);
  }

  /** The periodic task of an initialized node: one round, and two more within the interval while speeding up. */
  tick(): void {
    const c = this.core;
    this.round();
    if (this.needsSpeedUp()) {
      const third = c.settings.gossipIntervalMs / 3;
      for (const delay of [third, 2 * third]) {
        c.scheduler.schedule(delay, () =>
          c.safely(() => {
            if (c.phase === 'initialized' && this.needsSpeedUp()) this.round();
          }),
        );
      }
    }
  }

  private needsSpeedUp(): boolean {
    const g = this.core.gossip;
    return g.members.some((m) => m.status === 'Down') || g.seen.size < Math.floor(g.members.length / 2);
  }

  /** One gossip round to one peer chosen per spec §4.6. */
  round(): void {
    const c = this.core;
    if (c.gossip.members.length <= 1) return;
    const target = selectGossipTarget(
      c.gossip,
      c.self,
      c.random,
      c.settings.gossipDifferentViewProbability,
      c.settings.reduceGossipDifferentViewProbability,
      c.exitingConfirmed,
    );
    if (!target) return;
    if (c.gossip.seen.has(memberKey(target))) this.gossipStatusTo(target.uniqueAddress);
    else this.gossipTo(target.uniqueAddress);
  }

  handleStatus(from: UniqueAddress, version: Gossip['version'], digest: string): void {
    const c = this.core;
    if (!findMember(c.gossip, from)) return c.drop('unknownSender', { type: 'GossipStatus' });
    if (this.flaggedBySelf(from)) return c.drop('unreachableSender', { type: 'GossipStatus' });
    this.onMemberContact();
    if (digest !== seenDigest(c.gossip)) return this.gossipTo(from);
    const cmp = compareClocks(version, c.gossip.version);
    if (cmp === 'Same') return;
    if (cmp === 'After') this.gossipStatusTo(from);
    else this.gossipTo(from);
  }

  handleGossip(from: UniqueAddress, to: UniqueAddress, remote: Gossip): void {
    const c = this.core;
    const type = { type: 'GossipEnvelope' };
    if (!uniqueAddressEquals(to, c.self)) return c.drop('wrongUid', type);
    if (!findMember(c.gossip, from)) {
      // An incarnation this node never admitted believes it is a member alongside this node
      // (it joined through a member that went away before gossiping about it): tell it so.
      // Only that uid acts on the notice, and only while Joining/WeaklyUp (join.ts).
      if (findMember(remote, c.self) && findMember(remote, from)) {
        c.send(from.address, { type: 'UnknownIncarnation', from: c.self, to: from });
      }
      return c.drop('unknownSender', type);
    }
    if (this.flaggedBySelf(from)) return c.drop('unreachableSender', type);
    if (!findMember(remote, c.self)) return c.drop('selfNotInGossip', type);
    this.onMemberContact();

    const local = c.gossip;
    const remoteSeenSelf = remote.seen.has(c.selfKey);
    let next: Gossip;
    let talkBack: boolean;
    switch (compareClocks(remote.version, local.version)) {
      case 'Same':
        // Equal clocks with different content happen once clock entries of removed nodes are
        // pruned; adopting either side would silently undo the other's changes (a Down, say).
        if (sameContent(remote, local)) {
          next = withSeenUnion(remote, local.seen);
          talkBack = !c.exitingTasksInProgress && !remoteSeenSelf;
        } else {
          next = c.stamped(mergeGossip(local, remote, c.wallClock()));
          talkBack = true;
        }
        break;
      case 'Before':
        next = local;
        talkBack = true;
        break;
      case 'After':
        next = remote;
        talkBack = !c.exitingTasksInProgress && !remoteSeenSelf;
        break;
      case 'Concurrent':
        next = mergeGossip(local, remote, c.wallClock());
        talkBack = true;
        break;
    }
    const floored = keepDownAndRemoved(local, next);
    if (floored !== next) {
      // The remote view still has a member this node holds as Down, or one it removed: keep
      // them Down/removed and publish that as a new version (a uid never comes back).
      next = c.stamped(floored);
      talkBack = true;
    }
    if (!c.exitingTasksInProgress) next = withSeen(next, c.self);
    if (c.plugins.some((p) => p.onNewMember)) {
      const before = memberIndex(local);
      for (const m of next.members) {
        if (!before.has(memberKey(m))) c.notifyPlugins((p) => p.onNewMember?.(m.uniqueAddress.address));
      }
    }
    c.updateGossip(next);
    if (talkBack) this.gossipTo(from);
    this.onGossipAdopted();
  }
}
