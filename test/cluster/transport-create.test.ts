import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { formatAddress, parseAddress } from '../../src/address.js';
import { createCluster, defaultHostAddress, transportSettings, type CreatedCluster } from '../../src/cluster/create.js';
import { defaultClusterSettings } from '../../src/cluster/settings.js';
import { DEFAULT_REMOTE_SETTINGS, type RemoteSettings } from '../../src/cluster/remote-settings.js';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/cluster-wait.js';

const created: CreatedCluster[] = [];
after(() => Promise.all(created.map((c) => c.stop())));

const remote = (over: Partial<RemoteSettings>): RemoteSettings => ({ ...DEFAULT_REMOTE_SETTINGS, systemName: 'Create', ...over });

test('canonical and bind hosts are resolved: <getHostAddress>, <getHostName>, IPv6 text normalised', async () => {
  const a = await transportSettings(remote({ canonicalHostname: '<getHostAddress>', bindHostname: '0.0.0.0', bindPort: 2552 }), async () => '127.0.0.41');
  assert.deepEqual(a.canonical, { protocol: 'pekko', system: 'Create', host: '127.0.0.41', port: 17355 });
  assert.equal(a.bindHostname, '0.0.0.0');
  assert.equal(a.bindPort, 2552);
  assert.equal(a.maximumFrameSize, 256 * 1024);
  const b = await transportSettings(remote({ canonicalHostname: '<getHostName>' }));
  assert.equal(b.canonical.host, hostname());
  assert.equal(b.bindHostname, undefined);
  const c = await transportSettings(remote({ canonicalHostname: '0:0:0:0:0:0:0:1' }));
  assert.equal(c.canonical.host, '::1');
  // The machine's own address is some IP address.
  assert.match(await defaultHostAddress(), /^[0-9a-f.:]+$/i);
});

test('two in-process members created from settings form a cluster and stop cleanly', async () => {
  const hosts = ['127.0.0.42', '127.0.0.43'];
  const ports = await Promise.all(hosts.map((h) => freePort(h)));
  const seeds = hosts.map((h, i) => parseAddress(`pekko://Create@${h}:${ports[i]}`));
  const fast = { periodicTasksInitialDelayMs: 50, gossipIntervalMs: 100, leaderActionsIntervalMs: 100, seedNodeTimeoutMs: 500, seedNodes: seeds };
  const members = await Promise.all(
    hosts.map((h, i) =>
      createCluster({
        remote: remote({ canonicalHostname: h, canonicalPort: ports[i] as number, outboundRestartBackoffMs: 50 }),
        cluster: defaultClusterSettings(fast),
      }),
    ),
  );
  created.push(...members);
  assert.deepEqual(members.map((m) => formatAddress(m.node.selfAddress)), seeds.map(formatAddress));
  assert.notEqual(members[0]?.selfUniqueAddress.uid, members[1]?.selfUniqueAddress.uid);
  await waitFor('both Up on both', () =>
    members.every((m) => m.node.state().members.length === 2 && m.node.state().members.every((x) => x.status === 'Up')),
  );
  await members[1]!.stop();
  await members[1]!.stop();
  assert.equal(members[1]!.node.nodePhase, 'stopped');
});

test('a port in use makes createCluster fail without leaving anything running', async () => {
  const host = '127.0.0.44';
  const port = await freePort(host);
  const first = await createCluster({ remote: remote({ canonicalHostname: host, canonicalPort: port }), cluster: defaultClusterSettings() });
  created.push(first);
  await assert.rejects(
    createCluster({ remote: remote({ canonicalHostname: host, canonicalPort: port }), cluster: defaultClusterSettings() }),
    /Failed to bind 127\.0\.0\.44:\d+/,
  );
});
