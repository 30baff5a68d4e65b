// LowestAddressJoinDecider (spec 2.8): a pure function from what the coordinator has observed to
// a join decision, with the log line that explains it. The rule order is Pekko's exactly, plus
// Muster's replicas fast path (docs/bootstrap.md), which may stand in for the stable-margin wait.
import {
  compareAddressFull,
  compareResolvedTarget,
  formatAddress,
  formatTarget,
  resolvedTargetEquals,
  type Address,
  type ResolvedTarget,
} from '../address.js';
import { matchesSelf } from './contact-points.js';
import { MAX_SEED_NODES_TO_EXPOSE } from './seed-nodes.js';

/** One contact point's answer: who answered and which seed nodes it reported. */
export interface SeedNodesObservation {
  readonly observedAt: number;
  readonly contactPoint: ResolvedTarget;
  readonly sourceAddress: Address;
  readonly seedNodes: readonly Address[];
  /**
   * Replicas fast path: the contact points the peer had discovered when it answered
   * (`host:port`), present only while the peer was still bootstrapping with the fast path on.
   */
  readonly peerContactPoints?: readonly string[];
}

/** Everything one decision looks at (Pekko's SeedNodesInformation); observations already fresh. */
export interface SeedNodesInformation {
  readonly currentTime: number;
  readonly contactPointsChangedAt: number;
  readonly contactPoints: readonly ResolvedTarget[];
  readonly seedNodesObservations: readonly SeedNodesObservation[];
  /** Replicas fast path: how many replicas the deployment should have; undefined = fast path off. */
  readonly expectedReplicas?: number;
}

export interface DeciderSettings {
  readonly newClusterEnabled: boolean;
  readonly requiredContactPointNr: number;
  readonly stableMarginMs: number;
  readonly contactWithAllContactPoints: boolean;
}

export type JoinDecision =
  | { readonly type: 'KeepProbing'; readonly reason: string }
  | { readonly type: 'JoinOtherSeedNodes'; readonly seedNodes: readonly Address[] }
  | { readonly type: 'JoinSelf' };

/** A log line the shell writes for this decision; marker and fields follow Pekko's names. */
export interface DecisionLog {
  readonly level: 'debug' | 'info' | 'warn';
  readonly marker?: string;
  readonly fields?: Readonly<Record<string, string>>;
  readonly msg: string;
}

export interface DecisionResult {
  readonly decision: JoinDecision;
  readonly logs: readonly DecisionLog[];
}

const list = (items: readonly string[]) => items.join(', ');

function keep(reason: string, ...logs: DecisionLog[]): DecisionResult {
  return { decision: { type: 'KeepProbing', reason }, logs };
}

function hasObservation(info: SeedNodesInformation, target: ResolvedTarget): boolean {
  return info.seedNodesObservations.some((o) => resolvedTargetEquals(o.contactPoint, target));
}

/**
 * Why the replicas fast path does not hold, or null when it does: exactly `expected` contact
 * points discovered, every one answered, none reported seed nodes (rule 1 already returned
 * otherwise), and each answer lists exactly this node's discovered set. A peer that has issued a
 * join never lists a set, so its answer blocks the fast path.
 */
function fastPathBlocker(info: SeedNodesInformation, expected: number): string | null {
  const mine = info.contactPoints.map(formatTarget);
  if (mine.length !== expected) return `${mine.length} contact points discovered, expected replicas ${expected}`;
  const mineSet = new Set(mine);
  for (const target of info.contactPoints) {
    const o = info.seedNodesObservations.find((x) => resolvedTargetEquals(x.contactPoint, target));
    if (o === undefined) return `no recent answer from [${formatTarget(target)}]`;
    const theirs = o.peerContactPoints;
    if (theirs === undefined) return `[${formatTarget(target)}] did not report its contact points`;
    if (new Set(theirs).size !== mineSet.size || !theirs.every((x) => mineSet.has(x))) {
      return `[${formatTarget(target)}] reports contact points [${list(theirs)}]`;
    }
  }
  return null;
}

