// The checks made after every scenario step, as pure functions over what the pods reported, plus
// the collector that asks every pod for its /cluster/members view.
//  - exactly one cluster: every live pod's view lists exactly the live pods' nodes, all Up, none
//    unreachable (so all views agree);
//  - every Ready pod is a member Up;
//  - no pod was Ready before it was Up (its own view, read right after its first Ready, said Up).
import { httpGet, waitFor, type Deployment, type PodRecord } from './deployment.js';

export interface MemberEntry {
  node: string;
  status: string;
}

export interface MembersView {
  selfNode: string;
  members: MemberEntry[];
  unreachable: Array<{ node: string }>;
  leader?: string;
}

export interface PodView {
  pod: string;
  ready: boolean;
  view?: MembersView;
  /** Why no view could be read (connection refused, bad JSON, ...). */
  error?: string;
}

/** Parses a /cluster/members body; undefined when it is not one. */
export function parseMembersView(body: string): MembersView | undefined {
  try {
    const v = JSON.parse(body) as Partial<MembersView>;
    if (typeof v.selfNode !== 'string' || !Array.isArray(v.members)) return undefined;
    return {
      selfNode: v.selfNode,
      members: v.members.filter((m): m is MemberEntry => typeof m?.node === 'string' && typeof m?.status === 'string'),
      unreachable: Array.isArray(v.unreachable) ? v.unreachable.filter((u) => typeof u?.node === 'string') : [],
      ...(typeof v.leader === 'string' ? { leader: v.leader } : {}),
    };
  } catch {
    return undefined;
  }
}

const GONE = new Set(['Down', 'Removed', 'Exiting']);

/**
 * Number of separate clusters among pods that consider themselves members (own status not Joining
 * and not gone): pods are linked when one's view lists the other's node as a live member.
 */
export function countClusters(views: PodView[]): number {
  const formed = views.filter((v) => {
    const self = v.view?.members.find((m) => m.node === v.view?.selfNode);
    return self !== undefined && self.status !== 'Joining' && !GONE.has(self.status);
  });
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    while (parent.get(x) !== x) x = parent.get(x)!;
    return x;
  };
  for (const v of formed) parent.set(v.view!.selfNode, v.view!.selfNode);
  for (const v of formed) {
    for (const m of v.view!.members) {
      if (!GONE.has(m.status) && parent.has(m.node)) parent.set(find(m.node), find(v.view!.selfNode));
    }
  }
  return new Set([...parent.keys()].map(find)).size;
}

/** Violations of "exactly one cluster of exactly the live pods, all Up, all agreeing". */
export function oneClusterViolations(views: PodView[]): string[] {
  const out: string[] = [];
  for (const v of views) if (!v.view) out.push(`${v.pod}: no membership view (${v.error ?? 'unknown'})`);
  const known = views.filter((v) => v.view);
  const selves = new Set(known.map((v) => v.view!.selfNode));
  if (selves.size !== known.length) out.push('two pods report the same selfNode');
  for (const v of known) {
    const nodes = new Set(v.view!.members.map((m) => m.node));
    for (const s of selves) if (!nodes.has(s)) out.push(`${v.pod}: view lacks ${s}`);
    for (const m of v.view!.members) {
      if (!selves.has(m.node)) out.push(`${v.pod}: view has ${m.node} (${m.status}) that is no live pod`);
      else if (m.status !== 'Up') out.push(`${v.pod}: ${m.node} is ${m.status}, not Up`);
    }
    for (const u of v.view!.unreachable) out.push(`${v.pod}: sees ${u.node} unreachable`);
  }
  const clusters = countClusters(known);
  if (clusters !== 1) out.push(`${clusters} clusters, expected exactly 1`);
  return out;
}

/** Violations of "every Ready pod is a member Up" (in its own view). */
export function readyNotUpViolations(views: PodView[]): string[] {
  const out: string[] = [];
  for (const v of views) {
    if (!v.ready) continue;
    const self = v.view?.members.find((m) => m.node === v.view?.selfNode);
    if (self?.status !== 'Up') out.push(`${v.pod} is Ready but its own status is ${self?.status ?? 'not a member'}`);
  }
  return out;
}

/**
 * Violations of "no pod was Ready before it was Up", over every pod the scenario ever had and every
 * time one turned Ready. The status is read right after the Ready probe; a node's status only moves
 * forward (Joining, WeaklyUp, Up), so a status other than Up then means it was not Up when Ready.
 */
export function readyBeforeUpViolations(records: PodRecord[]): string[] {
  return records.flatMap((r) =>
    r.readyTransitions.filter((t) => t.status !== 'Up').map((t) => `${r.name} turned Ready while its own status was ${t.status}`),
  );
}

/** Reads every pod's /cluster/members over its pod IP. */
export async function collectViews(
  pods: Array<{ name: string; ip?: string; ready: boolean }>,
  port: number,
  path = '/cluster/members',
  timeoutMs = 2000,
): Promise<PodView[]> {
  return Promise.all(
    pods.map(async (p): Promise<PodView> => {
      if (!p.ip) return { pod: p.name, ready: p.ready, error: 'no pod IP' };
      const res = await httpGet(p.ip, port, path, timeoutMs);
      if (res.status !== 200) return { pod: p.name, ready: p.ready, error: `HTTP ${res.status || 'failed'}` };
      const view = parseMembersView(res.body);
      return view ? { pod: p.name, ready: p.ready, view } : { pod: p.name, ready: p.ready, error: 'not a members view' };
    }),
  );
}

/**
 * The check made after every scenario step: waits until the Deployment is settled and every pod's
 * view shows exactly one cluster of the live pods, all Up, and every Ready pod Up; then requires that
 * no pod ever turned Ready before it was Up. Throws with the last violations on timeout.
 */
export async function awaitHealthyCluster(d: Deployment, options: { port: number; timeoutMs: number }): Promise<PodView[]> {
  let last: string[] = ['not checked yet'];
  let views: PodView[] = [];
  await waitFor(
    async () => {
      if (!d.isSettled()) {
        last = [`deployment not settled: ${JSON.stringify(d.pods())}`];
        return false;
      }
      views = await collectViews(d.pods(), options.port);
      last = [...oneClusterViolations(views), ...readyNotUpViolations(views)];
      return last.length === 0;
    },
    options.timeoutMs,
    () => last.join('; '),
    250,
  );
  const early = readyBeforeUpViolations(d.records);
  if (early.length > 0) throw new Error(early.join('; '));
  return views;
}
