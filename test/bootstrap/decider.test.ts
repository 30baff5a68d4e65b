import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatHost, parseAddress, type ResolvedTarget } from '../../src/address.js';
import { decide, type DeciderSettings, type SeedNodesInformation, type SeedNodesObservation } from '../../src/bootstrap/decider.js';

const settings: DeciderSettings = {
  newClusterEnabled: true,
  requiredContactPointNr: 2,
  stableMarginMs: 5000,
  contactWithAllContactPoints: true,
};
const t = (host: string, address?: string, port = 7626): ResolvedTarget => ({ host, port, ...(address && { address }) });
const obs = (target: ResolvedTarget, seeds: string[] = [], observedAt = 9000): SeedNodesObservation => ({
  observedAt,
  contactPoint: target,
  sourceAddress: parseAddress(`pekko://sys@${formatHost(target.host)}:17355`),
  seedNodes: seeds.map(parseAddress),
});
function info(contactPoints: ResolvedTarget[], observations: SeedNodesObservation[], changedAt = 0, now = 10_000): SeedNodesInformation {
  return { currentTime: now, contactPointsChangedAt: changedAt, contactPoints, seedNodesObservations: observations };
}

const a = t('10.0.0.5', '10.0.0.5');
const b = t('10.0.0.200', '10.0.0.200');
const c = t('10.0.0.7', '10.0.0.7');
const all = [a, b, c];
const allAnswered = all.map((x) => obs(x));

test('rule 1: reported seed nodes win over every other gate, capped at 5 and excluding nothing else', () => {
  const seeds = ['pekko://sys@10.0.0.9:17355', 'pekko://sys@10.0.0.8:17355'];
  // Unstable, too few answers, new clusters disabled: still joins the existing cluster.
  const r = decide(info(all, [obs(a, seeds)], 9_999), { host: '10.0.0.200', port: 7626 }, {
    ...settings,
    newClusterEnabled: false,
  });
  assert.equal(r.decision.type, 'JoinOtherSeedNodes');
  assert.deepEqual(
    r.decision.type === 'JoinOtherSeedNodes' && r.decision.seedNodes.map((s) => s.host),
    ['10.0.0.8', '10.0.0.9'],
  );
  const many = Array.from({ length: 8 }, (_, i) => `pekko://sys@10.0.1.${i}:17355`);
  const r2 = decide(info(all, [obs(a, many.slice(0, 4)), obs(b, many.slice(3))]), { host: 'x', port: 1 }, settings);
  assert.equal(r2.decision.type === 'JoinOtherSeedNodes' && r2.decision.seedNodes.length, 5);
});

test('rule 2: counts contact points that answered, not those discovered', () => {
  const r = decide(info(all, [obs(b)]), { host: '10.0.0.200', port: 7626 }, settings);
  assert.equal(r.decision.type, 'KeepProbing');
  assert.match(r.decision.type === 'KeepProbing' ? r.decision.reason : '', /only 1 of 3 .* required-contact-point-nr is 2/);
  assert.equal(r.logs[0]?.marker, 'pekkoBootstrapInProgress');
  assert.equal(r.logs[0]?.fields?.['pekkoContactPoints'], '10.0.0.5:7626, 10.0.0.200:7626, 10.0.0.7:7626');
});

test('rule 3: stability is measured from the last change of the discovered set', () => {
  const self = { host: '10.0.0.200', port: 7626 };
  assert.equal(decide(info(all, allAnswered, 5001), self, settings).decision.type, 'KeepProbing');
  assert.equal(decide(info(all, allAnswered, 5000), self, settings).decision.type, 'JoinSelf');
});

test('rule 4: contact-with-all-contact-points requires an answer from every discovered point', () => {
  const self = { host: '10.0.0.200', port: 7626 };
  const two = [obs(a), obs(b)];
  const r = decide(info(all, two), self, settings);
  assert.equal(r.decision.type, 'KeepProbing');
  assert.match(r.decision.type === 'KeepProbing' ? r.decision.reason : '', /10\.0\.0\.7:7626/);
  // Off: the two answers suffice, and the lowest of those that answered decides.
  assert.equal(decide(info(all, two), self, { ...settings, contactWithAllContactPoints: false }).decision.type, 'JoinSelf');
});

