// The JSON the dashboard page polls (GET <base>/dashboard/state): one snapshot of everything the
// page shows that the domain-events stream does not carry: members with up-number and
// app-version, who observes whom as unreachable, bootstrap's status and the split brain
// resolver's recent decisions. Muster-only, so its shape is ours; a pure function of its inputs.
import { formatAddress } from '../address.js';
import { NOT_UP_NUMBER, type ClusterState } from '../cluster/api.js';
import type { SbrDecisionRecord } from '../cluster/sbr/resolver.js';
import { clusterMembersJson } from './cluster-json.js';

/** What the split brain resolver of this node has done, as the runtime hands it over. */
export interface SbrSnapshot {
  readonly strategy: string;
  readonly stableAfterMs: number;
  readonly decisions: readonly SbrDecisionRecord[];
  /** The resolver's clock, to turn `at` into an age. */
  readonly now: number;
}

/** Read-only views of the layers above management that the page shows, each optional. */
export interface DashboardSources {
  /** The /bootstrap/status body; undefined while bootstrap does not run in this process. */
  readonly bootstrapStatus?: () => object | undefined;
  /** pekko.management.cluster.bootstrap.contact-point-discovery.stable-margin, for the countdown. */
  readonly stableMarginMs?: number;
  /** Undefined when no split brain resolver runs (another downing provider, or none). */
  readonly splitBrainResolver?: () => SbrSnapshot | undefined;
}

/** At most this many SBR decisions are sent, newest first. */
export const MAX_SBR_DECISIONS = 20;

export interface DashboardMemberJson {
  readonly node: string;
  readonly nodeUid: string;
  readonly status: string;
  readonly roles: readonly string[];
  readonly dataCenter: string;
  /** Null until the member has been moved to Up. */
  readonly upNumber: number | null;
  readonly appVersion: string;
}

export interface DashboardStateJson {
  readonly selfNode: string;
  readonly selfUid: string;
  readonly selfStatus: string;
  readonly leader: string | null;
  readonly roleLeaders: Readonly<Record<string, string | null>>;
  readonly oldest: string | null;
  readonly members: readonly DashboardMemberJson[];
  readonly unreachable: readonly { readonly node: string; readonly observedBy: readonly string[] }[];
  readonly seenBy: readonly string[];
  /** Whether the /cluster/domain-events stream is mounted (otherwise the page only polls). */
  readonly events: boolean;
  readonly bootstrap: (object & { readonly stableMarginMs?: number }) | null;
  readonly splitBrainResolver: {
    readonly strategy: string;
    readonly stableAfterMs: number;
    readonly decisions: readonly { readonly agoMs: number; readonly decision: string; readonly downed: readonly string[]; readonly leaseAcquired?: boolean }[];
  } | null;
}

export function dashboardStateJson(state: ClusterState, sources: DashboardSources, events: boolean): DashboardStateJson {
  const summary = clusterMembersJson(state);
  const members = state.members.map((m) => ({
    node: formatAddress(m.uniqueAddress.address),
    nodeUid: m.uniqueAddress.uid.toString(),
    status: m.status,
    roles: m.roles.filter((r) => !r.startsWith('dc-')),
    dataCenter: m.dataCenter,
    upNumber: m.upNumber === NOT_UP_NUMBER ? null : m.upNumber,
    appVersion: m.appVersion,
  }));
  const status = sources.bootstrapStatus?.();
  const sbr = sources.splitBrainResolver?.();
  return {
    selfNode: summary.selfNode,
    selfUid: state.self.uniqueAddress.uid.toString(),
    selfStatus: state.self.status,
    leader: summary.leader ?? null,
    roleLeaders: Object.fromEntries([...state.roleLeaders].map(([role, a]) => [role, a ? formatAddress(a) : null])),
    oldest: summary.oldest ?? null,
    members,
    unreachable: summary.unreachable,
    seenBy: state.seenBy.map(formatAddress),
    events,
    bootstrap: status
      ? { ...status, ...(sources.stableMarginMs !== undefined && { stableMarginMs: sources.stableMarginMs }) }
      : null,
    splitBrainResolver: sbr
      ? {
          strategy: sbr.strategy,
          stableAfterMs: sbr.stableAfterMs,
          decisions: sbr.decisions
            .slice(-MAX_SBR_DECISIONS)
            .reverse()
            .map((d) => ({
              agoMs: Math.max(0, Math.round(sbr.now - d.at)),
              decision: d.decision.type,
              downed: d.downed.map((n) => formatAddress(n.address)),
              ...(d.leaseAcquired !== undefined && { leaseAcquired: d.leaseAcquired }),
            })),
        }
      : null,
  };
}
