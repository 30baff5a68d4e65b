import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/types.js';
import { DEFAULT_REMOTE_SETTINGS, remoteSettingsFromConfig } from '../../src/cluster/remote-settings.js';

test('with reference.conf only, the transport settings are Pekko defaults', async () => {
  const s = remoteSettingsFromConfig(await loadConfig({ applicationText: '', env: {} }));
  assert.deepEqual(s, DEFAULT_REMOTE_SETTINGS);
  assert.equal(s.canonicalPort, 17355);
  assert.equal(s.canonicalHostname, '<getHostAddress>');
  assert.equal(s.maximumFrameSize, 262144);
});

test('a Pekko application.conf sets canonical, bind and advanced keys', async () => {
  const config = await loadConfig({
    env: {},
    applicationText: `
      muster.system-name = Orders
      pekko.remote.artery {
        canonical { hostname = "10.1.2.3", port = 25520 }
        bind { hostname = "0.0.0.0", port = 2552, bind-timeout = 5s }
        advanced {
          maximum-frame-size = 512 KiB
          outbound-message-queue-size = 100
          handshake-timeout = 7s
          outbound-restart-backoff = 250ms
          tcp.connection-timeout = 2s
          tcp.outbound-client-hostname = "10.1.2.3"
        }
      }
      muster.remote.max-outbound-restart-backoff = 3s
    `,
  });
  const s = remoteSettingsFromConfig(config);
  assert.equal(s.systemName, 'Orders');
  assert.equal(s.canonicalHostname, '10.1.2.3');
  assert.equal(s.canonicalPort, 25520);
  assert.equal(s.bindHostname, '0.0.0.0');
  assert.equal(s.bindPort, 2552);
  assert.equal(s.bindTimeoutMs, 5000);
  assert.equal(s.maximumFrameSize, 512 * 1024);
  assert.equal(s.outboundMessageQueueSize, 100);
  assert.equal(s.handshakeTimeoutMs, 7000);
  assert.equal(s.outboundRestartBackoffMs, 250);
  assert.equal(s.maxOutboundRestartBackoffMs, 3000);
  assert.equal(s.connectionTimeoutMs, 2000);
  assert.equal(s.outboundClientHostname, '10.1.2.3');
});

test('-D overrides work, including a quoted numeric port and an empty bind port', async () => {
  const s = remoteSettingsFromConfig(
    await loadConfig({ env: {}, overrides: ['-Dpekko.remote.artery.canonical.port=0', '-Dpekko.remote.artery.bind.port='] }),
  );
  assert.equal(s.canonicalPort, 0);
  assert.equal(s.bindPort, undefined);
});

test('unsupported or invalid transport settings are configuration errors naming the key', async () => {
  const cases: Array<[string, RegExp]> = [
    ['pekko.remote.artery.transport = aeron-udp', /transport = aeron-udp is not supported/],
    ['pekko.remote.artery.enabled = off', /classic remoting/],
    ['pekko.remote.artery.canonical.port = 70000', /canonical.port must be a port number/],
    ['pekko.remote.artery.advanced.maximum-frame-size = 1000b', /maximum-frame-size must be at least 32000/],
    ['pekko.remote.artery.advanced.outbound-message-queue-size = 0', /outbound-message-queue-size must be at least 1/],
    ['muster.system-name = "bad name"', /muster.system-name \[bad name\]/],
  ];
  for (const [text, message] of cases) {
    const config = await loadConfig({ env: {}, applicationText: text });
    assert.throws(() => remoteSettingsFromConfig(config), (e: unknown) => e instanceof ConfigError && message.test(e.message), text);
  }
});