test('rules 5-6: the lowest by signed address bytes self-joins; 10.0.0.200 sorts below 10.0.0.5', () => {
  assert.equal(decide(info(all, allAnswered), { host: '10.0.0.200', port: 7626 }, settings).decision.type, 'JoinSelf');
  const r = decide(info(all, allAnswered), { host: '10.0.0.5', port: 7626 }, settings);
  assert.equal(r.decision.type, 'KeepProbing');
  assert.match(r.decision.type === 'KeepProbing' ? r.decision.reason : '', /expecting \[10\.0\.0\.200:7626\]/);
  // 192.168.0.1 (0xC0 = -64) is below 10.0.0.1.
  const x = t('192.168.0.1', '192.168.0.1');
  const y = t('10.0.0.1', '10.0.0.1');
  assert.equal(decide(info([y, x], [obs(x), obs(y)]), { host: '192.168.0.1', port: 7626 }, settings).decision.type, 'JoinSelf');
});

test('rule 5: targets without an address (config discovery) order by host string, then port', () => {
  const p1 = t('127.0.0.10', undefined, 8558);
  const p2 = t('127.0.0.9', undefined, 8558);
  const r = decide(info([p2, p1], [obs(p1), obs(p2)]), { host: '127.0.0.10', port: 8558 }, settings);
  assert.equal(r.decision.type, 'JoinSelf');
  const same1 = t('127.0.0.1', undefined, 7627);
  const same2 = t('127.0.0.1', undefined, 7626);
  assert.equal(
    decide(info([same1, same2], [obs(same1), obs(same2)]), { host: '127.0.0.1', port: 7626 }, settings).decision.type,
    'JoinSelf',
  );
});

test('rule 6: self matched by address text when discovery returns a host name; port checked only when present', () => {
  const pod = t('10-0-0-1.default.pod.cluster.local', '10.0.0.1');
  const other = t('10-0-0-2.default.pod.cluster.local', '10.0.0.2');
  assert.equal(decide(info([pod, other], [obs(pod), obs(other)]), { host: '10.0.0.1', port: 7626 }, settings).decision.type, 'JoinSelf');
  const noPort: ResolvedTarget = { host: 'node-a', address: '10.0.0.1' };
  const noPort2: ResolvedTarget = { host: 'node-b', address: '10.0.0.2' };
  assert.equal(
    decide(info([noPort, noPort2], [obs(noPort), obs(noPort2)]), { host: 'node-a', port: 9999 }, settings).decision.type,
    'JoinSelf',
  );
  const v6 = t('::1', '::1');
  const v6b = t('::2', '::2');
  assert.equal(decide(info([v6b, v6], [obs(v6), obs(v6b)]), { host: '[::1]', port: 7626 }, settings).decision.type, 'JoinSelf');
});

test('rule 6 (beyond Pekko): self not among the targets keeps probing and names the likely fixes', () => {
  const r = decide(info(all, allAnswered), { host: 'my-pod-name', port: 7626 }, settings);
  assert.equal(r.decision.type, 'KeepProbing');
  const reason = r.decision.type === 'KeepProbing' ? r.decision.reason : '';
  assert.match(reason, /not among the discovered contact points/);
  assert.match(reason, /hostname/);
  assert.match(reason, /publishNotReadyAddresses/);
  assert.match(reason, /label selector/);
  assert.equal(r.logs[0]?.level, 'warn');
});

test('rule 7: new-cluster-enabled off never self-joins, and warns', () => {
  const r = decide(info(all, allAnswered), { host: '10.0.0.200', port: 7626 }, { ...settings, newClusterEnabled: false });
  assert.equal(r.decision.type, 'KeepProbing');
  assert.equal(r.logs[0]?.level, 'warn');
});

test('beyond Pekko: an empty lookup never self-joins, even with required-contact-point-nr = 0', () => {
  const r = decide(info([], []), { host: '10.0.0.1', port: 7626 }, { ...settings, requiredContactPointNr: 0 });
  assert.equal(r.decision.type, 'KeepProbing');
  assert.match(r.decision.type === 'KeepProbing' ? r.decision.reason : '', /no contact points/);
});

test('required 0 with nobody answered and contact-with-all off keeps probing', () => {
  const r = decide(info(all, []), { host: '10.0.0.200', port: 7626 }, {
    ...settings,
    requiredContactPointNr: 0,
    contactWithAllContactPoints: false,
  });
  assert.equal(r.decision.type, 'KeepProbing');
});

