// Pods on one machine: each pod is a network namespace with its own IPv4 address on a bridge that
// this module creates. Only addresses inside our own /24 are ever used, and nothing is routed
// beyond the bridge (no forwarding, no NAT), so test traffic never leaves the namespaces we made.
//
// Names carry the owning process id (base 36) so a later run can remove what a crashed run left:
//   bridge   mst<pid>-<seq>            host-side veth  mst<pid>-<seq>-<n>
//   netns    mst<pid>-<seq>-<pod>      /etc/netns/<netns>/{resolv.conf,hosts,hostname} (bind-mounted by `ip netns exec`)
// Processes also get their own UTS namespace with the pod's host name, which resolves to the pod IP.
//   subnet lock  <tmp>/muster-e2e/subnet-<N> holding the owner pid
import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** Second octet of the 10.x range the harness uses; the third octet is picked per network. */
const SUBNET_BASE = '10.213';
const LOCK_DIR = join(tmpdir(), 'muster-e2e');
const NAME_RE = /^mst([0-9a-z]+)-[0-9a-z]+(?:-.+)?$/;
/** Locally administered MAC that no interface owns: frames sent to it are silently dropped. */
const DROP_MAC = '02:4d:00:00:00:01';

/** Why namespace tests cannot run here, or undefined when they can. */
export function netnsUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'network-namespace tests need root (ip netns, veth, bridge); run as root to include them';
  }
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'the `ip` command (Debian package iproute2) is not installed';
  }
  return undefined;
}

