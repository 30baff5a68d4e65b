// ClusterNode behaviour on the deterministic simulator: join handshake (Appendix B 1-3),
// leave, down, rejoin, events, the plugin seam and hostile input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddress, uniqueAddressKey, type UniqueAddress } from '../../src/address.js';
import type { ClusterEvent } from '../../src/cluster/api.js';
import type { ClusterPlugin, ClusterPluginContext, ClusterShutdownReason } from '../../src/cluster/plugin.js';
import { toWire, type ClusterMessage } from '../../src/cluster/protocol.js';
import { ClusterSim, simAddress, type SimNode } from '../sim/cluster-sim.js';

const A = simAddress(1);
const B = simAddress(2);
const C = simAddress(3);
const seeds = [A, B, C];

function statuses(n: SimNode): string {
  return n.node
    .state()
    .members.map((m) => `${m.uniqueAddress.address.host}:${m.status}:${m.upNumber === 2147483647 ? '-' : m.upNumber}`)
    .join(' ');
}

interface Probe {
  plugin: ClusterPlugin;
  ctx(): ClusterPluginContext;
  initialized: number;
  stopped: number;
  newMembers: string[];
}

/** A plugin that only hands out its context (what FD/SBR/shutdown plugins receive). */
function capture(): Probe {
  let ctx: ClusterPluginContext | undefined;
  const probe: Probe = {
    initialized: 0,
    stopped: 0,
    newMembers: [],
    ctx: () => ctx as ClusterPluginContext,
    plugin: {
      name: 'probe',
      start: (c) => {
        ctx = c;
      },
      onInitialized: () => probe.initialized++,
      onStopped: () => probe.stopped++,
      onNewMember: (a) => probe.newMembers.push(a.host),
    },
  };
  return probe;
}

test('state before joining: not a member, self Removed, no leader', () => {
  const sim = new ClusterSim({ seed: 1 });
  const a = sim.start(A);
  sim.run(5000);
  const s = a.node.state();
  assert.equal(s.self.status, 'Removed');
  assert.deepEqual(s.members, []);
  assert.equal(s.leader, undefined);
  assert.equal(a.node.nodePhase, 'uninitialized');
});

test('Appendix B.1: three seeds start together; only the first self-joins and gets upNumber 1', () => {
  const sim = new ClusterSim({ seed: 7, recordEvents: true });
  const nodes = seeds.map((s) => sim.start(s, seeds));
  assert.ok(sim.runUntil(() => sim.allUp(), 30_000) !== undefined);
  assert.equal(statuses(nodes[0]!), '10.0.0.1:Up:1 10.0.0.2:Up:2 10.0.0.3:Up:3');
  for (const n of nodes) assert.equal(sim.view(n), sim.view(nodes[0]!));
  // B and C never created a cluster of their own: the first member event each saw was about A or a join into A's cluster.
  for (const n of nodes.slice(1)) {
    const firstUp = n.events.find((e) => e.type === 'MemberUp');
    assert.equal(firstUp?.type === 'MemberUp' && firstUp.member.uniqueAddress.address.host, '10.0.0.1');
  }
  for (const n of nodes) assert.equal(n.node.state().leader?.host, '10.0.0.1');
  assert.deepEqual(sim.violations, []);
});

test('Appendix B.2: a non-first seed started alone never forms a cluster and re-sends InitJoin every seed-node-timeout', () => {
  const sim = new ClusterSim({ seed: 3 });
  const b = sim.start(B, seeds);
  sim.run(30_000);
  assert.equal(b.node.nodePhase, 'uninitialized');
  assert.deepEqual(b.node.state().members, []);
  // two other seeds, rounds at 0, 5, ..., 30 s
  assert.equal(sim.network.stats.sent, 14);
});

test('the first seed alone forms the cluster after seed-node-timeout', () => {
  const sim = new ClusterSim({ seed: 4 });
  const a = sim.start(A, seeds);
  sim.run(4900);
  assert.equal(a.node.nodePhase, 'uninitialized');
  sim.run(1200);
  assert.equal(statuses(a), '10.0.0.1:Up:1');
});

