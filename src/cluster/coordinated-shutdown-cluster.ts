// The cluster's part in coordinated shutdown: leave gracefully in `cluster-leave`, wait to be
// moved to Exiting in `cluster-exiting`, and start the shutdown when this node is removed by a
// leave or downed by others (spec 2.4, 7.3).
import type { ClusterApi, ClusterEvent, MemberStatus } from './api.js';
import { uniqueAddressEquals } from '../address.js';
import { Reasons, type CoordinatedShutdown, type ShutdownReason } from './coordinated-shutdown.js';
import type { ClusterPlugin, ClusterPluginContext, ClusterShutdownReason } from './plugin.js';

const REASONS: Record<ClusterShutdownReason, ShutdownReason> = {
  'cluster-leaving': Reasons.ClusterLeaving,
  'cluster-downing': Reasons.ClusterDowning,
  'cluster-join-unsuccessful': Reasons.ClusterJoinUnsuccessful,
  'incompatible-configuration': Reasons.IncompatibleConfigurationDetected,
};

/**
 * Connects a ClusterNode to coordinated shutdown through the plugin seam: the node's own
 * shutdown requests (exiting, downed, failed join) run the phases, and the `cluster-exiting-done`
 * task hands ExitingCompleted back to the node. Pass `hooks()` to addClusterShutdownTasks.
 */
export class CoordinatedShutdownPlugin implements ClusterPlugin {
  readonly name = 'coordinated-shutdown';
  private ctx: ClusterPluginContext | undefined;
  private resolveStopped!: () => void;
  private readonly stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));

  constructor(
    private readonly cs: CoordinatedShutdown,
    private readonly runWhenDown = true,
  ) {}

  start(ctx: ClusterPluginContext): void {
    this.ctx = ctx;
    ctx.onShutdownRequested((reason) => {
      if (reason === 'cluster-downing' && !this.runWhenDown) return;
      void this.cs.run(REASONS[reason]);
    });
  }

  onStopped(): void {
    this.resolveStopped();
  }

  hooks(): ClusterShutdownHooks {
    return {
      exitingCompleted: async () => {
        this.ctx?.exitingCompleted();
      },
      // A node that never became a member has nothing to wait for.
      clusterStopped: () => (this.ctx?.isInitialized() ? this.stopped : Promise.resolve()),
      runWhenDown: this.runWhenDown,
    };
  }
}

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
