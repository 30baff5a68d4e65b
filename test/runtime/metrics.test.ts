// The runtime feeds /metrics from every layer: membership gauges, gossip counters, bootstrap
// phase, discovery lookups and probe errors. Two in-process nodes form a cluster through config
// discovery (plus one listed contact point that never answers), then /metrics is scraped.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { start, type MusterNode } from '../../src/runtime.js';
import { silentLogger } from '../../src/logging.js';
import { probeErrorCause } from '../../src/runtime-metrics.js';
import { ProbeError } from '../../src/bootstrap/http-prober.js';
import { SeedNodesFormatError } from '../../src/bootstrap/seed-nodes.js';
import { freePort } from '../support/net.js';

const nodes: MusterNode[] = [];
after(async () => {
  await Promise.all(nodes.map((n) => n.shutdown()));
});

async function until(what: string, pred: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function metricValue(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('metrics move with membership, gossip, bootstrap, discovery and probing', async () => {
  const hosts = ['127.0.0.71', '127.0.0.72'];
  const mgmtPorts = await Promise.all(hosts.map((h) => freePort(h)));
  const deadPort = await freePort('127.0.0.73');
  const endpoints = [
    ...hosts.map((h, i) => `{ host = "${h}", port = ${mgmtPorts[i]} }`),
    `{ host = "127.0.0.73", port = ${deadPort} }`,
  ].join('\n');
  for (const [i, host] of hosts.entries()) {
    const applicationText = `
      muster.system-name = "metrics-test"
      pekko.remote.artery.canonical { hostname = "${host}", port = ${await freePort(host)} }
      pekko.management.http { hostname = "${host}", port = ${mgmtPorts[i]} }
      pekko.discovery.method = config
      pekko.discovery.config.services.metrics-test.endpoints = [ ${endpoints} ]
      pekko.management.cluster.bootstrap.contact-point-discovery {
        stable-margin = 1s
        contact-with-all-contact-points = false
      }
    `;
    nodes.push(await start({ applicationText, env: {}, logger: silentLogger }));
  }
  await until('both nodes Up', () =>
    nodes.every((n) => n.cluster.state().members.filter((m) => m.status === 'Up').length === 2),
  );
  // Let a few gossip rounds and probes of the dead contact point happen.
  await until('a failed probe', async () => {
    const text = await (await fetch(`${nodes[0]!.managementUrl}/metrics`)).text();
    return (metricValue(text, 'muster_bootstrap_probe_errors_total', '{cause="connection"}') ?? 0) > 0 ||
      nodes[0]!.bootstrapStatus()?.phase === 'joined';
  });
  await new Promise((r) => setTimeout(r, 2500));

  const res = await fetch(`${nodes[0]!.managementUrl}/metrics`);
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.equal(metricValue(text, 'muster_cluster_members', '{status="Up"}'), 2);
  assert.equal(metricValue(text, 'muster_cluster_unreachable_members'), 0);
  const leaders = await Promise.all(
    nodes.map(async (n) => metricValue(await (await fetch(`${n.managementUrl}/metrics`)).text(), 'muster_cluster_is_leader')),
  );
  assert.deepEqual([...leaders].sort(), [0, 1], 'exactly one leader');
  assert.ok((metricValue(text, 'muster_gossip_messages_total', '{direction="sent"}') ?? 0) > 0);
  assert.ok((metricValue(text, 'muster_gossip_messages_total', '{direction="received"}') ?? 0) > 0);
  assert.equal(metricValue(text, 'muster_bootstrap_phase', '{phase="joined"}'), 1);
  const current = text.split('\n').filter((l) => l.startsWith('muster_bootstrap_phase{') && l.endsWith(' 1'));
  assert.equal(current.length, 1, 'exactly one current bootstrap phase');
  assert.ok((metricValue(text, 'muster_discovery_lookups_total', '{method="config"}') ?? 0) >= 1);
  assert.equal(metricValue(text, 'muster_discovery_lookup_errors_total', '{method="config"}') ?? 0, 0);
  assert.ok((metricValue(text, 'muster_bootstrap_probe_errors_total', '{cause="connection"}') ?? 0) >= 1);
});

test('probe failures are counted by cause', () => {
  assert.equal(probeErrorCause(new ProbeError("expected response '200 OK' but got '500'", 500)), 'status');
  assert.equal(probeErrorCause(new ProbeError('request timed out after 3000 ms')), 'timeout');
  assert.equal(probeErrorCause(new SeedNodesFormatError('bad')), 'parse');
  assert.equal(probeErrorCause(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), 'connection');
  assert.equal(probeErrorCause(new Error('odd')), 'other');
});