test('Appendix B.3: min-nr-of-members = 3 holds the first two Joining, then all go Up in one pass in address order', () => {
  const sim = new ClusterSim({ seed: 11, recordEvents: true, settings: { minNrOfMembers: 3 } });
  const a = sim.start(A, [A]);
  const b = sim.start(B, [A]);
  sim.run(20_000);
  assert.equal(statuses(a), '10.0.0.1:Joining:- 10.0.0.2:Joining:-');
  assert.equal(statuses(b), statuses(a));
  const c = sim.start(C, [A]);
  assert.ok(sim.runUntil(() => sim.allUp([a, b, c]), 30_000) !== undefined);
  assert.equal(statuses(a), '10.0.0.1:Up:1 10.0.0.2:Up:2 10.0.0.3:Up:3');
  const types = a.events.map((e) => e.type);
  const firstUp = types.indexOf('MemberUp');
  assert.deepEqual(types.slice(firstUp, firstUp + 3), ['MemberUp', 'MemberUp', 'MemberUp'], 'one leader pass');
  assert.ok(!types.includes('MemberWeaklyUp'));
});

test('a lost Welcome is recovered by retry-unsuccessful-join-after (same uid gets Welcome again)', () => {
  const sim = new ClusterSim({ seed: 5 });
  const a = sim.start(A, [A]);
  sim.run(2000);
  sim.network.block(A, B);
  const b = sim.start(B);
  b.node.join(A);
  sim.run(3000);
  assert.equal(b.node.nodePhase, 'tryingToJoin');
  assert.equal(a.node.state().members.length, 2, 'A admitted B, but its Welcome was lost');
  sim.network.heal();
  assert.ok(sim.runUntil(() => sim.allUp([a, b]), 30_000) !== undefined);
});

test('graceful leave: Leaving -> Exiting -> Removed everywhere, the leaver stops with reason exited', async () => {
  const sim = new ClusterSim({ seed: 8, recordEvents: true });
  const nodes = seeds.map((s) => sim.start(s, seeds));
  sim.runUntil(() => sim.allUp(), 30_000);
  const leaver = nodes[2]!;
  leaver.node.leave(C);
  const took = sim.runUntil(() => nodes.slice(0, 2).every((n) => n.node.state().members.length === 2), 30_000);
  assert.ok(took !== undefined && took < 10_000, `leave took ${took}`);
  assert.equal(await leaver.node.whenTerminated, 'exited');
  const seenByA = nodes[0]!.events.filter((e) => 'member' in e && e.member.uniqueAddress.address.host === '10.0.0.3').map((e) => e.type);
  assert.deepEqual(seenByA.slice(-3), ['MemberLeft', 'MemberExited', 'MemberRemoved']);
  assert.equal(leaver.node.state().self.status, 'Removed');
  assert.deepEqual(sim.violations, []);
});

test('the leader leaving hands leadership on', () => {
  const sim = new ClusterSim({ seed: 9 });
  const nodes = seeds.map((s) => sim.start(s, seeds));
  sim.runUntil(() => sim.allUp(), 30_000);
  nodes[0]!.node.leave(A);
  assert.ok(sim.runUntil(() => nodes.slice(1).every((n) => n.node.state().members.length === 2), 30_000) !== undefined);
  assert.equal(nodes[1]!.node.state().leader?.host, '10.0.0.2');
  assert.equal(nodes[0]!.node.nodePhase, 'stopped');
});

test('with a coordinated-shutdown plugin the node waits for exitingCompleted()', () => {
  const reasons: ClusterShutdownReason[] = [];
  const holder: { ctx?: ClusterPluginContext } = {};
  const sim = new ClusterSim({
    seed: 10,
    plugins: (addr) => [
      {
        name: 'cs',
        start: (ctx) => {
          if (addr.host === '10.0.0.3') {
            holder.ctx = ctx;
            ctx.onShutdownRequested((r) => reasons.push(r));
          }
        },
      },
    ],
  });
  const nodes = seeds.map((s) => sim.start(s, seeds));
  sim.runUntil(() => sim.allUp(), 30_000);
  nodes[2]!.node.leave(C);
  sim.runUntil(() => nodes[2]!.node.state().self.status === 'Exiting', 10_000);
  sim.run(5000);
  assert.deepEqual(reasons, ['cluster-leaving']);
  assert.equal(nodes[2]!.node.nodePhase, 'initialized', 'still running its exiting phase');
  holder.ctx!.exitingCompleted();
  assert.equal(nodes[2]!.node.nodePhase, 'stopped');
  assert.ok(sim.runUntil(() => nodes[0]!.node.state().members.length === 2, 10_000) !== undefined);
});

