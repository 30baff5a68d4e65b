// Pure parts of the harness: the rolling-update arithmetic, DNS rendering and the cluster checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deletionCostOf, planReplicaChanges, type PlanPod } from './deployment.js';
import { renderDnsState } from './cluster-dns.js';
import { countClusters, oneClusterViolations, parseMembersView, readyBeforeUpViolations, readyNotUpViolations, type PodView } from './invariants.js';

const pod = (name: string, revision: string, ready: boolean, createdAt = 0, terminating = false): PlanPod => ({ name, revision, ready, terminating, createdAt, firstReadyAt: ready ? createdAt : undefined });
const spec = { replicas: 3, maxSurge: 1, maxUnavailable: 0, revision: 'r2' };

test('plain ReplicaSet: creates the missing pods, removes surplus unready first then newest', () => {
  assert.deepEqual(planReplicaChanges([], { ...spec, revision: 'r1' }), { create: 3, delete: [] });
  const pods = [pod('a', 'r1', true, 1), pod('b', 'r1', false, 2), pod('c', 'r1', true, 3), pod('d', 'r1', true, 4), pod('e', 'r1', true, 5)];
  assert.deepEqual(planReplicaChanges(pods, { ...spec, revision: 'r1' }), { create: 0, delete: ['b', 'e'] });
  assert.deepEqual(planReplicaChanges([pod('a', 'r1', true), pod('x', 'r1', true, 0, true)], { ...spec, revision: 'r1' }), { create: 2, delete: [] }, 'terminating pods do not count');
});

test('rolling update with maxSurge 1 / maxUnavailable 0 steps one pod at a time', () => {
  const old = [pod('a', 'r1', true, 1), pod('b', 'r1', true, 2), pod('c', 'r1', true, 3)];
  assert.deepEqual(planReplicaChanges(old, spec), { create: 1, delete: [] }, 'surge one new pod first');
  const withNew = [...old, pod('n1', 'r2', false, 4)];
  assert.deepEqual(planReplicaChanges(withNew, spec), { create: 0, delete: [] }, 'nothing goes while the new pod is not Ready');
  const newReady = [...old, pod('n1', 'r2', true, 4)];
  assert.deepEqual(planReplicaChanges(newReady, spec), { create: 0, delete: ['c'] }, 'one old pod goes once the new one is Ready');
  const afterDelete = [pod('a', 'r1', true, 1), pod('b', 'r1', true, 2), pod('c', 'r1', true, 3, true), pod('n1', 'r2', true, 4)];
  assert.deepEqual(planReplicaChanges(afterDelete, spec), { create: 1, delete: [] });
});

test('rolling update with maxSurge 0 / maxUnavailable 1 deletes before creating', () => {
  const old = [pod('a', 'r1', true, 1), pod('b', 'r1', true, 2), pod('c', 'r1', true, 3)];
  assert.deepEqual(planReplicaChanges(old, { ...spec, maxSurge: 0, maxUnavailable: 1 }), { create: 0, delete: ['c'] });
});

test('DNS rendering: service A and per-endpoint SRV names, pod names', () => {
  const r = renderDnsState(
    { services: [{ service: { name: 's', namespace: 'n', ports: [{ name: 'management', port: 7626, protocol: 'tcp' }] }, endpoints: ['10.0.0.5'] }], pods: [{ ip: '10.0.0.5', namespace: 'n' }] },
    'cluster.local',
  );
  assert.equal(r.hosts, '10.0.0.5 s.n.svc.cluster.local 10-0-0-5.s.n.svc.cluster.local 10-0-0-5.n.pod.cluster.local\n');
  assert.deepEqual(r.srvLines, ['srv-host=_management._tcp.s.n.svc.cluster.local,10-0-0-5.s.n.svc.cluster.local,7626']);
});

const node = (i: number): string => `pekko://sys@10.0.0.${i}:17355`;
const view = (self: number, members: Array<[number, string]>, unreachable: number[] = []): PodView['view'] => ({
  selfNode: node(self),
  members: members.map(([i, status]) => ({ node: node(i), status })),
  unreachable: unreachable.map((i) => ({ node: node(i) })),
});

test('one cluster: all views agree on the live pods, all Up', () => {
  const all: Array<[number, string]> = [[1, 'Up'], [2, 'Up'], [3, 'Up']];
  const views: PodView[] = [1, 2, 3].map((i) => ({ pod: `p${i}`, ready: true, view: view(i, all) }));
  assert.deepEqual(oneClusterViolations(views), []);
  assert.equal(countClusters(views), 1);
  assert.deepEqual(readyNotUpViolations(views), []);
});

