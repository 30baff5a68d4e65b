// A small controller that plays Deployment + ReplicaSet + kubelet for namespace pods:
//  - keeps `replicas` pods of the current template; a new template rolls out with maxSurge /
//    maxUnavailable the way the Deployment controller computes them (terminating pods do not count);
//  - starts each pod's process in its own namespace, restarts it when it dies (restartPolicy Always);
//  - probes readiness (and liveness, restarting the container) over HTTP from the root namespace;
//  - deletes pods gracefully: deletionTimestamp, SIGTERM, SIGKILL after the grace period;
//  - reflects every change into the API server (phase, podIP, labels, container ports and states,
//    Ready condition, deletionTimestamp) and into cluster DNS (publishNotReadyAddresses endpoints);
//  - records for every pod when it first became Ready, and its own membership status right then;
//  - scales old pods down in the ReplicaSet's order: not Ready first, then the lower
//    controller.kubernetes.io/pod-deletion-cost (read back from the API server, where pods may
//    annotate themselves), then by ready time: exactly (most recently Ready first), or as
//    Kubernetes >= 1.22 does (LogarithmicScaleDown: ready ages compared in powers of two, ties
//    broken at random by UID).
import { request } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { NetPod, PodNetwork } from './netns.js';
import type { K8sObject, KubeApi } from './kube-api.js';
import type { ClusterDns, HeadlessService } from './cluster-dns.js';

export interface ContainerPort {
  name?: string;
  containerPort: number;
}

export interface Probe {
  port: number;
  path: string;
  periodMs: number;
  timeoutMs: number;
  failureThreshold: number;
  successThreshold: number;
}

export interface PodContext {
  name: string;
  ip: string;
  namespace: string;
  labels: Record<string, string>;
}

export interface PodTemplate {
  /** Plays pod-template-hash: pods of another revision are old during a rollout. */
  revision: string;
  labels: Record<string, string>;
  containerName: string;
  ports: ContainerPort[];
  readiness: Probe;
  /** When it fails failureThreshold times in a row the container is killed (grace period) and restarted. */
  liveness?: Probe & { initialDelayMs: number };
  terminationGracePeriodMs: number;
  /** Time between getting the pod IP and starting the process (image pull, scheduling jitter). */
  startDelayMs?: () => number;
  /** Delay before restarting a container that exited (kubelet back-off, kept short). */
  restartDelayMs?: number;
  /** The container's process; KUBERNETES_SERVICE_HOST/PORT and HOSTNAME are added to env. */
  command(pod: PodContext): { command: string; args: string[]; env: Record<string, string> };
}

export interface DeploymentOptions {
  name: string;
  namespace: string;
  replicas: number;
  maxSurge: number;
  maxUnavailable: number;
  template: PodTemplate;
  net: PodNetwork;
  api: KubeApi;
  dns?: ClusterDns;
  /** The headless service whose endpoints (all pods with an IP, ready or not) DNS publishes. */
  service?: HeadlessService;
  /** Where each pod's output goes (one file per pod). */
  logDir: string;
  /** Path of the membership view on the readiness port; read right after a pod first turns Ready. */
  membersPath?: string;
  /**
   * Kubernetes' LogarithmicScaleDown ranking; `agedMs` is added to every ready age, as if the
   * rollout happened that long after the pods became Ready (days, in practice: then all old pods
   * share a bucket and the pod-deletion-cost decides, or chance).
   */
  logarithmicScaleDown?: { agedMs: number };
  reconcileIntervalMs?: number;
}

export type ContainerState = 'waiting' | 'running' | 'terminated';

