// The expected replica count for the replicas fast path when it is read at run time (from the
// Kubernetes API): one read at a time, kept once it succeeded; a failed read is logged and may be
// asked for again (the coordinator asks after each lookup while it could use the count).
import type { Logger } from '../logging.js';
import type { ReplicasSource } from './coordinator.js';

export function replicasSource(read: () => Promise<{ readonly replicas: number; readonly describe: string }>, logger: Logger): ReplicasSource {
  let value: number | undefined;
  let reading = false;
  return {
    current: () => value,
    request() {
      if (reading || value !== undefined) return;
      reading = true;
      read().then(
        (r) => {
          reading = false;
          value = r.replicas;
          logger.info(`Replicas fast path: expecting [${r.replicas}] contact points (${r.describe})`);
        },
        (e: unknown) => {
          reading = false;
          logger.warn(`Replicas fast path: cannot read the expected replica count, keeping the stable-margin wait: ${e instanceof Error ? e.message : String(e)}`);
        },
      );
    },
  };
}
