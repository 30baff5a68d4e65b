import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PEKKO_FIXTURES, missingShared, sharedPath } from '../support/shared-fixtures.js';
import { configFromObject, loadConfig } from '../../src/config/load.js';
import { readDowningSettings, readSbrSettings, SBR_PROVIDER_CLASS } from '../../src/cluster/sbr/settings.js';
import { readFailureDetectorSettings } from '../../src/cluster/failure-detector-settings.js';
import { ConfigError } from '../../src/config/types.js';

const sbr = (o: Record<string, unknown>) => configFromObject({ pekko: { cluster: { 'split-brain-resolver': o } } });

const PEKKO_CLUSTER_REFERENCE = `${PEKKO_FIXTURES}/cluster-reference.conf`;

test('Pekko cluster reference.conf gives keep-majority, 20s stable-after, down-all-when-unstable 15s', { skip: missingShared(PEKKO_CLUSTER_REFERENCE) }, async () => {
  const cfg = await loadConfig({ withReference: false, configFile: sharedPath(PEKKO_CLUSTER_REFERENCE) });
  const s = readSbrSettings(cfg, 'sys');
  assert.deepEqual(s.strategy, { name: 'keep-majority', role: '' });
  assert.equal(s.stableAfterMs, 20_000);
  assert.equal(s.downAllWhenUnstableMs, 15_000);
  const d = readDowningSettings(cfg, 'sys');
  assert.equal(d.sbr, undefined, 'downing-provider-class defaults to "" (no automatic downing)');
  const fd = readFailureDetectorSettings(cfg);
  assert.equal(fd.threshold, 8);
  assert.equal(fd.maxSampleSize, 1000);
  assert.equal(fd.minStdDeviationMs, 100);
  assert.equal(fd.acceptableHeartbeatPauseMs, 3000);
  assert.equal(fd.monitoredByNrOfMembers, 9);
  assert.equal(fd.expectedResponseAfterMs, 1000);
  assert.equal(fd.firstHeartbeatEstimateMs, 1000);
});

test('down-all-when-unstable: on = max(4s, 3/4 stable-after), off, or a duration', () => {
  assert.equal(readSbrSettings(sbr({ 'stable-after': '4s', 'down-all-when-unstable': 'on' }), 's').downAllWhenUnstableMs, 4000);
  assert.equal(readSbrSettings(sbr({ 'stable-after': '40s' }), 's').downAllWhenUnstableMs, 30_000);
  assert.equal(readSbrSettings(sbr({ 'down-all-when-unstable': 'off' }), 's').downAllWhenUnstableMs, undefined);
  assert.equal(readSbrSettings(sbr({ 'down-all-when-unstable': '7s' }), 's').downAllWhenUnstableMs, 7000);
});

test('strategies read their own blocks; unknown names and missing required values are rejected', () => {
  assert.deepEqual(readSbrSettings(sbr({ 'active-strategy': 'static-quorum', 'static-quorum': { 'quorum-size': 3, role: 'r' } }), 's').strategy, { name: 'static-quorum', quorumSize: 3, role: 'r' });
  assert.throws(() => readSbrSettings(sbr({ 'active-strategy': 'static-quorum', 'static-quorum': { 'quorum-size': 'undefined' } }), 's'), ConfigError);
  assert.deepEqual(readSbrSettings(sbr({ 'active-strategy': 'keep-oldest', 'keep-oldest': { 'down-if-alone': 'off' } }), 's').strategy, { name: 'keep-oldest', downIfAlone: false, role: '' });
  assert.throws(() => readSbrSettings(sbr({ 'active-strategy': 'keep-referee' }), 's'), /unknown split brain resolver strategy "keep-referee"/);
  assert.throws(() => readSbrSettings(sbr({ 'active-strategy': 'lease-majority' }), 's'), /lease-implementation/);
  const lm = readSbrSettings(sbr({ 'active-strategy': 'lease-majority', 'lease-majority': { 'lease-implementation': 'pekko.coordination.lease.kubernetes' } }), 'shop');
  assert.deepEqual(lm.lease, { implementation: 'pekko.coordination.lease.kubernetes', leaseName: 'shop-pekko-sbr', releaseAfterMs: 40_000 });
  assert.deepEqual(lm.strategy, { name: 'lease-majority', role: '', acquireLeaseDelayForMinorityMs: 2000 });
});

test('downing provider: SBR class enables it, anything else is rejected; margin defaults to stable-after', () => {
  const on = readDowningSettings(configFromObject({ pekko: { cluster: { 'downing-provider-class': SBR_PROVIDER_CLASS } } }), 's');
  assert.equal(on.sbr?.strategy.name, 'keep-majority');
  assert.equal(on.downRemovalMarginMs, 20_000);
  assert.throws(() => readDowningSettings(configFromObject({ pekko: { cluster: { 'downing-provider-class': 'com.example.AutoDowning' } } }), 's'), ConfigError);
});

test('failure detector settings reject nonsense values and unsupported detectors', () => {
  const fd = (o: Record<string, unknown>) => readFailureDetectorSettings(configFromObject({ pekko: { cluster: { 'failure-detector': o } } }));
  assert.throws(() => fd({ threshold: 0 }), ConfigError);
  assert.throws(() => fd({ 'heartbeat-interval': '0s' }), ConfigError);
  assert.throws(() => fd({ 'implementation-class': 'com.example.Fd' }), ConfigError);
  assert.equal(fd({ 'heartbeat-interval': '500ms' }).firstHeartbeatEstimateMs, 500);
});
