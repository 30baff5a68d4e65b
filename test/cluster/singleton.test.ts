// The pure parts of cluster singletons: who is the oldest in scope, who may still hold an
// instance, and the hand-over message on the wire (validated like every cluster message).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMessage, fromWire } from '../../src/cluster/protocol.js';
import { olderInScope, shouldHold, singletonCandidates } from '../../src/cluster/singleton/oldest.js';
import { member } from '../support/fake-cluster.js';

const scope = { role: undefined, dataCenter: 'default' };
const a = member('10.0.0.1', 17355, 1n, 'Up', { upNumber: 1 });
const b = member('10.0.0.2', 17355, 2n, 'Up', { upNumber: 2, roles: ['worker'] });
const c = member('10.0.0.3', 17355, 3n, 'Joining');

test('the oldest Up member holds it; Exiting members drop out, Down ones block until removed', () => {
  assert.deepEqual(singletonCandidates([c, b, a], scope).map((m) => m.uniqueAddress.uid), [1n, 2n]);
  assert.ok(shouldHold([a, b, c], a.uniqueAddress, scope));
  assert.ok(!shouldHold([a, b, c], b.uniqueAddress, scope));
  const exiting = { ...a, status: 'Exiting' as const };
  assert.ok(shouldHold([exiting, b], b.uniqueAddress, scope));
  assert.deepEqual(olderInScope([exiting, b], b.uniqueAddress, scope).map((m) => m.uniqueAddress.uid), [1n], 'the exiting holder must hand over');
  const down = { ...a, status: 'Down' as const };
  assert.ok(!shouldHold([down, b], b.uniqueAddress, scope), 'a downed oldest still counts until removed');
  assert.ok(!shouldHold([down, b], a.uniqueAddress, scope), 'and does not run it itself');
});

test('a role limits candidates and blockers', () => {
  const workers = { role: 'worker', dataCenter: 'default' };
  assert.ok(shouldHold([a, b], b.uniqueAddress, workers));
  assert.deepEqual(olderInScope([a, b], b.uniqueAddress, workers), []);
});

test('SingletonHandOver round-trips through the wire codec; bad kinds are rejected', () => {
  const m = { type: 'SingletonHandOver' as const, from: a.uniqueAddress, to: b.uniqueAddress, name: 'job', kind: 'HandOverToMe' as const };
  assert.deepEqual(fromWire(encodeMessage(m)), m);
  const wire = JSON.parse(encodeMessage(m)) as Record<string, unknown>;
  assert.throws(() => fromWire({ ...wire, kind: 'TakeOver' }), /kind/);
  assert.throws(() => fromWire({ ...wire, name: 'x'.repeat(300) }), /name/);
});