test('down: the downed node stops itself; the leader removes it once it is also unreachable', async () => {
  const probe = capture();
  const sim = new ClusterSim({ seed: 12, plugins: (addr) => (addr.host === '10.0.0.1' ? [probe.plugin] : []) });
  const nodes = seeds.map((s) => sim.start(s, seeds));
  sim.runUntil(() => sim.allUp(), 30_000);
  nodes[0]!.node.down(C);
  sim.run(10_000);
  assert.equal(await nodes[2]!.node.whenTerminated, 'downed');
  assert.match(statuses(nodes[0]!), /10\.0\.0\.3:Down/, 'a reachable Down member is kept');
  probe.ctx().markUnreachable([nodes[2]!.uniqueAddress]);
  assert.ok(sim.runUntil(() => nodes[0]!.node.state().members.length === 2 && nodes[1]!.node.state().members.length === 2, 10_000) !== undefined);
});

test('rejoin with a new uid: old incarnation Terminated + Down, new one admitted after removal', () => {
  const sim = new ClusterSim({ seed: 13, recordEvents: true });
  const nodes = seeds.map((s) => sim.start(s, seeds));
  sim.runUntil(() => sim.allUp(), 30_000);
  const old = nodes[2]!;
  const fresh = sim.start(C, seeds);
  assert.notEqual(fresh.uniqueAddress.uid, old.uniqueAddress.uid);
  sim.run(3000);
  const seenOld = nodes[0]!.node.state().members.find((m) => m.uniqueAddress.uid === old.uniqueAddress.uid);
  assert.ok(seenOld === undefined || seenOld.status === 'Down');
  assert.equal(fresh.node.nodePhase, 'tryingToJoin', 'no Welcome while the old incarnation is a member');
  assert.ok(sim.runUntil(() => sim.allUp([nodes[0]!, nodes[1]!, fresh]), 60_000) !== undefined);
  const removed = nodes[0]!.events.find((e) => e.type === 'MemberRemoved' && e.member.uniqueAddress.uid === old.uniqueAddress.uid);
  assert.ok(removed?.type === 'MemberRemoved' && removed.previousStatus === 'Down');
  assert.deepEqual(sim.violations, []);
});

test('subscribe: initialStateAsEvents replays the state; plain subscribe only sees changes', () => {
  const sim = new ClusterSim({ seed: 14 });
  const nodes = [A, B].map((s) => sim.start(s, [A, B]));
  sim.runUntil(() => sim.allUp(), 30_000);
  const replay: ClusterEvent[] = [];
  const live: ClusterEvent[] = [];
  nodes[0]!.node.subscribe((e) => replay.push(e), { initialStateAsEvents: true });
  nodes[0]!.node.subscribe((e) => live.push(e));
  assert.deepEqual(
    replay.map((e) => e.type),
    ['MemberUp', 'MemberUp', 'LeaderChanged', 'RoleLeaderChanged', 'SeenChanged'],
  );
  assert.equal(live.length, 0);
  nodes[0]!.node.shutdown();
  assert.deepEqual(
    live.map((e) => e.type),
    ['ClusterShuttingDown', 'MemberRemoved', 'MemberRemoved', 'LeaderChanged', 'RoleLeaderChanged', 'SeenChanged'],
  );
});

test('prepareForFullClusterShutdown: Up -> PreparingForShutdown -> ReadyForShutdown on all nodes', () => {
  const sim = new ClusterSim({ seed: 15 });
  const nodes = seeds.map((s) => sim.start(s, seeds));
  sim.runUntil(() => sim.allUp(), 30_000);
  nodes[1]!.node.prepareForFullClusterShutdown();
  assert.ok(
    sim.runUntil(() => nodes.every((n) => n.node.state().members.every((m) => m.status === 'ReadyForShutdown')), 20_000) !== undefined,
  );
  assert.ok(nodes.every((n) => n.node.state().shuttingDown));
});

test('incompatible join configuration is enforced: shutdown requested, never joins', () => {
  const reasons: ClusterShutdownReason[] = [];
  const sim = new ClusterSim({
    seed: 16,
    plugins: () => [{ name: 'cs', start: (ctx) => ctx.onShutdownRequested((r) => reasons.push(r)) }],
  });
  sim.start(A, [A]);
  sim.run(2000);
  const b = sim.start(B, [A, B], { downingProviderClass: 'org.apache.pekko.cluster.sbr.SplitBrainResolverProvider' });
  sim.run(10_000);
  assert.deepEqual(reasons, ['incompatible-configuration']);
  assert.equal(b.node.state().self.status, 'Removed');
});

