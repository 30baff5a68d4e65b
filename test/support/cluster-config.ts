// application.conf text for real-process cluster tests: Pekko keys only, with intervals
// shortened where that changes timing but not semantics.

export interface NodeConfigOptions {
  readonly system: string;
  readonly host: string;
  readonly port: number;
  readonly seeds: readonly string[];
  readonly extra?: string;
}

export function nodeConfig(o: NodeConfigOptions): string {
  return `
muster.system-name = "${o.system}"
pekko.remote.artery {
  canonical { hostname = "${o.host}", port = ${o.port} }
  advanced.outbound-restart-backoff = 100ms
}
muster.remote.max-outbound-restart-backoff = 1s
pekko.cluster {
  seed-nodes = [${o.seeds.map((s) => JSON.stringify(s)).join(', ')}]
  periodic-tasks-initial-delay = 100ms
  gossip-interval = 200ms
  leader-actions-interval = 200ms
  unreachable-nodes-reaper-interval = 250ms
  seed-node-timeout = 2s
  retry-unsuccessful-join-after = 1s
}
${o.extra ?? ''}
`;
}
