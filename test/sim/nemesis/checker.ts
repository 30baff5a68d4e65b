// The nemesis checker: the safety properties of issue 12, checked on the real nodes' state.
// - During the run (sampled): no two "active" leaders of disjoint clusters, i.e. two converged
//   leaders neither of which lists the other as a member at all (each removed the other, or
//   never knew it); and no member status moving backwards in any node's view (ClusterSim).
// - At the end: the live nodes form at most one cluster, every one of them a member with one
//   converged view (all Up, nobody unreachable, seen by all), or downed and stopped; no member
//   of that view is an incarnation that any node ever saw Down or Removed.
import { uniqueAddressKey, type Address } from '../../../src/address.js';
import { hasConvergence } from '../../../src/cluster/convergence.js';
import { isLeader } from '../../../src/cluster/leader.js';
import type { ClusterSim, SimNode } from '../cluster-sim.js';

export type Incarnation = SimNode;

const key = (n: SimNode) => uniqueAddressKey(n.uniqueAddress);

export class Checker {
  private readonly violations: string[] = [];
  private readonly reported = new Set<string>();
  /** uid key -> node number of every incarnation some node marked Down. */
  private readonly downed = new Map<string, number>();
  private readonly crashedKeys = new Set<string>();
  private settleFrom: number | undefined;
  private settledAt: number | undefined;
  /** Since when the end state has held without interruption (undefined while it does not). */
  settledSince: number | undefined;

  constructor(
    private readonly sim: ClusterSim,
    private readonly idOf: (a: Address) => number,
  ) {}

  private violation(kind: string, text: string): void {
    // One report per kind and subject keeps a long run's verdict readable.
    if (this.reported.has(kind)) return;
    this.reported.add(kind);
    this.violations.push(`${this.sim.clock.now()}ms: ${text}`);
  }

  started(n: Incarnation): void {
    n.node.subscribe((e) => {
      if (e.type === 'MemberDowned') this.downed.set(uniqueAddressKey(e.member.uniqueAddress), this.idOf(e.member.uniqueAddress.address));
    });
  }

  crashed(n: Incarnation): void {
    this.crashedKeys.add(key(n));
  }

  settlingFrom(t: number): void {
    this.settleFrom = t;
  }

  /** Live nodes that run as cluster members: initialized and not Down, Exiting or Removed. */
  private running(): SimNode[] {
    return this.sim.alive().filter((n) => {
      if (n.node.nodePhase !== 'initialized') return false;
      const s = n.node.state().self.status;
      return s !== 'Down' && s !== 'Removed' && s !== 'Exiting';
    });
  }

  /** Converged leaders whose views do not list each other at all: two clusters acting at once. */
  private activeLeaders(): void {
    const active = this.running().filter((n) => {
      if (n.scheduler.paused) return false;
      const g = n.node.currentGossip();
      return isLeader(g, n.uniqueAddress) && hasConvergence(n.node.membershipState());
    });
    for (let i = 0; i < active.length; i++) {
      for (let j = i + 1; j < active.length; j++) {
        const a = active[i] as SimNode;
        const b = active[j] as SimNode;
        const aKnowsB = a.node.currentGossip().members.some((m) => uniqueAddressKey(m.uniqueAddress) === key(b));
        const bKnowsA = b.node.currentGossip().members.some((m) => uniqueAddressKey(m.uniqueAddress) === key(a));
        if (!aKnowsB && !bKnowsA) {
          this.violation(
            'two-leaders',
            `two active leaders of disjoint clusters: node ${this.idOf(a.address)} [${this.viewIds(a)}] and node ${this.idOf(b.address)} [${this.viewIds(b)}]`,
          );
        }
      }
    }
  }

  private viewIds(n: SimNode): string {
    return n.node
      .state()
      .members.map((m) => `${this.idOf(m.uniqueAddress.address)}:${m.status}`)
      .join(' ');
  }

