// Real DNS servers for tests, all on loopback:
//  - startDnsmasq(): a real dnsmasq process on its own 127.x.y.z address and a free port, serving A/AAAA
//    (from an addn-hosts file, changeable live with setHosts() + SIGHUP), SRV (--srv-host) and
//    single-address host records (--host-record, which dnsmasq also puts in SRV additional sections).
//    Names under the configured local zones that have no record get NXDOMAIN.
//    Change SRV records with restart({...}).
//  - silentNameserver(): a UDP socket that reads queries and never answers (timeouts).
//  - scriptedNameserver(): answers each query with bytes from a function (garbage, wrong ids, ...).
// Shaped like a Kubernetes headless service: `kubernetesHeadlessRecords()` builds the records.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import dnsPacket from 'dns-packet';
import { freePort } from './net.js';

export interface SrvRecord {
  readonly name: string;
  readonly target: string;
  readonly port: number;
  readonly priority?: number;
  readonly weight?: number;
}

export interface DnsRecords {
  /** name -> IPv4/IPv6 addresses (served from the addn-hosts file; many per name allowed). */
  readonly hosts?: Readonly<Record<string, readonly string[]>>;
  readonly srv?: readonly SrvRecord[];
  /** name -> [ipv4?, ipv6?] via --host-record (one address per family). */
  readonly hostRecords?: Readonly<Record<string, { readonly ipv4?: string; readonly ipv6?: string }>>;
  /** Zones answered only locally: unknown names in them get NXDOMAIN. */
  readonly localZones?: readonly string[];
  /** TTL of every local answer, seconds (dnsmasq --local-ttl). */
  readonly ttl?: number;
}

/** A random 127.x.y.z address (x in 100..199) so parallel test processes do not collide. */
export function randomLoopback(): string {
  const r = () => Math.floor(Math.random() * 250) + 2;
  return `127.${100 + Math.floor(Math.random() * 100)}.${r()}.${r()}`;
}

export class Dnsmasq {
  private child: ChildProcess | undefined;
  private readonly dir: string;
  private readonly hostsFile: string;
  private stderr = '';

  private constructor(
    readonly host: string,
    readonly port: number,
    private records: DnsRecords,
  ) {
    this.dir = mkdtempSync(path.join(tmpdir(), 'muster-dnsmasq-'));
    chmodSync(this.dir, 0o755);
    this.hostsFile = path.join(this.dir, 'hosts');
  }

  /** `ip:port` as pekko.io.dns.async-dns.nameservers takes it. */
  get nameserver(): string {
    return `${this.host}:${this.port}`;
  }

  static async start(records: DnsRecords, host = randomLoopback()): Promise<Dnsmasq> {
    const d = new Dnsmasq(host, await freePort(host), records);
    await d.launch();
    return d;
  }

  /** Replaces the addn-hosts entries and makes dnsmasq re-read them (SIGHUP). */
  async setHosts(hosts: Readonly<Record<string, readonly string[]>>): Promise<void> {
    this.records = { ...this.records, hosts };
    this.writeHosts();
    this.child?.kill('SIGHUP');
    // dnsmasq re-reads synchronously on the signal; one answered query proves it has handled it.
    await waitUntilAnswering(this.host, this.port, 5000);
  }