/** Why one-way blocks cannot be made here (they need iptables), or undefined when they can. */
export function iptablesUnavailableReason(): string | undefined {
  const netns = netnsUnavailableReason();
  if (netns) return netns;
  try {
    execFileSync('iptables', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'the `iptables` command (Debian package iptables) is not installed';
  }
  return undefined;
}

export async function ip(args: string[], input?: string): Promise<string> {
  if (input === undefined) {
    const { stdout } = await execFileP('ip', args);
    return stdout;
  }
  return new Promise((resolve, reject) => {
    const child = execFile('ip', args, (err, stdout, stderr) => {
      if (err) reject(new Error(`ip ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
    child.stdin?.end(input);
  });
}

function ipSyncQuiet(args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: 'ignore' });
  } catch {
    // cleanup is best effort: the object may already be gone
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ownerPid(name: string): number | undefined {
  const m = NAME_RE.exec(name);
  return m ? parseInt(m[1]!, 36) : undefined;
}

function killNamespaceProcesses(ns: string): void {
  let out = '';
  try {
    out = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return;
  }
  for (const line of out.split('\n')) {
    const pid = Number(line.trim());
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already exited
      }
    }
  }
}

/**
 * Removes namespaces, bridges, /etc/netns entries and subnet locks left by harness processes that
 * no longer exist. Objects of live processes (other test files running now) are left alone.
 */
export function removeStaleNetworks(): void {
  const dead = (name: string): boolean => {
    const pid = ownerPid(name);
    return pid !== undefined && pid !== process.pid && !pidAlive(pid);
  };
  let nsList = '';
  try {
    nsList = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    nsList = '';
  }
  for (const line of nsList.split('\n')) {
    const ns = line.split(' ')[0]?.trim();
    if (ns && dead(ns)) {
      killNamespaceProcesses(ns);
      ipSyncQuiet(['netns', 'del', ns]);
    }
  }
  if (existsSync('/etc/netns')) {
    for (const ns of readdirSync('/etc/netns')) {
      if (dead(ns)) rmSync(join('/etc/netns', ns), { recursive: true, force: true });
    }
  }
  let links: Array<{ ifname: string }> = [];
  try {
    links = JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as Array<{ ifname: string }>;
  } catch {
    links = [];
  }
  for (const { ifname } of links) {
    if (ifname.startsWith('mst') && dead(ifname)) ipSyncQuiet(['link', 'del', ifname]);
  }
  if (existsSync(LOCK_DIR)) {
    for (const f of readdirSync(LOCK_DIR)) {
      const path = join(LOCK_DIR, f);
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (!(pid > 0) || (pid !== process.pid && !pidAlive(pid))) rmSync(path, { force: true });
    }
  }
}

/** Pod addresses are .10 to .254; .1 is the bridge. */
const FIRST_HOST = 10;
const LAST_HOST = 254;

/**
 * Pure: the next free host number after `last`, wrapping around, like the host-local IPAM plugin:
 * a freed address is reused only after the others, never right away.
 */
export function nextFreeHost(inUse: ReadonlySet<number>, last: number): number {
  const span = LAST_HOST - FIRST_HOST + 1;
  for (let i = 1; i <= span; i++) {
    const candidate = FIRST_HOST + ((last - FIRST_HOST + i + span) % span);
    if (!inUse.has(candidate)) return candidate;
  }
  throw new Error('subnet full');
}

interface RouteEntry {
  dst: string;
}

function ipv4ToInt(a: string): number {
  return a.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

function overlaps(aNet: number, aLen: number, bNet: number, bLen: number): boolean {
  const len = Math.min(aLen, bLen);
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return ((aNet & mask) >>> 0) === ((bNet & mask) >>> 0);
}

/** Third octets already covered by a non-default host route (never reuse a range the host knows). */
function octetsInUse(): Set<number> {
  const routes = JSON.parse(execFileSync('ip', ['-j', '-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' })) as RouteEntry[];
  const used = new Set<number>();
  for (const r of routes) {
    if (!r.dst || r.dst === 'default') continue;
    const [addr, lenText] = r.dst.split('/');
    if (!addr || !/^\d+\.\d+\.\d+\.\d+$/.test(addr)) continue;
    const len = lenText === undefined ? 32 : Number(lenText);
    for (let n = 0; n < 256; n++) {
      if (overlaps(ipv4ToInt(`${SUBNET_BASE}.${n}.0`), 24, ipv4ToInt(addr), len)) used.add(n);
    }
  }
  return used;
}

function lockSubnet(): number {
  mkdirSync(LOCK_DIR, { recursive: true });
  const used = octetsInUse();
  const start = process.pid % 256;
  for (let i = 0; i < 256; i++) {
    const n = (start + i) % 256;
    if (used.has(n)) continue;
    try {
      const fd = openSync(join(LOCK_DIR, `subnet-${n}`), 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return n;
    } catch {
      // taken by another live run
    }
  }
  throw new Error(`no free ${SUBNET_BASE}.N.0/24 test subnet`);
}

export interface NetPod {
  readonly name: string;
  /** Network namespace name (for `ip netns exec`). */
  readonly ns: string;
  readonly ip: string;
  /** Starts a process inside the pod's namespace; `ip netns exec` execs it, so child.pid is the process. */
  spawn(command: string, args: string[], options?: SpawnOptions): ChildProcess;
  /** Runs a command to completion inside the namespace. */
  exec(command: string, args: string[], options?: { env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

export interface AddPodOptions {
  /** Content of /etc/resolv.conf as seen by processes in this pod. */
  resolvConf?: string;
  /** The pod's host name (default: the pod name, as Kubernetes sets it); /etc/hosts maps it to the pod IP. */
  hostname?: string;
}

/** Runs the command in a new UTS namespace whose host name is set first (util-linux unshare). */
function utsPrefix(hostname: string): string[] {
  return ['unshare', '--uts', 'sh', '-c', 'echo "$0" > /proc/sys/kernel/hostname && exec "$@"', hostname];
}

interface PodEntry extends NetPod {
  hostVeth: string;
  linkUp: boolean;
  /** Processes started through spawn(); killed by pid too, since one may not have entered the namespace yet. */
  children: Set<ChildProcess>;
}

function killPod(p: PodEntry): void {
  for (const c of p.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  killNamespaceProcesses(p.ns);
}

let sequence = 0;
const liveNetworks = new Set<PodNetwork>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const n of liveNetworks) n.destroySync();
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const n of liveNetworks) n.destroySync();
      process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
    });
  }
}

/** One bridge with one /24, and the pods attached to it. */
export class PodNetwork {
  readonly bridge: string;
  /** Address of the bridge in the root namespace: the place for test servers pods must reach. */
  readonly gatewayIp: string;
  readonly prefix: string;
  private readonly pods = new Map<string, PodEntry>();
  private lastHost = FIRST_HOST - 1;
  private vethSeq = 0;
  private readonly cut = new Set<string>();
  /** One-way iptables drops, `from|to`. */
  private readonly blocked = new Set<string>();
  private destroyed = false;

  private constructor(
    private readonly octet: number,
    private readonly tag: string,
  ) {
    this.prefix = `${SUBNET_BASE}.${octet}`;
    this.bridge = tag;
    this.gatewayIp = `${this.prefix}.1`;
  }

  /** Removes stale leftovers of crashed runs, then creates a fresh bridge on a free /24. */
  static async create(): Promise<PodNetwork> {
    const reason = netnsUnavailableReason();
    if (reason) throw new Error(reason);
    removeStaleNetworks();
    installExitHook();
    const octet = lockSubnet();
    const net = new PodNetwork(octet, `mst${process.pid.toString(36)}-${(sequence++).toString(36)}`);
    liveNetworks.add(net);
    try {
      await ip(['link', 'add', net.bridge, 'type', 'bridge']);
      await ip(['addr', 'add', `${net.gatewayIp}/24`, 'dev', net.bridge]);
      await ip(['link', 'set', net.bridge, 'up']);
    } catch (err) {
      net.destroySync();
      throw err;
    }
    return net;
  }

  get subnetCidr(): string {
    return `${this.prefix}.0/24`;
  }

  pod(name: string): NetPod {
    const p = this.pods.get(name);
    if (!p) throw new Error(`no pod ${name}`);
    return p;
  }

  podNames(): string[] {
    return [...this.pods.keys()];
  }

  /** Creates the namespace, a veth pair into the bridge, the pod address and loopback. */
  async addPod(name: string, options: AddPodOptions = {}): Promise<NetPod> {
    if (this.destroyed) throw new Error('network destroyed');
    if (this.pods.has(name)) throw new Error(`pod ${name} exists`);
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) throw new Error(`bad pod name ${name}`);
    const host = nextFreeHost(new Set([...this.pods.values()].map((p) => Number(p.ip.split('.')[3]))), this.lastHost);
    this.lastHost = host;
    const podIp = `${this.prefix}.${host}`;
    const ns = `${this.tag}-${name}`;
    const hostVeth = `${this.tag}-${(this.vethSeq++).toString(36)}`;
    // A MAC derived from the IP keeps other pods' neighbour caches right when an IP is reused.
    const mac = `02:4d:${podIp.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join(':')}`;
    const dir = join('/etc/netns', ns);
    mkdirSync(dir, { recursive: true });
    const hostname = options.hostname ?? name;
    writeFileSync(join(dir, 'resolv.conf'), options.resolvConf ?? '');
    writeFileSync(join(dir, 'hostname'), `${hostname}\n`);
    // As the kubelet writes it: the pod's host name resolves to the pod IP.
    writeFileSync(join(dir, 'hosts'), `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${podIp}\t${hostname}\n`);
    const entry: PodEntry = {
      name,
      ns,
      ip: podIp,
      hostVeth,
      linkUp: true,
      children: new Set(),
      spawn: (command, args, opts = {}) => {
        // Own UTS namespace with the pod's host name; every step execs, so child.pid is the process.
        const child = spawn('ip', ['netns', 'exec', ns, ...utsPrefix(hostname), command, ...args], opts);
        entry.children.add(child);
        child.once('exit', () => entry.children.delete(child));
        return child;
      },
      exec: (command, args, opts = {}) =>
        new Promise((resolve) => {
          execFile(
            'ip',
            ['netns', 'exec', ns, ...utsPrefix(hostname), command, ...args],
            { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 10_000 },
            (err, stdout, stderr) => {
              const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
              resolve({ code, stdout, stderr });
            },
          );
        }),
    };
    this.pods.set(name, entry);
    try {
      await ip(['netns', 'add', ns]);
      await ip(['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await ip(['link', 'set', hostVeth, 'master', this.bridge, 'up']);
      await ip(
        ['-n', ns, '-batch', '-'],
        [
          `link set eth0 address ${mac}`,
          `addr add ${podIp}/24 dev eth0`,
          'link set eth0 up',
          'link set lo up',
        ].join('\n') + '\n',
      );
    } catch (err) {
      await this.removePod(name);
      throw err;
    }
    return entry;
  }

  /** Kills whatever still runs in the pod, then deletes its namespace (which deletes the veth). */
  async removePod(name: string): Promise<void> {
    const p = this.pods.get(name);
    if (!p) return;
    this.pods.delete(name);
    for (const key of [...this.cut]) if (key.split('|').includes(name)) this.cut.delete(key);
    for (const key of [...this.blocked]) if (key.split('|').includes(name)) this.blocked.delete(key);
    killPod(p);
    ipSyncQuiet(['netns', 'del', p.ns]);
    ipSyncQuiet(['link', 'del', p.hostVeth]);
    rmSync(join('/etc/netns', p.ns), { recursive: true, force: true });
  }

  /**
   * Cuts every link between a pod of sideA and a pod of sideB, both directions. Packets are dropped
   * silently (a permanent neighbour entry to a MAC nobody owns), as in a real partition: no
   * connection-refused shortcut, established TCP connections just stop.
   */
  async partition(sideA: string[], sideB: string[]): Promise<void> {
    for (const a of sideA) {
      for (const b of sideB) {
        if (a === b) throw new Error(`pod ${a} on both sides`);
        await this.setPeerDrop(a, b, true);
        await this.setPeerDrop(b, a, true);
      }
    }
  }

  /**
   * Drops packets from one pod to another only (iptables INPUT rule in the receiver's namespace);
   * the other direction still flows, so the receiver's TCP answers reach a sender whose own packets
   * are lost. heal() removes it.
   */
  async block(from: string, to: string): Promise<void> {
    const src = this.pods.get(from);
    const dst = this.pods.get(to);
    if (!src || !dst) throw new Error(`unknown pod ${src ? to : from}`);
    await execFileP('ip', ['netns', 'exec', dst.ns, 'iptables', '-w', '-A', 'INPUT', '-s', src.ip, '-j', 'DROP']);
    this.blocked.add(`${from}|${to}`);
  }

  /** Restores every link cut by partition() and every one-way block(). */
  async heal(): Promise<void> {
    for (const key of [...this.cut]) {
      const [from, to] = key.split('|') as [string, string];
      await this.setPeerDrop(from, to, false);
    }
    for (const key of [...this.blocked]) {
      const [from, to] = key.split('|') as [string, string];
      this.blocked.delete(key);
      const src = this.pods.get(from);
      const dst = this.pods.get(to);
      if (src && dst) await execFileP('ip', ['netns', 'exec', dst.ns, 'iptables', '-w', '-D', 'INPUT', '-s', src.ip, '-j', 'DROP']).catch(() => undefined);
    }
  }

  private async setPeerDrop(from: string, to: string, drop: boolean): Promise<void> {
    const src = this.pods.get(from);
    const dst = this.pods.get(to);
    if (!src || !dst) throw new Error(`unknown pod ${src ? to : from}`);
    const key = `${from}|${to}`;
    if (drop) {
      await ip(['-n', src.ns, 'neigh', 'replace', dst.ip, 'lladdr', DROP_MAC, 'nud', 'permanent', 'dev', 'eth0']);
      this.cut.add(key);
    } else {
      this.cut.delete(key);
      await ip(['-n', src.ns, 'neigh', 'del', dst.ip, 'dev', 'eth0']).catch(() => undefined);
    }
  }

  /** Takes a pod's only interface down (isolates it from everything) or brings it back. */
  async setLink(name: string, up: boolean): Promise<void> {
    const p = this.pods.get(name);
    if (!p) throw new Error(`no pod ${name}`);
    await ip(['-n', p.ns, 'link', 'set', 'eth0', up ? 'up' : 'down']);
    p.linkUp = up;
  }

  async destroy(): Promise<void> {
    this.destroySync();
  }

  /** Synchronous so it can run from a process 'exit' handler. Idempotent. */
  destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const p of this.pods.values()) {
      killPod(p);
      ipSyncQuiet(['netns', 'del', p.ns]);
      ipSyncQuiet(['link', 'del', p.hostVeth]);
      rmSync(join('/etc/netns', p.ns), { recursive: true, force: true });
    }
    this.pods.clear();
    ipSyncQuiet(['link', 'del', this.bridge]);
    rmSync(join(LOCK_DIR, `subnet-${this.octet}`), { force: true });
    liveNetworks.delete(this);
  }
}
