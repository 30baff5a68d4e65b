// Formation through pekko-dns discovery answered by a real dnsmasq on loopback: A records with
// the management port from contact-point.fallback-port (= pekko.management.http.port), and SRV
// records with port-name/protocol carrying each node's own management port.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { startDnsmasq, type DnsRecords } from '../support/dnsmasq.js';
import { missingCommand } from '../support/tools.js';
import { freePort } from '../support/net.js';
import {
  allocateNodes,
  loopbackBlock,
  portIsFree,
  ProcessGroup,
  tempDir,
  waitForOneCluster,
  type MusterProcess,
  type NodeAddress,
} from '../support/muster-process.js';

const SERVICE = 'muster-it.test';

let group = new ProcessGroup();
let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await group.stopAll();
  group = new ProcessGroup();
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** Three hosts that share one management port (A records carry no port). */
async function nodesWithCommonManagementPort(): Promise<NodeAddress[]> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const nodes = await allocateNodes(3, loopbackBlock());
    const port = await freePort(nodes[0]!.host);
    const free = await Promise.all(nodes.map((n) => portIsFree(n.host, port)));
    if (free.every(Boolean) && nodes.every((n) => n.remotePort !== port)) return nodes.map((n) => ({ ...n, managementPort: port }));
  }
  throw new Error('no management port free on all three hosts');
}

async function dnsConfig(records: DnsRecords, extra: string): Promise<string> {
  const dns = await startDnsmasq(records);
  cleanups.push(() => dns.stop());
  const dir = tempDir();
  cleanups.push(() => dir.remove());
  return dir.write(
    'application.conf',
    `muster.system-name = "it-dns"
pekko {
  discovery.method = pekko-dns
  io.dns.async-dns {
    nameservers = ["${dns.nameserver}"]
    search-domains = []
  }
  management.cluster.bootstrap.contact-point-discovery {
    service-name = "${SERVICE}"
    ${extra}
  }
}
`,
  );
}

function assertFormedByLowest(procs: readonly MusterProcess[], oldest: string | undefined, nodes: readonly NodeAddress[]): void {
  assert.equal(oldest, `pekko://it-dns@${nodes[0]!.host}:${nodes[0]!.remotePort}`);
  assert.ok(procs[0]!.findLog((l) => l.marker === 'pekkoBootstrapJoinSelf'), procs[0]!.tail());
  for (const p of procs.slice(1)) assert.ok(p.findLog((l) => l.marker === 'pekkoBootstrapJoin'), p.tail());
}

describe('formation with pekko-dns discovery through dnsmasq', { concurrency: false, skip: missingCommand('dnsmasq') }, () => {
  it('A records + fallback port: 3 nodes form one cluster', async () => {
    const nodes = await nodesWithCommonManagementPort();
    const config = await dnsConfig({ hosts: { [SERVICE]: nodes.map((n) => n.host) }, localZones: ['test'] }, '');
    const procs = nodes.map((node) => group.spawn({ node, configFile: config }));
    const formed = await waitForOneCluster(procs, 60_000, group);
    assert.equal(formed.oldestSeen.size, 1);
    assertFormedByLowest(procs, formed.members.oldest, nodes);
    const resolved = procs[0]!.findLog((l) => l.marker === 'pekkoBootstrapResolved')!;
    // Targets from A records carry the IP as host and address, and no port.
    assert.deepEqual(
      String(resolved.pekkoContactPoints).split(', ').sort(),
      nodes.map((n) => `${n.host}:0`).sort(),
    );
  });

  it('SRV records with port-name/protocol: 3 nodes on different management ports form one cluster', async () => {
    const nodes = await allocateNodes(3);
    // SRV targets are the IPs written as names (the system resolver cannot see dnsmasq's names,
    // and the prober connects to the target's host name); host-records give the additional A records.
    const records: DnsRecords = {
      srv: nodes.map((n) => ({ name: `_management._tcp.${SERVICE}`, target: n.host, port: n.managementPort })),
      hostRecords: Object.fromEntries(nodes.map((n) => [n.host, { ipv4: n.host }])),
      localZones: ['test'],
    };
    const config = await dnsConfig(records, 'port-name = "management"\n    protocol = "tcp"');
    const procs = nodes.map((node) => group.spawn({ node, configFile: config }));
    const formed = await waitForOneCluster(procs, 60_000, group);
    assert.equal(formed.oldestSeen.size, 1);
    assertFormedByLowest(procs, formed.members.oldest, nodes);
    const resolved = procs[1]!.findLog((l) => l.marker === 'pekkoBootstrapResolved')!;
    for (const n of nodes) assert.ok(String(resolved.pekkoContactPoints).includes(`${n.host}:${n.managementPort}`));
  });
});
