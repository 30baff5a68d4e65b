// Membership benchmark on the deterministic simulator (virtual time, in-memory network):
// N nodes start together with the first one as the only seed; we measure the virtual time and
// gossip rounds until every node sees all N members Up, the wall time the simulation took, the
// messages exchanged, and the size of a full gossip message (wire JSON) at N = 100 and 1,000.
// Run: node --import tsx bench/membership.ts [N ...]
import { encodeMessage } from '../src/cluster/protocol.js';
import { ClusterSim, simAddress } from '../test/sim/cluster-sim.js';
import type { Address } from '../src/address.js';
import { parseAddress } from '../src/address.js';

const LIMIT_MS = 900_000;

function address(i: number): Address {
  // 10.0.x.y so that 1,000 nodes get distinct hosts
  return i < 255 ? simAddress(i) : parseAddress(`pekko://sim@10.0.${Math.floor(i / 250)}.${(i % 250) + 1}:17355`);
}

function allUp(sim: ClusterSim, n: number): boolean {
  for (const node of sim.nodes.values()) {
    const members = node.node.state().members;
    if (members.length !== n) return false;
    for (const m of members) if (m.status !== 'Up') return false;
  }
  return true;
}

function run(n: number): void {
  const sim = new ClusterSim({ seed: n, codec: 'none' });
  const seed = address(1);
  const wallStart = performance.now();
  for (let i = 1; i <= n; i++) sim.start(address(i), [seed]);
  const virtualMs = sim.runUntil(() => allUp(sim, n), LIMIT_MS, 500);
  const wallMs = performance.now() - wallStart;
  const first = [...sim.nodes.values()][0]!;
  const gossip = first.node.currentGossip();
  const envelope = encodeMessage({ type: 'GossipEnvelope', from: first.uniqueAddress, to: first.uniqueAddress, gossip });
  const gossipSent = sim.history.reduce((s, x) => s + x.node.counters.gossipSent, 0);
  const statusSent = sim.history.reduce((s, x) => s + x.node.counters.gossipStatusSent, 0);
  const row = {
    n,
    converged: virtualMs !== undefined,
    virtualSecondsToAllUp: virtualMs === undefined ? null : virtualMs / 1000,
    gossipRounds: virtualMs === undefined ? null : Math.ceil(virtualMs / 1000),
    wallSeconds: +(wallMs / 1000).toFixed(2),
    messages: sim.network.stats.sent,
    fullGossipSent: gossipSent,
    gossipStatusSent: statusSent,
    fullGossipBytes: Buffer.byteLength(envelope),
    violations: sim.violations.length,
  };
  console.log(JSON.stringify(row));
}

const sizes = process.argv.slice(2).map(Number).filter((x) => x > 1);
for (const n of sizes.length ? sizes : [10, 100, 1000]) run(n);