test('plugin seam: context, hooks and Heartbeat routing', () => {
  const probe = capture();
  const beats: ClusterMessage[] = [];
  const sim = new ClusterSim({
    seed: 17,
    plugins: (addr) =>
      addr.host === '10.0.0.1'
        ? [probe.plugin, { name: 'hb', start: (ctx) => ctx.onMessage('Heartbeat', (m) => beats.push(m)) }]
        : [],
  });
  const nodes = [A, B].map((s) => sim.start(s, [A, B]));
  sim.runUntil(() => sim.allUp(), 30_000);
  const ctx = probe.ctx();
  assert.equal(probe.initialized, 1);
  assert.deepEqual(probe.newMembers, ['10.0.0.1', '10.0.0.2']);
  assert.ok(ctx.isInitialized() && ctx.isLeader() && ctx.hasConvergence());
  ctx.send(A, { type: 'Heartbeat', from: nodes[1]!.uniqueAddress, sequenceNr: 1, creationTime: 5 });
  nodes[1]!.node.receive({ type: 'Heartbeat', from: nodes[1]!.uniqueAddress, sequenceNr: 2, creationTime: 6 });
  sim.run(10);
  assert.deepEqual(beats.map((m) => m.type === 'Heartbeat' && m.sequenceNr), [1]);
  assert.equal(nodes[1]!.node.counters.dropped.unhandled, 1, 'no heartbeat plugin on B');
  ctx.markUnreachable([nodes[1]!.uniqueAddress]);
  assert.equal(ctx.state().unreachable[0]?.subject.address.host, '10.0.0.2');
  ctx.markReachable([nodes[1]!.uniqueAddress]);
  assert.deepEqual(ctx.state().unreachable, []);
  nodes[0]!.node.shutdown();
  assert.equal(probe.stopped, 1);
});

test('Appendix B.9 and hostile input: dropped, counted, state intact', () => {
  const probe = capture();
  const sim = new ClusterSim({ seed: 18, plugins: (addr) => (addr.host === '10.0.0.1' ? [probe.plugin] : []) });
  const [a, b] = [A, B].map((s) => sim.start(s, [A, B])) as [SimNode, SimNode];
  sim.runUntil(() => sim.allUp(), 30_000);
  const before = sim.view(a);
  const dropped = a.node.counters.dropped;
  const gossip = b.node.currentGossip();
  const oldUid: UniqueAddress = { address: A, uid: a.uniqueAddress.uid + 1n };

  a.node.receive({ type: 'GossipEnvelope', from: b.uniqueAddress, to: oldUid, gossip });
  assert.equal(dropped.wrongUid, 1, 'gossip to an old incarnation');

  a.node.receive({ type: 'Join', node: { address: parseAddress('pekko://other@10.0.0.9:17355'), uid: 5n }, roles: [], appVersion: '1' });
  a.node.receive({ type: 'Down', address: parseAddress('pekko://other@10.0.0.2:17355') });
  a.node.receive({ type: 'InitJoin', from: parseAddress('akka://sim@10.0.0.9:1'), config: {} });
  assert.equal(dropped.wrongSystem, 3);

  a.node.receive({ type: 'Bogus' } as unknown as ClusterMessage);
  a.node.receive(null as unknown as ClusterMessage);
  a.node.receive({ type: 'Join', node: { address: parseAddress('pekko://sim@10.0.0.9:17355'), uid: 5n }, roles: [], appVersion: '1.2.3.4.5' });
  assert.equal(dropped.malformed, 3);

  const stranger = { address: parseAddress('pekko://sim@10.0.0.99:17355'), uid: 9n };
  a.node.receive({ type: 'GossipEnvelope', from: stranger, to: a.uniqueAddress, gossip });
  assert.equal(dropped.unknownSender, 1);
  const withoutA = { ...gossip, members: gossip.members.filter((m) => m.uniqueAddress.address.host !== '10.0.0.1') };
  a.node.receive({ type: 'GossipEnvelope', from: b.uniqueAddress, to: a.uniqueAddress, gossip: withoutA });
  assert.equal(dropped.selfNotInGossip, 1);
  a.node.receive({ type: 'Welcome', from: b.uniqueAddress, gossip });
  assert.equal(dropped.unexpectedSender, 1);

  for (const raw of ['{', '[]', JSON.stringify({ v: 1, type: 'Join', node: { address: 'x', uid: '1' } }), JSON.stringify({ ...toWire({ type: 'Leave', address: B }), v: 99 })]) {
    sim.network.injectRaw(A, raw);
  }
  assert.equal(sim.network.stats.decodeErrors, 4);
  assert.equal(sim.view(a), before);

  probe.ctx().markUnreachable([b.uniqueAddress]);
  a.node.receive({ type: 'GossipEnvelope', from: b.uniqueAddress, to: a.uniqueAddress, gossip: b.node.currentGossip() });
  assert.equal(dropped.unreachableSender, 1, 'gossip from a node self marks unreachable');
  probe.ctx().markReachable([b.uniqueAddress]);
  sim.run(5000);
  assert.equal(sim.view(a), sim.view(b));
  assert.equal(dropped.handlerError, 0);
  assert.equal(uniqueAddressKey(a.node.state().self.uniqueAddress), uniqueAddressKey(a.uniqueAddress));
});