  /** Groups of running nodes that list each other as non-Down members (transitively). */
  clusters(): SimNode[][] {
    const running = this.running();
    const lists = (a: SimNode, b: SimNode) =>
      a.node.state().members.some((m) => m.status !== 'Down' && uniqueAddressKey(m.uniqueAddress) === key(b));
    const groups: SimNode[][] = [];
    const placed = new Set<SimNode>();
    for (const n of running) {
      if (placed.has(n)) continue;
      const group = [n];
      placed.add(n);
      for (let i = 0; i < group.length; i++) {
        for (const m of running) {
          if (!placed.has(m) && (lists(group[i] as SimNode, m) || lists(m, group[i] as SimNode))) {
            placed.add(m);
            group.push(m);
          }
        }
      }
      groups.push(group);
    }
    return groups;
  }

  /** What keeps the live nodes from being exactly one settled cluster (empty when settled). */
  endProblems(): string[] {
    const problems: string[] = [];
    const groups = this.clusters();
    const ids = (g: SimNode[]) => g.map((n) => this.idOf(n.address)).sort((a, b) => a - b);
    if (groups.length > 1) problems.push(`${groups.length} clusters: ${groups.map((g) => `[${ids(g).join(',')}]`).join(' ')}`);
    const group = groups.length === 1 ? (groups[0] as SimNode[]) : [];
    const inGroup = new Set(group.map(key));
    const reference = group[0] ? this.sim.view(group[0]) : '';
    for (const n of group) {
      const id = this.idOf(n.address);
      const st = n.node.state();
      if (this.sim.view(n) !== reference) problems.push(`node ${id} has a different view: [${this.viewIds(n)}]`);
      for (const m of st.members) {
        const k = uniqueAddressKey(m.uniqueAddress);
        if (m.status !== 'Up') problems.push(`node ${id} sees ${this.idOf(m.uniqueAddress.address)} as ${m.status}`);
        if (!inGroup.has(k)) problems.push(`node ${id} lists ${this.idOf(m.uniqueAddress.address)} (${k}) which is not a running member`);
      }
      if (st.unreachable.length > 0) problems.push(`node ${id} sees unreachable members`);
      if (st.seenBy.length !== st.members.length) problems.push(`node ${id}: the view is not seen by all`);
    }
    for (const n of this.sim.alive()) {
      if (inGroup.has(key(n))) continue;
      const phase = n.node.nodePhase;
      const joining = phase === 'uninitialized' || phase === 'tryingToJoin';
      // A node still looking for a cluster to join is safe when no cluster is left to join.
      if (joining && groups.length === 0) continue;
      if (groups.length > 1 && this.running().includes(n)) continue;
      problems.push(`node ${this.idOf(n.address)} is alive but neither a member of the cluster nor stopped (${phase}, ${n.node.state().self.status})`);
    }
    return problems;
  }

  /** Called every few hundred virtual ms. */
  sample(): void {
    this.activeLeaders();
    if (this.settleFrom === undefined) return;
    if (this.endProblems().length === 0) {
      this.settledAt ??= this.sim.clock.now();
      this.settledSince ??= this.sim.clock.now();
    } else {
      this.settledSince = undefined;
    }
  }

  verdict(): { clusters: number[][]; downed: number[]; violations: string[]; settledAfterMs: number | null } {
    for (const p of this.endProblems()) this.violation(`end:${p}`, `at the end: ${p}`);
    const groups = this.clusters();
    for (const v of this.sim.violations) this.violation(`backwards:${v}`, `status moved backwards: ${v}`);
    const settled = this.settledAt !== undefined && this.settleFrom !== undefined ? this.settledAt - this.settleFrom : null;
    return {
      clusters: groups.map((g) => g.map((n) => this.idOf(n.address)).sort((a, b) => a - b)).sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0)),
      // A Down decided by a side that then lost, about a node that survives, never took effect.
      downed: [...new Set([...this.downed].filter(([k]) => !groups.some((g) => g.some((n) => key(n) === k))).map(([, id]) => id))].sort((a, b) => a - b),
      violations: [...this.violations],
      settledAfterMs: settled,
    };
  }
}