test('split brain, stale members, joining and unreachable members are all reported', () => {
  const split: PodView[] = [
    { pod: 'p1', ready: true, view: view(1, [[1, 'Up'], [2, 'Up']]) },
    { pod: 'p2', ready: true, view: view(2, [[1, 'Up'], [2, 'Up']]) },
    { pod: 'p3', ready: true, view: view(3, [[3, 'Up']]) },
  ];
  assert.equal(countClusters(split), 2);
  assert.ok(oneClusterViolations(split).includes('2 clusters, expected exactly 1'));
  const messy: PodView[] = [
    { pod: 'p1', ready: true, view: view(1, [[1, 'Up'], [2, 'Joining'], [9, 'Up']], [2]) },
    { pod: 'p2', ready: true, view: view(2, [[1, 'Up'], [2, 'Joining']]) },
    { pod: 'p3', ready: false, error: 'HTTP failed' },
  ];
  const v = oneClusterViolations(messy);
  assert.ok(v.includes(`p1: ${node(2)} is Joining, not Up`));
  assert.ok(v.includes(`p1: view has ${node(9)} (Up) that is no live pod`));
  assert.ok(v.includes(`p1: sees ${node(2)} unreachable`));
  assert.ok(v.includes('p3: no membership view (HTTP failed)'));
  assert.deepEqual(readyNotUpViolations(messy), ['p2 is Ready but its own status is Joining'], 'p3 is not Ready, so only p2 counts');
  assert.equal(countClusters([{ pod: 'j', ready: false, view: view(1, [[1, 'Joining']]) }]), 0, 'a joining node is in no cluster yet');
});

test('ready-before-up records and members parsing', () => {
  const base = { uid: 'u', revision: 'r1', createdAt: 0, restarts: 0, exits: [] };
  assert.deepEqual(
    readyBeforeUpViolations([
      { ...base, name: 'a', readyTransitions: [{ at: 5, status: 'Up' }] },
      { ...base, name: 'b', readyTransitions: [{ at: 6, status: 'WeaklyUp' }] },
      { ...base, name: 'c', readyTransitions: [] },
      { ...base, name: 'd', readyTransitions: [{ at: 1, status: 'Up' }, { at: 9, status: 'Joining' }] },
    ]),
    ['b turned Ready while its own status was WeaklyUp', 'd turned Ready while its own status was Joining'],
    'a restarted container that turns Ready again is checked again',
  );
  assert.equal(parseMembersView('{"members":[]}'), undefined);
  assert.equal(parseMembersView('nope'), undefined);
  assert.deepEqual(parseMembersView('{"selfNode":"x","members":[{"node":"x","status":"Up","nodeUid":"1"},{"bad":1}],"leader":"x"}'), {
    selfNode: 'x', members: [{ node: 'x', status: 'Up', nodeUid: '1' }], unreachable: [], leader: 'x',
  });
});

test('scale-down order: lower pod-deletion-cost first; LogarithmicScaleDown buckets ready ages and breaks ties by UID', () => {
  const withCost = (name: string, cost: number, readyAt: number, uid: string): PlanPod => ({ ...pod(name, 'r1', true, readyAt), deletionCost: cost, uid });
  const old = [withCost('oldest', 10000, 1, 'u9'), withCost('mid', 9900, 2, 'u1'), withCost('young', 0, 3, 'u5')];
  const surge = { ...pod('n', 'r2', true, 10), uid: 'u0' };
  assert.deepEqual(planReplicaChanges([...old, surge], spec).delete, ['young'], 'cheapest first');
  const noCost = old.map((p) => ({ ...p, deletionCost: 0 }));
  assert.deepEqual(planReplicaChanges([...noCost, surge], spec).delete, ['young'], 'exact ranking: most recently Ready first');
  // Days later the ready ages share a power-of-two bucket: the UID decides (a coin toss in Kubernetes).
  const days = { ...spec, logarithmic: { now: 86_400_000 * 3 } };
  assert.deepEqual(planReplicaChanges([...noCost, surge], days).delete, ['mid']);
  assert.deepEqual(planReplicaChanges([...old, surge], days).delete, ['young'], 'the cost still decides');
  assert.equal(deletionCostOf({ 'controller.kubernetes.io/pod-deletion-cost': '-5' }), -5);
  assert.equal(deletionCostOf({ 'controller.kubernetes.io/pod-deletion-cost': 'x' }), 0);
  assert.equal(deletionCostOf(undefined), 0);
});
