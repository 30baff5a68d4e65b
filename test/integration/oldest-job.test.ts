// examples/oldest-job with real processes: three instances form a cluster through the library's
// start(); exactly one (the oldest Up member) runs the job; when it leaves (SIGTERM) the job
// moves to the new oldest, without two nodes running it at the same time.
import assert from 'node:assert/strict';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import {
  allocateNodes,
  clusterConf,
  nodeOverrides,
  ProcessGroup,
  repoRoot,
  tempDir,
  waitForOneCluster,
  waitUntil,
  type LogLine,
  type MusterProcess,
} from '../support/muster-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MAIN = path.join(repoRoot, 'examples', 'oldest-job', 'main.ts');

let group = new ProcessGroup();
let dirs: ReturnType<typeof tempDir>[] = [];
afterEach(async () => {
  await group.stopAll();
  group = new ProcessGroup();
  for (const d of dirs) d.remove();
  dirs = [];
});

const jobLines = (p: MusterProcess, kind: string): LogLine[] => p.logs().filter((l) => l.component === 'oldest-job' && l.job === kind);

describe('examples/oldest-job', () => {
  it('runs the job only on the oldest Up member and moves it when that member leaves', async () => {
    const nodes = await allocateNodes(3);
    const dir = tempDir();
    dirs.push(dir);
    const config = dir.write('application.conf', clusterConf({ endpoints: nodes, systemName: 'oldest-job' }));
    const procs = nodes.map((node) =>
      group.spawn({ node, argv: ['--import', 'tsx', MAIN, '--config', config, ...nodeOverrides(node)] }),
    );
    const formed = await waitForOneCluster(procs, 60_000, group);
    const oldestOf = (address: string | undefined) => procs.find((p) => address?.endsWith(`@${p.node.host}:${p.node.remotePort}`));
    const first = oldestOf(formed.members.oldest);
    assert.ok(first, `oldest ${formed.members.oldest}`);

    // Exactly the oldest runs the job, and keeps ticking.
    await waitUntil('the oldest to tick', () => jobLines(first, 'tick').length >= 3, 15_000, 100, () => group.tails());
    for (const p of procs) {
      assert.equal(jobLines(p, 'started').length, p === first ? 1 : 0, `${p.name} job starts`);
      if (p !== first) assert.equal(jobLines(p, 'tick').length, 0, `${p.name} must not run the job`);
    }
    assert.equal((await first.get('/alive')).status, 200, 'the job liveness check passes');

    // The oldest leaves: the job stops there and starts on the new oldest of the remaining two.
    const exit = await first.stop('SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null }, first.tail());
    const stopped = jobLines(first, 'stopped');
    assert.equal(stopped.length, 1, first.tail());
    const rest = procs.filter((p) => p !== first);
    const after = await waitForOneCluster(rest, 30_000, group);
    const second = oldestOf(after.members.oldest);
    assert.ok(second && second !== first);
    await waitUntil('the new oldest to run the job', () => jobLines(second, 'tick').length >= 2, 15_000, 100, () => group.tails());
    // Hand-over without overlap: the old runner's last tick came before the new runner started.
    const lastOldTick = jobLines(first, 'tick').at(-1)!.time!;
    const newStart = jobLines(second, 'started')[0]!.time!;
    assert.ok(lastOldTick <= stopped[0]!.time! && stopped[0]!.time! <= newStart, `ticks overlap: ${lastOldTick} ${stopped[0]!.time} ${newStart}`);
    assert.equal(stopped[0]!.next, after.members.oldest, 'the leaving node names its successor');
    await sleep(1500);
    const third = rest.find((p) => p !== second)!;
    assert.equal(jobLines(third, 'tick').length, 0, 'only one node runs the job');
  });
});
