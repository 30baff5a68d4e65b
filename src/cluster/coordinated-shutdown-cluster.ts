// The cluster's part in coordinated shutdown: leave gracefully in `cluster-leave`, wait to be
// moved to Exiting in `cluster-exiting`, and start the shutdown when this node is removed by a
// leave or downed by others (spec 2.4, 7.3).
import type { ClusterApi, ClusterEvent, MemberStatus } from './api.js';
import { uniqueAddressEquals } from '../address.js';
import { Reasons, type CoordinatedShutdown } from './coordinated-shutdown.js';

export interface ClusterShutdownHooks {
  /** Delivers ExitingCompleted to the membership core and resolves when it is acknowledged. */
  readonly exitingCompleted?: () => Promise<void>;
  /** Resolves when the cluster subsystem (gossip, heartbeats, transport use) has stopped. */
  readonly clusterStopped?: () => Promise<void>;
  /** `pekko.cluster.run-coordinated-shutdown-when-down` (default on). */
  readonly runWhenDown?: boolean;
}

/** Resolves once `pred` holds for the self member, checking now and on every event. */
function waitForSelf(cluster: ClusterApi, pred: (s: MemberStatus) => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (pred(cluster.state().self.status)) return resolve();
    const unsubscribe = cluster.subscribe(() => {
      if (pred(cluster.state().self.status)) {
        unsubscribe();
        resolve();
      }
    });
  });
}

function isSelfEvent(cluster: ClusterApi, e: ClusterEvent, type: ClusterEvent['type']): boolean {
  return e.type === type && 'member' in e && uniqueAddressEquals(e.member.uniqueAddress, cluster.selfUniqueAddress);
}

/**
 * Registers the cluster tasks and the triggers. A node that was never a member (status Removed
 * before joining) or is Down skips the leave steps. Returns a function removing the subscription.
 */
export function addClusterShutdownTasks(cs: CoordinatedShutdown, cluster: ClusterApi, hooks: ClusterShutdownHooks = {}): () => void {
  let wasMember = cluster.state().self.status !== 'Removed';
  cs.addTask('cluster-leave', 'leave', async () => {
    const status = cluster.state().self.status;
    if (!wasMember || status === 'Down' || status === 'Removed') return;
    if (status !== 'Leaving' && status !== 'Exiting') cluster.leave(cluster.selfAddress);
    await waitForSelf(cluster, (s) => s === 'Leaving' || s === 'Exiting' || s === 'Down' || s === 'Removed');
  });
  cs.addTask('cluster-exiting', 'wait-exiting', async () => {
    if (!wasMember) return;
    await waitForSelf(cluster, (s) => s === 'Exiting' || s === 'Down' || s === 'Removed');
  });
  cs.addTask('cluster-exiting-done', 'exiting-completed', async () => {
    const status = cluster.state().self.status;
    if (!wasMember || status === 'Down') return;
    await hooks.exitingCompleted?.();
  });
  cs.addTask('cluster-shutdown', 'wait-shutdown', async () => {
    await hooks.clusterStopped?.();
  });

  return cluster.subscribe((e) => {
    if (!wasMember && cluster.state().self.status !== 'Removed') wasMember = true;
    if (isSelfEvent(cluster, e, 'MemberExited')) {
      void cs.run(Reasons.ClusterLeaving);
    } else if (isSelfEvent(cluster, e, 'MemberDowned') && hooks.runWhenDown !== false) {
      void cs.run(Reasons.ClusterDowning);
    } else if (isSelfEvent(cluster, e, 'MemberRemoved') && cs.reason === undefined) {
      // Removed without having seen Exiting or Down locally (e.g. gossip arrived late).
      void cs.run(e.type === 'MemberRemoved' && e.previousStatus === 'Down' ? Reasons.ClusterDowning : Reasons.ClusterLeaving);
    }
  });
}
