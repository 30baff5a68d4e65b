import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configFromObject, loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/types.js';
import { clusterSettingsFromConfig, defaultClusterSettings } from '../../src/cluster/settings.js';

test('reference.conf gives Pekko defaults, equal to defaultClusterSettings()', async () => {
  const s = clusterSettingsFromConfig(await loadConfig({ applicationText: '', env: {} }));
  assert.deepEqual(s, defaultClusterSettings());
  assert.equal(s.seedNodeTimeoutMs, 5000);
  assert.equal(s.allowWeaklyUpMembersMs, 7000);
  assert.deepEqual(s.roles, ['dc-default']);
});

test('Pekko keys are read from application config', async () => {
  const config = await loadConfig({
    env: {},
    applicationText: `
      pekko.cluster {
        seed-nodes = ["pekko://Sys@10.0.0.1:17355", "pekko://Sys@[::1]:2552"]
        roles = [backend, web]
        min-nr-of-members = 3
        role.backend.min-nr-of-members = 2
        allow-weakly-up-members = off
        retry-unsuccessful-join-after = off
        shutdown-after-unsuccessful-join-seed-nodes = 30s
        gossip-interval = 500ms
        app-version = "1.2.3"
        multi-data-center.self-data-center = east
        failure-detector.acceptable-heartbeat-pause = 5s
      }`,
  });
  const s = clusterSettingsFromConfig(config);
  assert.deepEqual(s.seedNodes.map((a) => `${a.host}:${a.port}`), ['10.0.0.1:17355', '::1:2552']);
  assert.deepEqual(s.roles, ['backend', 'dc-east', 'web']);
  assert.equal(s.minNrOfMembers, 3);
  assert.deepEqual([...s.roleMinNrOfMembers], [['backend', 2]]);
  assert.equal(s.allowWeaklyUpMembersMs, undefined);
  assert.equal(s.retryUnsuccessfulJoinAfterMs, undefined);
  assert.equal(s.shutdownAfterUnsuccessfulJoinSeedNodesMs, 30_000);
  assert.equal(s.gossipIntervalMs, 500);
  assert.equal(s.appVersion, '1.2.3');
  assert.equal(s.failureDetector.acceptableHeartbeatPauseMs, 5000);
});

test('allow-weakly-up-members accepts on, off and durations', () => {
  const read = (v: unknown) => clusterSettingsFromConfig(configFromObject({ pekko: { cluster: { 'allow-weakly-up-members': v } } }));
  assert.equal(read('on').allowWeaklyUpMembersMs, 7000);
  assert.equal(read('off').allowWeaklyUpMembersMs, undefined);
  assert.equal(read('20s').allowWeaklyUpMembersMs, 20_000);
});

test('invalid cluster settings are rejected with the key in the message', () => {
  const bad = (cluster: Record<string, unknown>, key: RegExp) =>
    assert.throws(() => clusterSettingsFromConfig(configFromObject({ pekko: { cluster } })), (e: unknown) => e instanceof ConfigError && key.test(e.message));
  bad({ roles: ['dc-x'] }, /pekko\.cluster\.roles/);
  bad({ 'min-nr-of-members': 0 }, /min-nr-of-members/);
  bad({ 'seed-nodes': ['not-an-address'] }, /seed-nodes/);
  bad({ 'app-version': '1.2.3.4' }, /app-version/);
  bad({ 'gossip-interval': '0s' }, /gossip-interval/);
});
