// Cluster members over tls-tcp, configured the Pekko way (application.conf text) and started with
// createCluster on loopback: three nodes with certificates of one CA form a cluster; a node with a
// certificate from another CA and a node on plain TCP try to join and never become members.
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { formatAddress } from '../../src/address.js';
import { createCluster, type CreatedCluster } from '../../src/cluster/create.js';
import { loadConfig } from '../../src/config/load.js';
import { clusterSettingsFromConfig } from '../../src/cluster/settings.js';
import { remoteSettingsFromConfig } from '../../src/cluster/remote-settings.js';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/cluster-wait.js';
import { createPki, type Pki } from '../support/tls-pki.js';
import { missingCommand } from '../support/tools.js';

const pkis: Pki[] = [];
const created: CreatedCluster[] = [];
after(async () => {
  await Promise.all(created.map((c) => c.stop()));
  for (const p of pkis) p.dispose();
});

function conf(host: string, port: number, seeds: string[], secretDir: string | undefined): string {
  return `
    muster.system-name = secure
    pekko.remote.artery {
      transport = ${secretDir ? 'tls-tcp' : 'tcp'}
      canonical { hostname = "${host}", port = ${port} }
      advanced.tcp.outbound-client-hostname = "${host}"
      advanced.outbound-restart-backoff = 50ms
      ssl {
        ssl-engine-provider = org.apache.pekko.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider
        rotating-keys-engine.secret-mount-point = "${secretDir ?? '/nonexistent'}"
      }
    }
    muster.remote.max-outbound-restart-backoff = 200ms
    pekko.cluster {
      seed-nodes = [${seeds.map((s) => `"${s}"`).join(', ')}]
      periodic-tasks-initial-delay = 50ms
      gossip-interval = 100ms
      leader-actions-interval = 100ms
      seed-node-timeout = 300ms
      retry-unsuccessful-join-after = 300ms
    }
  `;
}

interface Started {
  cluster: CreatedCluster;
  logs: string[];
}

async function start(host: string, port: number, seeds: string[], secretDir: string | undefined): Promise<Started> {
  const config = await loadConfig({ applicationText: conf(host, port, seeds, secretDir), env: {} });
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
  const cluster = await createCluster({ remote: remoteSettingsFromConfig(config), cluster: clusterSettingsFromConfig(config) }, { logger });
  created.push(cluster);
  return { cluster, logs };
}

function refusedFrom(node: Started, host: string): number {
  return node.logs.filter((l) => l.includes('Refusing inbound connection') && l.includes(`"remote":"${host}:`)).length;
}

describe('a cluster over tls-tcp', { skip: missingCommand('openssl') }, () => {
  test('three nodes form; a node with another CA\'s certificate and a plain-TCP node never become members', async () => {
    const ca = createPki('cluster-ca');
    const rogueCa = createPki('rogue-ca');
    pkis.push(ca, rogueCa);
    const hosts = ['127.0.0.11', '127.0.0.12', '127.0.0.13'];
    const ports = await Promise.all(hosts.map((h) => freePort(h)));
    const seeds = hosts.map((h, i) => `pekko://secure@${h}:${ports[i]}`);
    const nodes = await Promise.all(
      hosts.map((h, i) => start(h, ports[i]!, seeds, ca.secretDir(`n${i}`, ca.issue(`n${i}`, { ips: [h] })))),
    );
    const upEverywhere = (n: number) =>
      nodes.every((x) => {
        const { members } = x.cluster.node.state();
        return members.length === n && members.every((m) => m.status === 'Up');
      });
    await waitFor('three members Up on every node', () => upEverywhere(3), 30_000);

    const rogueHost = '127.0.0.14';
    // The rogue trusts the cluster's CA as well, so only the seeds' check of its certificate stops it.
    const rogueDir = rogueCa.secretDir('r', rogueCa.issue('r', { ips: [rogueHost] }));
    writeFileSync(path.join(rogueDir, 'ca.crt'), Buffer.concat([readFileSync(ca.caCertFile), readFileSync(rogueCa.caCertFile)]));
    const rogue = await start(rogueHost, await freePort(rogueHost), seeds, rogueDir);
    const plainHost = '127.0.0.15';
    const plain = await start(plainHost, await freePort(plainHost), seeds, undefined);
    // Outcome, not time: every seed refuses both of them again and again (each is a join attempt).
    await waitFor(
      'each seed refused the rogue and the plain node three times',
      () => nodes.every((n) => refusedFrom(n, rogueHost) >= 3 && refusedFrom(n, plainHost) >= 3),
      60_000,
    );
    const expected = [...seeds].sort();
    for (const n of nodes) {
      assert.deepEqual(n.cluster.node.state().members.map((m) => formatAddress(m.uniqueAddress.address)).sort(), expected, 'only the three');
      assert.equal(n.cluster.transport.stats().messagesIn > 0, true);
    }
    for (const outsider of [rogue, plain]) {
      const self = formatAddress(outsider.cluster.node.selfAddress);
      assert.ok(
        !outsider.cluster.node.state().members.some((m) => formatAddress(m.uniqueAddress.address) !== self),
        'the outsider saw no member of the cluster',
      );
    }
    assert.ok(plain.logs.some((l) => l.includes('this node requires TLS')), 'the plain node is told why');
    for (const n of nodes) {
      const lines = n.logs.filter((l) => l.includes(`"remote":"${rogueHost}:`));
      assert.ok(lines.every((l) => l.includes('is not trusted')), 'each refusal of the rogue names its untrusted certificate');
    }
  });
});