/** Everything the harness remembers about a pod, kept after the pod is gone. */
export interface PodRecord {
  name: string;
  uid: string;
  revision: string;
  ip?: string;
  createdAt: number;
  startedAt?: number;
  firstReadyAt?: number;
  /** This pod's own status in its /cluster/members view, read right after it first turned Ready. */
  statusAtFirstReady?: string;
  selfNodeAtFirstReady?: string;
  /** Every not-Ready -> Ready transition (restarted containers turn Ready again), with the status read then. */
  readyTransitions: { at: number; status: string }[];
  deletionRequestedAt?: number;
  goneAt?: number;
  restarts: number;
  exits: { code: number | null; signal: NodeJS.Signals | null; at: number }[];
  /** Set when the grace period ran out and the process had to be SIGKILLed. */
  killedAfterGrace?: boolean;
}

interface LivePod {
  record: PodRecord;
  template: PodTemplate;
  net?: NetPod;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  container: ContainerState;
  waitingReason?: string;
  process?: ChildProcess;
  ready: boolean;
  successes: number;
  failures: number;
  livenessFailures: number;
  /** When the current container process was started (liveness initial delay counts from here). */
  containerStartedAt: number;
  terminating: boolean;
  probeTimer?: NodeJS.Timeout;
  restartTimer?: NodeJS.Timeout;
  log?: WriteStream;
}

export class Deployment {
  readonly records: PodRecord[] = [];
  private readonly live = new Map<string, LivePod>();
  private template: PodTemplate;
  private replicas: number;
  private timer: NodeJS.Timeout | undefined;
  private reconciling = false;
  private stopped = false;
  private readonly pending = new Set<Promise<unknown>>();
  private dnsDirty = false;
  private dnsFlush: Promise<void> | undefined;

  constructor(private readonly o: DeploymentOptions) {
    this.template = o.template;
    this.replicas = o.replicas;
    mkdirSync(o.logDir, { recursive: true });
  }

  start(): void {
    this.timer = setInterval(() => void this.reconcile(), this.o.reconcileIntervalMs ?? 100);
    void this.reconcile();
  }

  get currentTemplate(): PodTemplate {
    return this.template;
  }

  get desiredReplicas(): number {
    return this.replicas;
  }

  scale(replicas: number): void {
    this.replicas = replicas;
  }

  /** Starts a rolling update to the given template. */
  rollout(template: PodTemplate): void {
    this.template = template;
  }

  /** Pods that exist now (including terminating ones), oldest first. */
  pods(): Array<{ name: string; ip?: string; ready: boolean; terminating: boolean; revision: string; running: boolean }> {
    return [...this.live.values()].map((p) => ({
      name: p.record.name,
      ip: p.record.ip,
      ready: p.ready,
      terminating: p.terminating,
      revision: p.template.revision,
      running: p.container === 'running',
    }));
  }

  netPod(name: string): NetPod {
    const p = this.live.get(name)?.net;
    if (!p) throw new Error(`pod ${name} has no network`);
    return p;
  }

  record(name: string): PodRecord | undefined {
    return this.records.find((r) => r.name === name);
  }

  /** True when the rollout is complete: `replicas` pods, all of the current revision, all Ready, none terminating. */
  isSettled(): boolean {
    const all = [...this.live.values()];
    return (
      all.length === this.replicas &&
      all.every((p) => !p.terminating && p.ready && p.template.revision === this.template.revision)
    );
  }

  async waitSettled(timeoutMs: number): Promise<void> {
    await waitFor(() => this.isSettled(), timeoutMs, () => `deployment not settled: ${JSON.stringify(this.pods())}`);
  }

  /** Signals a pod's container process (the container dies; the kubelet restarts it). */
  signalContainer(name: string, signal: NodeJS.Signals): void {
    const p = this.live.get(name);
    if (!p?.process) throw new Error(`pod ${name} has no running process`);
    p.process.kill(signal);
  }

  /** `kubectl delete pod`: graceful termination; the ReplicaSet then replaces it. */
  deletePod(name: string): void {
    const p = this.live.get(name);
    if (p && !p.terminating) this.track(this.terminate(p));
  }