  /** Restarts with new records (needed for SRV and host-record changes). */
  async restart(records: DnsRecords): Promise<void> {
    await this.stopProcess();
    this.records = records;
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.stopProcess();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private writeHosts(): void {
    const lines: string[] = [];
    for (const [name, ips] of Object.entries(this.records.hosts ?? {})) for (const ip of ips) lines.push(`${ip} ${name}`);
    writeFileSync(this.hostsFile, `${lines.join('\n')}\n`, { mode: 0o644 });
  }

  private async launch(): Promise<void> {
    this.writeHosts();
    const r = this.records;
    const args = [
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--no-resolv',
      '--no-hosts',
      '--no-negcache',
      `--user=${userInfo().username}`,
      '--pid-file=',
      `--port=${this.port}`,
      `--listen-address=${this.host}`,
      '--bind-interfaces',
      `--addn-hosts=${this.hostsFile}`,
      `--local-ttl=${r.ttl ?? 0}`,
      '--log-facility=-',
      ...(r.localZones ?? []).map((z) => `--local=/${z}/`),
      ...(r.srv ?? []).map((s) => `--srv-host=${s.name},${s.target},${s.port},${s.priority ?? 0},${s.weight ?? 0}`),
      ...Object.entries(r.hostRecords ?? {}).map(
        ([name, a]) => `--host-record=${[name, a.ipv4, a.ipv6].filter((x) => x !== undefined).join(',')}`,
      ),
    ];
    const child = spawn('dnsmasq', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.stderr?.on('data', (c: Buffer) => {
      this.stderr = (this.stderr + c.toString()).slice(-4000);
    });
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`dnsmasq exited with ${code}: ${this.stderr}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([waitUntilAnswering(this.host, this.port, 10_000), exited]);
  }

  private async stopProcess(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

export function startDnsmasq(records: DnsRecords, host?: string): Promise<Dnsmasq> {
  return Dnsmasq.start(records, host);
}

/**
 * Records of a headless Service `name` in namespace `ns` (cluster.local) with one pod per IP:
 * A/AAAA for the service name, SRV `_management._tcp` and `_remoting._tcp` to per-pod names, and a
 * host-record per pod so the SRV answer carries additional A records.
 */
export function kubernetesHeadlessRecords(
  name: string,
  ns: string,
  pods: readonly { ip: string; ipv6?: string }[],
  ports: Readonly<Record<string, number>> = { management: 7626, remoting: 17355 },
): DnsRecords {
  const svc = `${name}.${ns}.svc.cluster.local`;
  const podName = (ip: string) => `${ip.replace(/[.:]/g, '-')}.${svc}`;
  return {
    hosts: { [svc]: pods.flatMap((p) => (p.ipv6 ? [p.ip, p.ipv6] : [p.ip])) },
    srv: Object.entries(ports).flatMap(([portName, port]) =>
      pods.map((p) => ({ name: `_${portName}._tcp.${svc}`, target: podName(p.ip), port, priority: 0, weight: 50 })),
    ),
    hostRecords: Object.fromEntries(pods.map((p) => [podName(p.ip), { ipv4: p.ip, ...(p.ipv6 ? { ipv6: p.ipv6 } : {}) }])),
    localZones: ['cluster.local'],
  };
}

async function waitUntilAnswering(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await answersProbe(host, port)) return;
    if (Date.now() > deadline) throw new Error(`dnsmasq on ${host}:${port} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function answersProbe(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      s.close();
      resolve(false);
    }, 200);
    s.on('message', () => {
      clearTimeout(timer);
      s.close();
      resolve(true);
    });
    s.on('error', () => {
      clearTimeout(timer);
      s.close();
      resolve(false);
    });
    s.send(
      dnsPacket.encode({ type: 'query', id: 1, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: 'probe.invalid' }] }),
      port,
      host,
    );
  });
}

export interface TestNameserver {
  readonly host: string;
  readonly port: number;
  readonly nameserver: string;
  /** Queries received so far. */
  readonly received: () => number;
  close(): Promise<void>;
}

async function udpServer(host: string, onQuery: (socket: Socket, msg: Buffer, rinfo: { address: string; port: number }) => void): Promise<TestNameserver> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  let count = 0;
  socket.on('message', (msg, rinfo) => {
    count++;
    onQuery(socket, msg, rinfo);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => resolve());
  });
  const port = socket.address().port;
  return {
    host,
    port,
    nameserver: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
    received: () => count,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** Reads every query and never answers. */
export function silentNameserver(host = randomLoopback()): Promise<TestNameserver> {
  return udpServer(host, () => undefined);
}

/** Answers each query with `reply(query)`; the query is passed raw so replies can echo or corrupt it. */
export function scriptedNameserver(reply: (query: Buffer) => Buffer, host = randomLoopback()): Promise<TestNameserver> {
  return udpServer(host, (socket, msg, rinfo) => socket.send(reply(msg), rinfo.port, rinfo.address));
}
