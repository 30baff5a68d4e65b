// One randomized membership trial, used by the property tests over many seeds: a random
// cluster size, start order and network faults; the cluster must form, one member leaves
// gracefully, and one restarts with a new uid and rejoins. Returns the problems found.
import { uniqueAddressKey } from '../../src/address.js';
import type { NetworkFaults } from './network.js';
import { ClusterSim, simAddress, type SimNode } from './cluster-sim.js';
import { oracleFailureDetector } from './oracle-fd.js';
import { randomInt, seededRandom } from './prng.js';

export interface TrialResult {
  seed: number;
  problems: string[];
  virtualMs: number;
}

const FORM_LIMIT_MS = 120_000;

export function membershipTrial(seed: number): TrialResult {
  const rnd = seededRandom(seed ^ 0x5eed);
  const n = randomInt(rnd, 3, 5);
  const faults: NetworkFaults = {
    dropRate: rnd() * 0.1,
    duplicateRate: rnd() * 0.1,
    minDelayMs: 1,
    maxDelayMs: 1 + Math.floor(rnd() * 400),
  };
  // One sim per trial; the oracle detector needs the sim, so it is bound after construction.
  const holder: { sim?: ClusterSim } = {};
  const sim = new ClusterSim({
    seed,
    faults,
    codec: seed % 4 === 0 ? 'json' : 'none',
    plugins: () => [oracleFailureDetector({ stoppedAt: (k) => holder.sim?.stoppedAt(k) })],
  });
  holder.sim = sim;
  const problems: string[] = [];
  const addresses = Array.from({ length: n }, (_, i) => simAddress(i + 1));
  const order = [...addresses].sort(() => rnd() - 0.5);
  for (const a of order) {
    sim.start(a, addresses);
    sim.run(randomInt(rnd, 0, 1500));
  }

  const agreeAllUp = (nodes: SimNode[]): boolean =>
    sim.allUp(nodes) && nodes.every((x) => sim.view(x) === sim.view(nodes[0] as SimNode));
  const checkLeader = (nodes: SimNode[], label: string): void => {
    const leaders = new Set(nodes.map((x) => x.node.state().leader?.host));
    const lowest = nodes.map((x) => x.address.host).sort()[0];
    if (leaders.size !== 1 || !leaders.has(lowest)) problems.push(`${label}: leaders ${[...leaders].join(',')} (expected ${lowest})`);
  };

  // 1. formation
  let nodes = sim.alive();
  if (sim.runUntil(() => agreeAllUp(nodes), FORM_LIMIT_MS, 250) === undefined) {
    problems.push(`formation: no agreement within ${FORM_LIMIT_MS} ms: ${nodes.map((x) => sim.view(x)).join(' | ')}`);
    return { seed, problems, virtualMs: sim.clock.now() };
  }
  checkLeader(nodes, 'formation');
  const upNumbers = nodes[0]!.node.state().members.map((m) => m.upNumber).sort((x, y) => x - y);
  if (upNumbers.join() !== Array.from({ length: n }, (_, i) => i + 1).join()) problems.push(`upNumbers ${upNumbers.join()}`);

  // 2. a graceful leave completes
  const leaver = nodes[randomInt(rnd, 0, nodes.length - 1)] as SimNode;
  leaver.node.leave(leaver.address);
  const rest = nodes.filter((x) => x !== leaver);
  if (sim.runUntil(() => !leaver.alive && agreeAllUp(rest) && rest.every((x) => x.node.state().members.length === n - 1), FORM_LIMIT_MS, 250) === undefined) {
    problems.push(`leave of ${leaver.address.host}: ${rest.map((x) => sim.view(x)).join(' | ')} leaver=${leaver.node.nodePhase}`);
    return { seed, problems, virtualMs: sim.clock.now() };
  }
  checkLeader(rest, 'after leave');

  // 3. a restart with a new uid replaces the old incarnation
  const restarted = rest[randomInt(rnd, 0, rest.length - 1)] as SimNode;
  const fresh = sim.start(restarted.address, addresses);
  nodes = [...rest.filter((x) => x !== restarted), fresh];
  const oldKey = uniqueAddressKey(restarted.uniqueAddress);
  const done = () => agreeAllUp(nodes) && nodes.every((x) => x.node.state().members.every((m) => uniqueAddressKey(m.uniqueAddress) !== oldKey));
  if (sim.runUntil(done, FORM_LIMIT_MS, 250) === undefined) {
    problems.push(`rejoin of ${restarted.address.host}: ${nodes.map((x) => sim.view(x)).join(' | ')} fresh=${fresh.node.nodePhase}`);
  } else {
    checkLeader(nodes, 'after rejoin');
  }
  problems.push(...sim.violations);
  for (const x of sim.history) {
    if (x.node.counters.dropped.handlerError > 0) problems.push(`${x.address.host} handler errors`);
  }
  return { seed, problems, virtualMs: sim.clock.now() };
}
