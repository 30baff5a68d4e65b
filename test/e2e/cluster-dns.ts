// Cluster DNS for namespace pods: a real dnsmasq in its own namespace ("kube-dns") on port 53, so
// pods use it through a Kubernetes-like /etc/resolv.conf. It serves, like CoreDNS does:
//   <svc>.<ns>.svc.<domain>                 A: every endpoint of the headless service
//   _<port>._<proto>.<svc>.<ns>.svc.<domain>  SRV: one record per endpoint, target
//                                            <a-b-c-d>.<svc>.<ns>.svc.<domain> (A in the additional section)
//   <a-b-c-d>.<ns>.pod.<domain>             A: each pod
// Everything under <domain> is answered locally (unknown names: NXDOMAIN); nothing is forwarded.
// dnsmasq re-reads hosts files on SIGHUP but not SRV records, so each change restarts it.
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import type { NetPod, PodNetwork } from './netns.js';

export interface ServicePort {
  name: string;
  port: number;
  protocol: 'tcp' | 'udp';
}

export interface HeadlessService {
  name: string;
  namespace: string;
  ports: ServicePort[];
}

export interface DnsState {
  /** Each headless service with the IPs of its endpoints. */
  services: { service: HeadlessService; endpoints: string[] }[];
  /** Pods that get a <a-b-c-d>.<ns>.pod.<domain> record. */
  pods: { ip: string; namespace: string }[];
}

export interface DnsAnswer {
  rcode: string;
  answers: dnsPacket.Answer[];
  additionals: dnsPacket.Answer[];
}

const dashed = (ip: string): string => ip.replace(/\./g, '-');

/** Pure: the addn-hosts file and the dnsmasq srv-host lines for a state. */
export function renderDnsState(state: DnsState, domain: string): { hosts: string; srvLines: string[] } {
  const names = new Map<string, Set<string>>();
  const add = (ip: string, name: string): void => {
    let s = names.get(ip);
    if (!s) names.set(ip, (s = new Set()));
    s.add(name);
  };
  const srvLines: string[] = [];
  for (const { service, endpoints } of state.services) {
    const base = `${service.name}.${service.namespace}.svc.${domain}`;
    for (const ip of endpoints) {
      add(ip, base);
      add(ip, `${dashed(ip)}.${base}`);
      for (const p of service.ports) srvLines.push(`srv-host=_${p.name}._${p.protocol}.${base},${dashed(ip)}.${base},${p.port}`);
    }
  }
  for (const pod of state.pods) add(pod.ip, `${dashed(pod.ip)}.${pod.namespace}.pod.${domain}`);
  const hosts = [...names].map(([ip, n]) => `${ip} ${[...n].join(' ')}`).join('\n') + '\n';
  return { hosts, srvLines };
}

export class ClusterDns {
  private child: ChildProcess | undefined;
  private readonly dir: string;
  private chain: Promise<void> = Promise.resolve();
  private stderr = '';

  private constructor(
    private readonly pod: NetPod,
    readonly domain: string,
    private readonly ttl: number,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'muster-e2e-dns-'));
    chmodSync(this.dir, 0o755);
  }

  /** Starts dnsmasq in a new pod named `kube-dns` on the network, with no records yet. */
  static async start(net: PodNetwork, options: { domain?: string; ttl?: number } = {}): Promise<ClusterDns> {
    const pod = await net.addPod('kube-dns');
    const dns = new ClusterDns(pod, options.domain ?? 'cluster.local', options.ttl ?? 1);
    await dns.update({ services: [], pods: [] });
    return dns;
  }

  get ip(): string {
    return this.pod.ip;
  }

  /** /etc/resolv.conf of a pod in `namespace`, as the kubelet writes it (ClusterFirst policy). */
  resolvConf(namespace: string): string {
    const d = this.domain;
    return `search ${namespace}.svc.${d} svc.${d} ${d}\nnameserver ${this.ip}\noptions ndots:5\n`;
  }

  /** Serves exactly this state once the returned promise resolves. Calls are applied in order. */
  update(state: DnsState): Promise<void> {
    const next = this.chain.then(() => this.apply(state));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Sends one query from the root namespace (tests use it to see what pods would see). */
  query(name: string, type: dnsPacket.RecordType, timeoutMs = 1000): Promise<DnsAnswer> {
    return new Promise((resolve, reject) => {
      const sock = createSocket('udp4');
      const id = Math.floor(Math.random() * 65535);
      const timer = setTimeout(() => {
        sock.close();
        reject(new Error(`DNS query ${name} ${type} timed out`));
      }, timeoutMs);
      sock.on('error', (err) => {
        clearTimeout(timer);
        sock.close();
        reject(err);
      });
      sock.on('message', (msg) => {
        const r = dnsPacket.decode(msg);
        if (r.id !== id) return;
        clearTimeout(timer);
        sock.close();
        resolve({ rcode: (r as { rcode?: string }).rcode ?? 'NOERROR', answers: r.answers ?? [], additionals: r.additionals ?? [] });
      });
      sock.send(dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] }), 53, this.ip);
    });
  }

  async stop(): Promise<void> {
    await this.chain;
    await this.stopProcess();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async apply(state: DnsState): Promise<void> {
    const { hosts, srvLines } = renderDnsState(state, this.domain);
    writeFileSync(join(this.dir, 'hosts'), hosts);
    writeFileSync(join(this.dir, 'dnsmasq.conf'), srvLines.join('\n') + '\n');
    await this.stopProcess();
    this.stderr = '';
    const child = this.pod.spawn(
      'dnsmasq',
      [
        '--keep-in-foreground',
        `--conf-file=${join(this.dir, 'dnsmasq.conf')}`,
        `--addn-hosts=${join(this.dir, 'hosts')}`,
        '--no-resolv',
        '--no-hosts',
        '--no-negcache',
        `--local=/${this.domain}/`,
        `--local-ttl=${this.ttl}`,
        `--listen-address=${this.ip}`,
        '--bind-interfaces',
        '--port=53',
        '--pid-file=',
        '--log-facility=-',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr?.on('data', (c: Buffer) => (this.stderr = (this.stderr + c.toString()).slice(-4000)));
    this.child = child;
    const deadline = Date.now() + 5000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`dnsmasq exited (${child.exitCode}): ${this.stderr}`);
      try {
        await this.query(`probe.${this.domain}`, 'A', 200);
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`dnsmasq not answering: ${(err as Error).message} ${this.stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  private async stopProcess(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
}