  /** Deletes every pod at once (SIGKILL, no grace) and stops the controller. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const p of this.live.values()) {
      p.terminating = true;
      clearTimeout(p.probeTimer);
      clearTimeout(p.restartTimer);
      p.process?.kill('SIGKILL');
    }
    await Promise.allSettled([...this.pending]);
    for (const p of [...this.live.values()]) await this.remove(p);
  }

  private track(pr: Promise<unknown>): void {
    this.pending.add(pr);
    void pr.finally(() => this.pending.delete(pr));
  }

  private async reconcile(): Promise<void> {
    if (this.reconciling || this.stopped) return;
    this.reconciling = true;
    try {
      const plan = planReplicaChanges(
        [...this.live.values()].map((p) => ({
          name: p.record.name,
          revision: p.template.revision,
          ready: p.ready,
          terminating: p.terminating,
          createdAt: p.record.createdAt,
          firstReadyAt: p.record.firstReadyAt,
          deletionCost: deletionCostOf(this.o.api.podAnnotations(p.record.name)),
          uid: p.record.uid,
        })),
        {
          replicas: this.replicas,
          maxSurge: this.o.maxSurge,
          maxUnavailable: this.o.maxUnavailable,
          revision: this.template.revision,
          ...(this.o.logarithmicScaleDown ? { logarithmic: { now: Date.now() + this.o.logarithmicScaleDown.agedMs } } : {}),
        },
      );
      for (let i = 0; i < plan.create; i++) this.track(this.createPod(this.template));
      for (const name of plan.delete) this.deletePod(name);
      this.publishReplicaSets(new Set(plan.delete));
    } finally {
      this.reconciling = false;
    }
  }

  /** The ReplicaSet objects pods point at (ownerReferences): spec.replicas as a Deployment sets them. */
  private publishReplicaSets(deleting: ReadonlySet<string>): void {
    const counts = new Map<string, number>([[this.template.revision, this.replicas]]);
    for (const p of this.live.values()) {
      const rev = p.template.revision;
      if (rev !== this.template.revision && !p.terminating && !deleting.has(p.record.name)) counts.set(rev, (counts.get(rev) ?? 0) + 1);
    }
    for (const [rev, replicas] of counts) {
      this.o.api.server.put('apps/v1/replicasets', this.o.namespace, { metadata: { name: `${this.o.name}-${rev}` }, spec: { replicas } });
    }
  }

  private async createPod(template: PodTemplate): Promise<void> {
    const name = `${this.o.name}-${template.revision}-${randomBytes(3).toString('hex')}`;
    const record: PodRecord = { name, uid: randomUUID(), revision: template.revision, createdAt: Date.now(), restarts: 0, exits: [], readyTransitions: [] };
    this.records.push(record);
    const pod: LivePod = { record, template, phase: 'Pending', container: 'waiting', waitingReason: 'ContainerCreating', ready: false, successes: 0, failures: 0, livenessFailures: 0, containerStartedAt: 0, terminating: false };
    this.live.set(name, pod);
    this.publish(pod);
    pod.net = await this.o.net.addPod(name, { resolvConf: this.o.dns?.resolvConf(this.o.namespace) ?? '', hostname: name });
    record.ip = pod.net.ip;
    pod.log = createWriteStream(join(this.o.logDir, `${name}.log`));
    this.publish(pod);
    await this.syncDns();
    const delay = template.startDelayMs?.() ?? 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (pod.terminating || this.stopped) return;
    this.startContainer(pod);
    this.scheduleProbe(pod);
  }

  private context(pod: LivePod): PodContext {
    return { name: pod.record.name, ip: pod.record.ip!, namespace: this.o.namespace, labels: pod.template.labels };
  }

