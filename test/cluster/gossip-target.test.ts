import { test } from 'node:test';
import assert from 'node:assert/strict';
import { differentViewProbability, randomSample, selectGossipTarget, validGossipTargets } from '../../src/cluster/gossip-target.js';
import { uniqueAddressKey } from '../../src/address.js';
import { changeReachability } from '../../src/cluster/reachability.js';
import { seededRandom } from '../sim/prng.js';
import { gossipOf, member, node } from './helpers.js';

const [a, b, c, d] = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map((h) => node(h));

test('different-view probability: 0.8 up to 400 members, reduced linearly to a tenth at 1200', () => {
  assert.equal(differentViewProbability(10, 0.8, 400), 0.8);
  assert.equal(differentViewProbability(400, 0.8, 400), 0.8);
  assert.ok(Math.abs(differentViewProbability(800, 0.8, 400) - 0.44) < 1e-9);
  assert.ok(Math.abs(differentViewProbability(1200, 0.8, 400) - 0.08) < 1e-9);
  assert.ok(Math.abs(differentViewProbability(5000, 0.8, 400) - 0.08) < 1e-9);
});

test('targets exclude self and nodes self marks unreachable, but not nodes flagged by others', () => {
  let g = gossipOf([member(a!, 'Up'), member(b!, 'Up'), member(c!, 'Up'), member(d!, 'Up')]);
  g = { ...g, reachability: changeReachability(changeReachability(g.reachability, a!, b!, 'Unreachable'), c!, d!, 'Unreachable') };
  assert.deepEqual(validGossipTargets(g, a!).map((m) => m.uniqueAddress.address.host), ['10.0.0.3', '10.0.0.4']);
});

test('with probability 1 the choice is among members that have not seen the version', () => {
  const g = gossipOf([member(a!, 'Up'), member(b!, 'Up'), member(c!, 'Up'), member(d!, 'Up')], [a!, b!, c!]);
  const rnd = seededRandom(3);
  for (let i = 0; i < 50; i++) assert.equal(selectGossipTarget(g, a!, rnd, 1, 400)?.uniqueAddress.address.host, '10.0.0.4');
  const hosts = new Set(Array.from({ length: 200 }, () => selectGossipTarget(g, a!, rnd, 0, 400)?.uniqueAddress.address.host));
  assert.deepEqual([...hosts].sort(), ['10.0.0.2', '10.0.0.3', '10.0.0.4']);
  assert.equal(selectGossipTarget(gossipOf([member(a!, 'Up')]), a!, rnd, 1, 400), undefined);
});

test('a member that confirmed its exit is no target, even though it never sees a new version', () => {
  const g = gossipOf([member(a!, 'Up'), member(b!, 'Up'), member(c!, 'Up'), member(d!, 'Exiting')], [a!, b!]);
  const exited = new Set([uniqueAddressKey(d!)]);
  assert.deepEqual(validGossipTargets(g, a!, exited).map((m) => m.uniqueAddress.address.host), ['10.0.0.2', '10.0.0.3']);
  const rnd = seededRandom(5);
  for (let i = 0; i < 50; i++) assert.equal(selectGossipTarget(g, a!, rnd, 1, 400, exited)?.uniqueAddress.address.host, '10.0.0.3');
});

test('randomSample picks distinct elements, at most n', () => {
  const s = randomSample([1, 2, 3, 4, 5, 6], 5, seededRandom(1));
  assert.equal(new Set(s).size, 5);
  assert.equal(randomSample([1, 2], 5, seededRandom(1)).length, 2);
});