// ------------------------------------------------------------------ replicas fast path
const vouch = (target: ResolvedTarget, contactPoints: string[], seeds: string[] = []): SeedNodesObservation => ({
  ...obs(target, seeds),
  peerContactPoints: contactPoints,
});
const allText = ['10.0.0.5:7626', '10.0.0.200:7626', '10.0.0.7:7626'];
const lowestSelf = { host: '10.0.0.200', port: 7626 };

test('fast path: every expected contact point answered with the same set and no seeds: the lowest joins before stable-margin', () => {
  const fresh = info(all, all.map((x) => vouch(x, [...allText].reverse())), 9_999);
  const r = decide({ ...fresh, expectedReplicas: 3 }, lowestSelf, settings);
  assert.equal(r.decision.type, 'JoinSelf');
  assert.equal(r.logs[0]?.marker, 'musterBootstrapFastPath');
  // The others still wait for the lowest.
  assert.equal(decide({ ...fresh, expectedReplicas: 3 }, { host: '10.0.0.5', port: 7626 }, settings).decision.type, 'KeepProbing');
  // Without a count the margin applies as before.
  assert.equal(decide(fresh, lowestSelf, settings).decision.type, 'KeepProbing');
});

test('fast path: any missing condition keeps the stable-margin wait and says which', () => {
  const cases: Array<[string, SeedNodesInformation, RegExp]> = [
    ['count differs (surge pod, stale count)', { ...info(all, all.map((x) => vouch(x, allText)), 9_999), expectedReplicas: 2 }, /3 contact points discovered, expected replicas 2/],
    ['one has not answered', { ...info(all, [a, b].map((x) => vouch(x, allText)), 9_999), expectedReplicas: 3 }, /no recent answer from \[10\.0\.0\.7:7626\]/],
    ['a peer lists another set', { ...info(all, [vouch(a, allText), vouch(b, allText), vouch(c, allText.slice(0, 2))], 9_999), expectedReplicas: 3 }, /\[10\.0\.0\.7:7626\] reports contact points \[10\.0\.0\.5:7626, 10\.0\.0\.200:7626\]/],
    ['a peer lists a superset', { ...info(all, [vouch(a, allText), vouch(b, allText), vouch(c, [...allText, '10.0.0.9:7626'])], 9_999), expectedReplicas: 3 }, /reports contact points/],
    ['a peer does not vouch (it joined, or runs without the fast path)', { ...info(all, [vouch(a, allText), vouch(b, allText), obs(c)], 9_999), expectedReplicas: 3 }, /\[10\.0\.0\.7:7626\] did not report its contact points/],
  ];
  for (const [name, i, reason] of cases) {
    const r = decide(i, lowestSelf, settings);
    assert.equal(r.decision.type, 'KeepProbing', name);
    assert.match(r.decision.type === 'KeepProbing' ? r.decision.reason : '', reason, name);
    assert.match(r.decision.type === 'KeepProbing' ? r.decision.reason : '', /stable-margin is 5000 ms; replicas fast path not taken/, name);
  }
});

test('fast path: seed nodes still win, and the other gates (required number, new-cluster-enabled, self listed) still apply', () => {
  const seeds = ['pekko://sys@10.0.0.9:17355'];
  const withSeeds = { ...info(all, [vouch(a, allText, seeds), vouch(b, allText), vouch(c, allText)], 9_999), expectedReplicas: 3 };
  assert.equal(decide(withSeeds, lowestSelf, settings).decision.type, 'JoinOtherSeedNodes');
  const one = [b];
  const single = { ...info(one, [vouch(b, ['10.0.0.200:7626'])], 9_999), expectedReplicas: 1 };
  assert.equal(decide(single, lowestSelf, settings).decision.type, 'KeepProbing', 'required-contact-point-nr 2');
  assert.equal(decide(single, lowestSelf, { ...settings, requiredContactPointNr: 1 }).decision.type, 'JoinSelf');
  const fresh = { ...info(all, all.map((x) => vouch(x, allText)), 9_999), expectedReplicas: 3 };
  assert.equal(decide(fresh, lowestSelf, { ...settings, newClusterEnabled: false }).decision.type, 'KeepProbing');
});
