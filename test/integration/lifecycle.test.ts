// Process lifecycle of `node dist/main.js`: configuration errors exit 1 before any port is bound,
// and muster.bootstrap.deadline makes a node that cannot join exit non-zero.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  allocateNodes,
  clusterConf,
  portIsFree,
  ProcessGroup,
  tempDir,
  type NodeAddress,
} from '../support/muster-process.js';

let group = new ProcessGroup();
let dirs: ReturnType<typeof tempDir>[] = [];
afterEach(async () => {
  await group.stopAll();
  group = new ProcessGroup();
  for (const d of dirs) d.remove();
  dirs = [];
});

function configFile(endpoints: readonly NodeAddress[], extra = ''): string {
  const dir = tempDir();
  dirs.push(dir);
  return dir.write('application.conf', clusterConf({ endpoints, extra }));
}

const BAD_CONFIGS: readonly { readonly what: string; readonly extra: string; readonly key: RegExp }[] = [
  { what: 'an invalid system name', extra: 'muster.system-name = "no spaces allowed"', key: /muster\.system-name/ },
  {
    what: 'exponential-backoff-max below interval',
    extra: 'pekko.management.cluster.bootstrap.contact-point-discovery.exponential-backoff-max = 100ms',
    key: /exponential-backoff-max/,
  },
  { what: 'an unknown discovery method', extra: 'pekko.discovery.method = no-such-method', key: /no-such-method/ },
  {
    what: 'lease-majority without a lease',
    extra:
      'pekko.cluster.downing-provider-class = "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"\n' +
      'pekko.cluster.split-brain-resolver.active-strategy = lease-majority',
    key: /lease-majority/,
  },
  { what: 'a HOCON syntax error', extra: 'pekko.cluster { roles = [', key: /./ },
];

describe('process lifecycle', { concurrency: false }, () => {
  for (const bad of BAD_CONFIGS) {
    it(`${bad.what}: exit 1 with a configuration error, nothing bound`, async () => {
      const [node] = await allocateNodes(1);
      const p = group.spawn({ node: node!, configFile: configFile([node!], bad.extra) });
      const exit = await p.exited;
      assert.deepEqual(exit, { code: 1, signal: null }, p.tail());
      assert.match(p.stderr, /^muster: configuration error: /m);
      assert.match(p.stderr, bad.key);
      // Nothing was started: no remoting, no management log lines, and both ports are free.
      assert.equal(p.findLog((l) => l.component === 'remote' || l.component === 'management'), undefined, p.tail());
      assert.equal(p.findLog((l) => l.marker === 'pekkoManagementBound'), undefined);
      assert.ok(await portIsFree(node!.host, node!.managementPort));
      assert.ok(await portIsFree(node!.host, node!.remotePort));
    });
  }

  it('muster.bootstrap.deadline: a node that cannot join exits non-zero (255) once it passes', async () => {
    const nodes = await allocateNodes(2);
    // The second contact point never starts, so with the defaults the first can never self-join.
    const p = group.spawn({ node: nodes[0]!, configFile: configFile(nodes, 'muster.bootstrap.deadline = 4s') });
    const exit = await p.exited;
    // ClusterJoinUnsuccessfulReason's exit code is -1 (Pekko's reason-overrides), i.e. 255.
    assert.deepEqual(exit, { code: 255, signal: null }, p.tail());
    const deadline = p.findLog((l) => l.marker === 'musterBootstrapDeadline');
    assert.ok(deadline, p.tail());
    assert.match(String(deadline.msg), /muster\.bootstrap\.deadline/);
    // It says why: rule 2 of the decider (only itself answered).
    assert.match(String(deadline.msg), /only 1 of 2 discovered contact points answered, required-contact-point-nr is 2/);
    // The configured 4 s deadline fired, after bootstrap had started (order, not duration).
    assert.match(String(deadline.msg), /not a cluster member 4000 ms after bootstrap started/);
    const logs = p.logs();
    const initAt = logs.findIndex((l) => l.marker === 'pekkoBootstrapInit');
    assert.ok(initAt >= 0 && initAt < logs.indexOf(deadline), p.tail());
    assert.ok(p.findLog((l) => l.msg === 'Muster node stopped' && l.reason === 'ClusterJoinUnsuccessfulReason'), p.tail());
    assert.ok(await portIsFree(nodes[0]!.host, nodes[0]!.managementPort));
    assert.ok(await portIsFree(nodes[0]!.host, nodes[0]!.remotePort));
  });
});
