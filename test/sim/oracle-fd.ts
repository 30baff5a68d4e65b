// A perfect failure detector for simulations: it knows which incarnations are running, so a
// node marks a member Unreachable (through the plugin seam, like the real detector) once that
// member's process has been stopped for `detectAfterMs`. Real-process tests use the phi-accrual
// detector instead; this keeps membership simulations independent of heartbeat timing.
import { uniqueAddressKey } from '../../src/address.js';
import type { ClusterPlugin } from '../../src/cluster/plugin.js';

export interface Liveness {
  /** Virtual time at which the incarnation stopped, or undefined while it runs. */
  stoppedAt(uniqueAddressKey: string): number | undefined;
}

export function oracleFailureDetector(liveness: Liveness, detectAfterMs = 5000): ClusterPlugin {
  return {
    name: 'oracle-failure-detector',
    start(ctx) {
      ctx.scheduler.scheduleRepeatedly(1000, 1000, () => {
        if (!ctx.isInitialized()) return;
        const now = ctx.scheduler.now();
        const dead = ctx.gossip().members.filter((m) => {
          const at = liveness.stoppedAt(uniqueAddressKey(m.uniqueAddress));
          return at !== undefined && now - at >= detectAfterMs;
        });
        if (dead.length > 0) ctx.markUnreachable(dead.map((m) => m.uniqueAddress));
      });
    },
  };
}
