import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { PodNetwork, netnsUnavailableReason, nextFreeHost, removeStaleNetworks, type NetPod } from './netns.js';
import { fetchFromPod } from './pod-http.js';
import { STANDIN_POD } from './standin.js';

const skip = netnsUnavailableReason();
const networks: PodNetwork[] = [];
after(() => networks.forEach((n) => n.destroySync()));

async function standin(pod: NetPod): Promise<void> {
  const child = pod.spawn(process.execPath, [STANDIN_POD], { env: { ...process.env, STANDIN_PORT: '8080' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  assert.match(chunk.toString(), /standin listening/);
}

function nsList(): string {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
}

test('pods get their own address, reach each other and the bridge, and vanish on destroy', { skip }, async () => {
  const net = await PodNetwork.create();
  networks.push(net);
  const a = await net.addPod('a');
  const b = await net.addPod('b');
  assert.notEqual(a.ip, b.ip);
  assert.ok(a.ip.startsWith(net.prefix + '.') && b.ip.startsWith(net.prefix + '.'));
  const addr = await a.exec('ip', ['-4', '-o', 'addr', 'show']);
  assert.match(addr.stdout, new RegExp(`eth0\\s+inet ${a.ip.replace(/\./g, '\\.')}/24`));
  assert.match(addr.stdout, /lo\s+inet 127\.0\.0\.1/);
  const host = await a.exec(process.execPath, ['-e', "require('dns').lookup(require('os').hostname(), { family: 4 }, (e, ip) => console.log(require('os').hostname(), ip))"]);
  assert.equal(host.stdout.trim(), `a ${a.ip}`, 'the pod host name resolves to the pod IP, as in Kubernetes');
  await standin(b);
  const fromA = await fetchFromPod(a, `http://${b.ip}:8080/alive`);
  assert.deepEqual(fromA, { ok: true, status: 200, body: 'OK' });
  const lo = await fetchFromPod(b, 'http://127.0.0.1:8080/alive');
  assert.equal(lo.ok, true);
  // the root namespace reaches pods through the bridge address
  const res = await fetch(`http://${b.ip}:8080/alive`);
  assert.equal(res.status, 200);
  await net.destroy();
  assert.doesNotMatch(nsList(), new RegExp(a.ns));
  assert.equal(existsSync(join('/etc/netns', a.ns)), false);
  assert.throws(() => execFileSync('ip', ['link', 'show', net.bridge], { stdio: 'ignore' }));
});

test('partition drops traffic silently between the two sides only, heal restores it', { skip }, async () => {
  const net = await PodNetwork.create();
  networks.push(net);
  const [a, b, c] = [await net.addPod('a'), await net.addPod('b'), await net.addPod('c')];
  await Promise.all([standin(a), standin(b), standin(c)]);
  await net.partition(['a', 'b'], ['c']);
  const cut = await fetchFromPod(a, `http://${c.ip}:8080/alive`, 700);
  assert.deepEqual(cut, { ok: false, error: 'TimeoutError' }, 'a -> c must time out, not be refused');
  assert.equal((await fetchFromPod(c, `http://${b.ip}:8080/alive`, 700)).ok, false);
  assert.equal((await fetchFromPod(a, `http://${b.ip}:8080/alive`)).ok, true, 'same side still connected');
  assert.equal((await fetch(`http://${c.ip}:8080/alive`)).status, 200, 'the bridge (API server side) still reaches c');
  await net.heal();
  assert.equal((await fetchFromPod(a, `http://${c.ip}:8080/alive`)).ok, true);
  assert.equal((await fetchFromPod(c, `http://${a.ip}:8080/alive`)).ok, true);
  await net.setLink('b', false);
  assert.equal((await fetchFromPod(a, `http://${b.ip}:8080/alive`, 700)).ok, false);
  await net.setLink('b', true);
  assert.equal((await fetchFromPod(a, `http://${b.ip}:8080/alive`, 3000)).ok, true);
  await net.destroy();
});

test('addresses are handed out round robin: a freed one is reused only after the rest', () => {
  assert.equal(nextFreeHost(new Set(), 9), 10);
  assert.equal(nextFreeHost(new Set([10, 11]), 11), 12);
  assert.equal(nextFreeHost(new Set([11]), 11), 12, 'the freed .10 is not taken next');
  assert.equal(nextFreeHost(new Set([254, 10]), 253), 11, 'wraps around past .254');
  assert.throws(() => nextFreeHost(new Set(Array.from({ length: 245 }, (_, i) => i + 10)), 10), /subnet full/);
});

test('removePod kills processes in the pod; its address is not handed out again right away', { skip }, async () => {
  const net = await PodNetwork.create();
  networks.push(net);
  const a = await net.addPod('a');
  const child = a.spawn('sleep', ['60'], { stdio: 'ignore' });
  const exited = once(child, 'exit');
  await net.removePod('a');
  const [, signal] = await exited;
  assert.equal(signal, 'SIGKILL');
  const again = await net.addPod('a2');
  assert.notEqual(again.ip, a.ip);
  await net.destroy();
});

test('leftovers of a crashed run are removed at start; those of live runs are kept', { skip }, async () => {
  const dead = spawnSync('true').pid!;
  const tag = `mst${dead.toString(36)}-0`;
  execFileSync('ip', ['netns', 'add', `${tag}-x`]);
  execFileSync('ip', ['link', 'add', tag, 'type', 'bridge']);
  mkdirSync(join('/etc/netns', `${tag}-x`), { recursive: true });
  const lockDir = join(tmpdir(), 'muster-e2e');
  mkdirSync(lockDir, { recursive: true });
  writeFileSync(join(lockDir, 'subnet-stale-test'), String(dead));
  const live = await PodNetwork.create();
  networks.push(live);
  await live.addPod('keep');
  removeStaleNetworks();
  assert.doesNotMatch(nsList(), new RegExp(`${tag}-x`));
  assert.equal(existsSync(join('/etc/netns', `${tag}-x`)), false);
  assert.throws(() => execFileSync('ip', ['link', 'show', tag], { stdio: 'ignore' }));
  assert.equal(existsSync(join(lockDir, 'subnet-stale-test')), false);
  assert.match(nsList(), new RegExp(live.pod('keep').ns), 'own live namespace survives');
  await live.destroy();
});