export function decide(
  info: SeedNodesInformation,
  self: { readonly host: string; readonly port: number },
  s: DeciderSettings,
): DecisionResult {
  // 1. An existing cluster wins, whatever the other gates say.
  const byText = new Map<string, Address>();
  for (const o of info.seedNodesObservations) for (const a of o.seedNodes) byText.set(formatAddress(a), a);
  if (byText.size > 0) {
    const seeds = [...byText.values()].sort(compareAddressFull).slice(0, MAX_SEED_NODES_TO_EXPOSE);
    return { decision: { type: 'JoinOtherSeedNodes', seedNodes: seeds }, logs: [] };
  }

  const discovered = info.contactPoints.map(formatTarget);
  const confirmed = info.contactPoints.filter((t) => hasObservation(info, t));

  // Beyond Pekko: an empty lookup is never a reason to form a cluster.
  if (info.contactPoints.length === 0) {
    return keep(
      'discovery returned no contact points; check the service name / label selector and, on Kubernetes, ' +
        'publishNotReadyAddresses on the headless service',
      { level: 'info', marker: 'pekkoBootstrapInProgress', msg: 'Discovery returned no contact points, keep probing' },
    );
  }

  // 2. Enough contact points have actually answered?
  if (confirmed.length < s.requiredContactPointNr) {
    const reason =
      `only ${confirmed.length} of ${info.contactPoints.length} discovered contact points answered, ` +
      `required-contact-point-nr is ${s.requiredContactPointNr}`;
    return keep(reason, {
      level: 'info',
      marker: 'pekkoBootstrapInProgress',
      fields: { pekkoContactPoints: list(discovered), pekkoSeedNodes: '' },
      msg:
        `Discovered [${info.contactPoints.length}] contact points, confirmed [${confirmed.length}], ` +
        `which is less than the required [${s.requiredContactPointNr}], retrying`,
    });
  }

  // 3. The discovered set has been unchanged for stable-margin, or the replicas fast path holds?
  const stableFor = info.currentTime - info.contactPointsChangedAt;
  const fastPath = info.expectedReplicas === undefined ? undefined : fastPathBlocker(info, info.expectedReplicas);
  if (stableFor < s.stableMarginMs && fastPath !== null) {
    return keep(
      `the discovered contact points changed ${Math.round(stableFor)} ms ago; stable-margin is ${s.stableMarginMs} ms` +
        (fastPath === undefined ? '' : `; replicas fast path not taken: ${fastPath}`),
      {
        level: 'debug',
        msg: `Contact points observations changed ${Math.round(stableFor)} ms ago, waiting for stable-margin [${s.stableMarginMs} ms]`,
      },
    );
  }

  // 4. Every discovered contact point answered recently?
  if (s.contactWithAllContactPoints) {
    const missing = info.contactPoints.filter((t) => !hasObservation(info, t)).map(formatTarget);
    if (missing.length > 0) {
      return keep(`no recent answer from contact points [${list(missing)}] (contact-with-all-contact-points = on)`, {
        level: 'info',
        msg: `Exceeded stable margins but missing seed node information from some contact points [${list(missing)}] (out of [${list(discovered)}])`,
      });
    }
  }

  // 5. The lowest contact point that answered.
  const lowest = [...confirmed].sort(compareResolvedTarget)[0];
  if (lowest === undefined) return keep('no contact point has answered yet');

  // 6./7. Only the lowest may form a new cluster, and only when new clusters are enabled.
  if (matchesSelf(lowest, self)) {
    if (s.newClusterEnabled) {
      const logs: DecisionLog[] =
        stableFor < s.stableMarginMs
          ? [
              {
                level: 'info',
                marker: 'musterBootstrapFastPath',
                msg:
                  `Replicas fast path: all [${info.expectedReplicas}] expected contact points answered without seed nodes ` +
                  `and report the same contact points [${list(discovered)}]; not waiting out stable-margin`,
              },
            ]
          : [];
      return { decision: { type: 'JoinSelf' }, logs };
    }
    return keep('this node is the lowest contact point but new-cluster-enabled is off; waiting for an existing cluster', {
      level: 'warn',
      msg:
        'Exceeded stable margins without locating seed-nodes, however this node is configured with ' +
        'new-cluster-enabled=off, thus NOT joining self. Waiting for an existing cluster to be reported by a contact point.',
    });
  }
  const logs: DecisionLog[] = [];
  const selfText = `${self.host}:${self.port}`;
  if (!info.contactPoints.some((t) => matchesSelf(t, self))) {
    const why =
      `this node (${selfText}, from pekko.management.http.hostname/port) is not among the discovered contact points ` +
      `[${list(discovered)}]; likely causes: pekko.management.http.hostname does not match what discovery returns, ` +
      'the headless service lacks publishNotReadyAddresses, or the label selector / service name does not select this node';
    logs.push({ level: 'warn', msg: `Self contact point [${selfText}] not found in targets [${list(discovered)}]: ${why}` });
    return keep(why, ...logs);
  }
  const reason = `this node is not the lowest contact point; expecting [${formatTarget(lowest)}] to form the cluster`;
  if (s.newClusterEnabled) {
    logs.push({
      level: 'info',
      msg: `Exceeded stable margins without locating seed-nodes, however this node ${selfText} is NOT the lowest address out of the discovered endpoints in this deployment, thus NOT joining self. Expecting node [${formatTarget(lowest)}] (out of [${list(discovered)}]) to perform the self-join and initiate the cluster.`,
    });
  } else {
    logs.push({
      level: 'warn',
      msg: `Exceeded stable margins without locating seed-nodes, however this node is configured with new-cluster-enabled=off, thus NOT joining self. Expecting node [${formatTarget(lowest)}] to form the cluster.`,
    });
  }
  return keep(reason, ...logs);
}