  private startContainer(pod: LivePod): void {
    const { command, args, env } = pod.template.command(this.context(pod));
    const child = pod.net!.spawn(command, args, {
      env: { ...process.env, ...env, ...this.o.api.env(), HOSTNAME: pod.record.name },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(pod.log!, { end: false });
    child.stderr?.pipe(pod.log!, { end: false });
    pod.process = child;
    pod.phase = 'Running';
    pod.container = 'running';
    pod.waitingReason = undefined;
    pod.containerStartedAt = Date.now();
    pod.livenessFailures = 0;
    pod.record.startedAt ??= pod.containerStartedAt;
    child.once('exit', (code, signal) => this.onExit(pod, child, code, signal));
    this.publish(pod);
  }

  private onExit(pod: LivePod, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (pod.process !== child) return;
    pod.process = undefined;
    pod.record.exits.push({ code, signal, at: Date.now() });
    pod.container = 'terminated';
    this.setReady(pod, false);
    if (pod.terminating || this.stopped) return;
    pod.record.restarts++;
    pod.container = 'waiting';
    pod.waitingReason = 'CrashLoopBackOff';
    this.publish(pod);
    pod.restartTimer = setTimeout(() => {
      if (!pod.terminating && !this.stopped) this.startContainer(pod);
    }, pod.template.restartDelayMs ?? 1000);
  }

  private scheduleProbe(pod: LivePod): void {
    pod.probeTimer = setTimeout(() => void this.probe(pod), pod.template.readiness.periodMs);
  }

  private async probe(pod: LivePod): Promise<void> {
    if (this.stopped || !this.live.has(pod.record.name)) return;
    const r = pod.template.readiness;
    if (pod.container === 'running') {
      const ok = (await httpGet(pod.record.ip!, r.port, r.path, r.timeoutMs)).status === 200;
      if (ok) {
        pod.failures = 0;
        pod.successes++;
        if (!pod.ready && pod.successes >= r.successThreshold) await this.becameReady(pod);
      } else {
        pod.successes = 0;
        pod.failures++;
        if (pod.ready && pod.failures >= r.failureThreshold) this.setReady(pod, false);
      }
    }
    const l = pod.template.liveness;
    const child = pod.process;
    if (l && child && pod.container === 'running' && Date.now() - pod.containerStartedAt >= l.initialDelayMs) {
      const alive = (await httpGet(pod.record.ip!, l.port, l.path, l.timeoutMs)).status === 200;
      pod.livenessFailures = alive ? 0 : pod.livenessFailures + 1;
      if (pod.livenessFailures >= l.failureThreshold && !pod.terminating) {
        pod.livenessFailures = 0;
        this.track(this.killContainer(pod, child));
      }
    }
    if (!this.stopped && this.live.has(pod.record.name)) this.scheduleProbe(pod);
  }

  /** SIGTERM, then SIGKILL once the grace period is over; resolves when the process is gone. */
  private async killContainer(pod: LivePod, child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), pod.template.terminationGracePeriodMs)));
    const timedOut = await Promise.race([exited.then(() => false), graceOver]);
    clearTimeout(timer);
    if (timedOut) {
      pod.record.killedAfterGrace = true;
      child.kill('SIGKILL');
      await exited;
    }
  }

  private async becameReady(pod: LivePod): Promise<void> {
    const at = Date.now();
    const res = await httpGet(pod.record.ip!, pod.template.readiness.port, this.o.membersPath ?? '/cluster/members', pod.template.readiness.timeoutMs);
    const self = selfStatus(res.body);
    const status = self?.status ?? `unknown (HTTP ${res.status})`;
    pod.record.readyTransitions.push({ at, status });
    if (pod.record.firstReadyAt === undefined) {
      pod.record.firstReadyAt = at;
      pod.record.statusAtFirstReady = status;
      pod.record.selfNodeAtFirstReady = self?.node;
    }
    this.setReady(pod, true);
  }

  private setReady(pod: LivePod, ready: boolean): void {
    if (pod.ready === ready) return;
    pod.ready = ready;
    this.publish(pod);
  }

  private async terminate(pod: LivePod): Promise<void> {
    pod.terminating = true;
    pod.record.deletionRequestedAt = Date.now();
    this.publish(pod);
    clearTimeout(pod.restartTimer);
    if (pod.process) await this.killContainer(pod, pod.process);
    await this.remove(pod);
  }

  private async remove(pod: LivePod): Promise<void> {
    if (!this.live.has(pod.record.name)) return;
    clearTimeout(pod.probeTimer);
    clearTimeout(pod.restartTimer);
    this.live.delete(pod.record.name);
    pod.record.goneAt = Date.now();
    pod.ready = false;
    this.o.api.deletePod(pod.record.name);
    await this.syncDns();
    await this.o.net.removePod(pod.record.name);
    pod.log?.end();
  }

  private publish(pod: LivePod): void {
    if (!this.live.has(pod.record.name)) return;
    // Annotations belong to whoever set them (the pod itself patches its deletion cost).
    this.o.api.upsertPod(podObject(pod, this.o.namespace, this.o.api.podAnnotations(pod.record.name)));
  }

  /** Coalesces DNS updates: one dnsmasq restart covers every change made while the previous ran. */
  private syncDns(): Promise<void> {
    const dns = this.o.dns;
    if (!dns) return Promise.resolve();
    this.dnsDirty = true;
    if (this.dnsFlush) return this.dnsFlush.then(() => this.syncDns());
    const flush = (async () => {
      while (this.dnsDirty) {
        this.dnsDirty = false;
        const ips = [...this.live.values()].filter((p) => p.record.ip !== undefined).map((p) => p.record.ip!);
        await dns.update({
          services: this.o.service ? [{ service: this.o.service, endpoints: ips }] : [],
          pods: ips.map((ip) => ({ ip, namespace: this.o.namespace })),
        });
      }
    })();
    this.dnsFlush = flush.finally(() => (this.dnsFlush = undefined));
    return this.dnsFlush;
  }
}