test('a restarted first seed joins the existing cluster (InitJoinAck wins over self-join)', () => {
  const sim = new ClusterSim({ seed: 19 });
  const nodes = seeds.map((s) => sim.start(s, seeds));
  sim.runUntil(() => sim.allUp(), 30_000);
  const fresh = sim.start(A, seeds);
  assert.ok(sim.runUntil(() => sim.allUp([fresh, nodes[1]!, nodes[2]!]), 60_000) !== undefined);
  assert.equal(fresh.node.state().members.length, 3, 'one cluster, not an island of its own');
  assert.equal(fresh.node.state().self.upNumber, 4, '1 + the highest upNumber among current members');
});

test('shutdown-after-unsuccessful-join-seed-nodes requests shutdown when no seed answers', () => {
  const reasons: ClusterShutdownReason[] = [];
  const sim = new ClusterSim({
    seed: 20,
    settings: { shutdownAfterUnsuccessfulJoinSeedNodesMs: 12_000 },
    plugins: () => [{ name: 'cs', start: (ctx) => ctx.onShutdownRequested((r) => reasons.push(r)) }],
  });
  sim.start(B, seeds);
  sim.run(11_000);
  assert.deepEqual(reasons, []);
  sim.run(2000);
  assert.deepEqual(reasons, ['cluster-join-unsuccessful']);
});

test('WeaklyUp: with an unreachable member a joiner becomes WeaklyUp after 7 s, Up once the member is removed', () => {
  const probe = capture();
  const sim = new ClusterSim({ seed: 21, recordEvents: true, plugins: (addr) => (addr.host === '10.0.0.1' ? [probe.plugin] : []) });
  const nodes = seeds.map((s) => sim.start(s, seeds));
  sim.runUntil(() => sim.allUp(), 30_000);
  sim.kill(nodes[2]!);
  probe.ctx().markUnreachable([nodes[2]!.uniqueAddress]);
  const d = sim.start(simAddress(4), [A]);
  sim.run(5000);
  assert.equal(nodes[0]!.node.state().members.find((m) => m.uniqueAddress.address.host === '10.0.0.4')?.status, 'Joining');
  assert.ok(sim.runUntil(() => d.node.state().self.status === 'WeaklyUp', 10_000) !== undefined);
  assert.equal(nodes[0]!.node.state().unreachable[0]?.subject.address.host, '10.0.0.3');
  nodes[0]!.node.down(C);
  assert.ok(sim.runUntil(() => sim.allUp([nodes[0]!, nodes[1]!, d]), 20_000) !== undefined);
  const dEvents = nodes[0]!.events.filter((e) => 'member' in e && e.member.uniqueAddress.address.host === '10.0.0.4').map((e) => e.type);
  assert.deepEqual(dEvents, ['MemberJoined', 'MemberWeaklyUp', 'MemberUp']);
  assert.ok(nodes[0]!.events.some((e) => e.type === 'UnreachableMember' && e.member.uniqueAddress.address.host === '10.0.0.3'));
});

test('the leader moves a joiner Up as soon as gossip converges, not on its next leader-actions tick', () => {
  // A leader-actions interval of one hour: only the convergence trigger can move anyone Up in time.
  const sim = new ClusterSim({ seed: 21, settings: { leaderActionsIntervalMs: 3_600_000, allowWeaklyUpMembersMs: 0 } });
  const a = sim.start(A, [A]);
  sim.run(6000);
  assert.equal(statuses(a), '10.0.0.1:Up:1', 'a first node moves itself Up on its self-join');
  const b = sim.start(B, [A]);
  const c = sim.start(C, [A]);
  assert.ok(sim.runUntil(() => sim.allUp([a, b, c]), 30_000) !== undefined, 'all Up long before the first tick');
  assert.equal(statuses(b), statuses(a));
  assert.deepEqual(sim.violations, []);
});