export interface PlanPod {
  name: string;
  revision: string;
  ready: boolean;
  terminating: boolean;
  createdAt: number;
  firstReadyAt?: number;
  /** controller.kubernetes.io/pod-deletion-cost (0 when absent). */
  deletionCost?: number;
  uid?: string;
}

export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

/** The annotation as the ReplicaSet controller reads it: an int32, else 0. */
export function deletionCostOf(annotations: Record<string, string> | undefined): number {
  const v = annotations?.[POD_DELETION_COST];
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : 0;
}

/** Power-of-two bucket of an age in seconds, as LogarithmicScaleDown compares ready times. */
function logBucket(ageMs: number): number {
  const s = Math.max(0, Math.floor(ageMs / 1000));
  return s === 0 ? -1 : Math.floor(Math.log2(s));
}

/**
 * Pure: how many pods of the current revision to create and which pods to delete, following the
 * Deployment controller's rolling-update arithmetic (terminating pods are not counted):
 *   scale up new:   up to replicas + maxSurge pods in total, and at most `replicas` new ones;
 *   scale down old: at most (all - (replicas - maxUnavailable) - unready new) pods, unready old first.
 * Without old pods it is a plain ReplicaSet: surplus pods go unready first, then the most
 * recently Ready, then the newest.
 */
export function planReplicaChanges(
  pods: PlanPod[],
  spec: { replicas: number; maxSurge: number; maxUnavailable: number; revision: string; logarithmic?: { now: number } },
): { create: number; delete: string[] } {
  const live = pods.filter((p) => !p.terminating);
  const fresh = live.filter((p) => p.revision === spec.revision);
  const old = live.filter((p) => p.revision !== spec.revision);
  const log = spec.logarithmic;
  const byReadyTime = (a: PlanPod, b: PlanPod): number =>
    log
      ? logBucket(log.now - (a.firstReadyAt ?? log.now)) - logBucket(log.now - (b.firstReadyAt ?? log.now)) ||
        logBucket(log.now - a.createdAt) - logBucket(log.now - b.createdAt) ||
        ((a.uid ?? a.name) < (b.uid ?? b.name) ? -1 : (a.uid ?? a.name) > (b.uid ?? b.name) ? 1 : 0)
      : (b.firstReadyAt ?? 0) - (a.firstReadyAt ?? 0) || b.createdAt - a.createdAt;
  const victimOrder = (a: PlanPod, b: PlanPod): number =>
    Number(a.ready) - Number(b.ready) || (a.deletionCost ?? 0) - (b.deletionCost ?? 0) || byReadyTime(a, b);
  if (old.length === 0) {
    if (fresh.length < spec.replicas) return { create: spec.replicas - fresh.length, delete: [] };
    return { create: 0, delete: [...fresh].sort(victimOrder).slice(0, fresh.length - spec.replicas).map((p) => p.name) };
  }
  const maxTotal = spec.replicas + spec.maxSurge;
  const create = Math.max(0, Math.min(spec.replicas - fresh.length, maxTotal - live.length));
  const minAvailable = spec.replicas - spec.maxUnavailable;
  const freshUnavailable = fresh.filter((p) => !p.ready).length;
  const budget = Math.max(0, live.length - minAvailable - freshUnavailable);
  return { create, delete: [...old].sort(victimOrder).slice(0, budget).map((p) => p.name) };
}

function podObject(pod: LivePod, namespace: string, annotations: Record<string, string> | undefined): K8sObject {
  const r = pod.record;
  const t = pod.template;
  const stateKey = pod.container;
  const state =
    stateKey === 'running'
      ? { running: { startedAt: iso(r.startedAt ?? Date.now()) } }
      : stateKey === 'waiting'
        ? { waiting: { reason: pod.waitingReason ?? 'ContainerCreating' } }
        : { terminated: { exitCode: r.exits.at(-1)?.code ?? 137 } };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: r.name,
      namespace,
      uid: r.uid,
      labels: { ...t.labels, 'pod-template-hash': t.revision },
      ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
      // Pod names are <deployment>-<revision>-<suffix>; the ReplicaSet is <deployment>-<revision>.
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: r.name.slice(0, r.name.lastIndexOf('-')), uid: `rs-${t.revision}`, controller: true }],
      creationTimestamp: iso(r.createdAt),
      ...(pod.terminating
        ? { deletionTimestamp: iso(r.deletionRequestedAt ?? Date.now()), deletionGracePeriodSeconds: Math.ceil(t.terminationGracePeriodMs / 1000) }
        : {}),
    },
    spec: {
      containers: [
        {
          name: t.containerName,
          image: `muster:${t.revision}`,
          ports: t.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), containerPort: p.containerPort, protocol: 'TCP' })),
        },
      ],
      terminationGracePeriodSeconds: Math.ceil(t.terminationGracePeriodMs / 1000),
    },
    status: {
      phase: pod.phase,
      ...(r.ip ? { podIP: r.ip, podIPs: [{ ip: r.ip }] } : {}),
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        { type: 'ContainersReady', status: pod.ready ? 'True' : 'False' },
        { type: 'Ready', status: pod.ready ? 'True' : 'False' },
      ],
      ...(r.ip
        ? { containerStatuses: [{ name: t.containerName, ready: pod.ready, restartCount: r.restarts, started: stateKey === 'running', state }] }
        : {}),
    },
  };
}

function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function selfStatus(body: string): { node: string; status: string } | undefined {
  try {
    const v = JSON.parse(body) as { selfNode?: string; members?: Array<{ node?: string; status?: string }> };
    const m = v.members?.find((x) => x.node === v.selfNode);
    if (!v.selfNode) return undefined;
    return { node: v.selfNode, status: m?.status ?? 'not a member' };
  } catch {
    return undefined;
  }
}

/** One GET on a fresh connection, as the kubelet probes: status 0 when it fails or times out. */
export function httpGet(host: string, port: number, path: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, describe: () => string, pollMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
