// A Lease backed by the Kubernetes API (Pekko's lease-kubernetes): one object per lease name,
// ownership decided by the API server's optimistic concurrency (a PUT with a stale
// metadata.resourceVersion gets 409 Conflict). Two resource kinds, as Pekko's two lease classes:
// the built-in coordination.k8s.io/v1 Lease (NativeKubernetesLease) and the pekko.apache.org/v1
// custom resource (KubernetesLease). Plain node:https: we need per-request deadlines and the
// token re-read on every call, like the kubernetes-api discovery.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { V1Lease } from '@kubernetes/client-node';
import type { Cancellable, Scheduler } from '../../clock.js';
import type { Logger } from '../../logging.js';
import type { KubernetesLeaseSettings } from './settings.js';
import type { Lease } from './lease.js';

export class LeaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaseError';
  }
}

/** The lease as the API server holds it. */
export interface LeaseRecord {
  readonly owner: string | undefined;
  readonly version: string;
  /** Wall-clock ms of the last write by the owner. */
  readonly time: number;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/**
 * Makes a lease name a valid DNS-1039 label as Pekko does: lower case, `_`/`.` to `-`, other
 * characters dropped, cut to `maxLength` with a hash suffix of the original name when too long,
 * no leading or trailing `-`.
 */
export function kubernetesLeaseName(name: string, maxLength = 63, hashLength = 8): string {
  const normalized = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[_.]/g, '-')
    .replace(/[^-a-z0-9]/g, '');
  const trim = (s: string) => s.replace(/^-+/, '').replace(/-+$/, '');
  if (normalized.length <= maxLength) return trim(normalized);
  if (hashLength <= 0) return trim(normalized.slice(0, maxLength));
  const hash = base32(createHash('sha256').update(name, 'utf8').digest()).slice(0, hashLength);
  if (hash.length >= maxLength) return trim(hash.slice(0, maxLength));
  return `${trim(normalized.slice(0, maxLength - hash.length - 1))}-${hash}`;
}

interface Response {
  readonly status: number;
  readonly body: string;
}

type CustomLease = { metadata?: { name?: string; resourceVersion?: string }; spec?: { owner?: string; time?: number } };

export interface KubernetesLeaseDeps {
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  /** Wall clock for lease times (default Date.now). */
  readonly wallClock?: () => number;
}

export class KubernetesLease implements Lease {
  readonly name: string;
  private granted = false;
  private version: string | undefined;
  private heartbeat: Cancellable | undefined;
  private onLost: ((reason: Error | undefined) => void) | undefined;
  private readonly agent: Agent | undefined;
  private readonly wallClock: () => number;
  private readonly requestTimeoutMs: number;

  constructor(
    private readonly settings: KubernetesLeaseSettings,
    leaseName: string,
    readonly owner: string,
    private readonly deps: KubernetesLeaseDeps,
  ) {
    this.name = kubernetesLeaseName(leaseName, settings.leaseNameMaxLength, settings.onTruncateAddHashLength);
    this.wallClock = deps.wallClock ?? Date.now;
    this.requestTimeoutMs = settings.apiServerRequestTimeoutMs;
    if (settings.secureApiServer) {
      let ca: Buffer | undefined;
      try {
        ca = readFileSync(settings.apiCaPath);
      } catch (e) {
        deps.logger.warn({ err: e }, 'Unable to read the Kubernetes API CA from %s; using the system CAs', settings.apiCaPath);
      }
      this.agent = new Agent({ keepAlive: true, maxSockets: 2, ...(ca ? { ca } : {}), minVersion: settings.tlsVersion === 'TLSv1.3' ? 'TLSv1.3' : 'TLSv1.2' });
    }
  }

  checkLease(): boolean {
    return this.granted;
  }

  async acquire(onLost?: (reason: Error | undefined) => void): Promise<boolean> {
    return this.withDeadline(`acquire lease [${this.name}]`, async () => {
      const current = await this.readOrCreate();
      const expired = this.wallClock() - current.time > this.settings.heartbeatTimeoutMs;
      if (current.owner !== undefined && current.owner !== this.owner && !expired) {
        this.deps.logger.info({ lease: this.name, owner: current.owner }, 'Lease [%s] is held by [%s]', this.name, current.owner);
        return false;
      }
      const updated = await this.update(this.owner, current.version);
      if (!updated.ok || updated.record.owner !== this.owner) return false;
      this.version = updated.record.version;
      this.granted = true;
      this.onLost = onLost;
      this.startHeartbeat();
      return true;
    });
  }

  async release(): Promise<boolean> {
    this.stopHeartbeat();
    if (!this.granted || this.version === undefined) {
      this.granted = false;
      return true;
    }
    this.granted = false;
    return this.withDeadline(`release lease [${this.name}]`, async () => {
      const r = await this.update(undefined, this.version as string);
      if (r.ok) return true;
      // Someone else wrote it since: it is not ours any more either way.
      return r.record.owner !== this.owner;
    });
  }

  /** The lease as stored now (for tests and diagnostics); undefined when it does not exist. */
  async read(): Promise<LeaseRecord | undefined> {
    const r = await this.call('GET', this.itemPath());
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw this.unexpected('GET', r);
    return this.parse(r.body);
  }

  close(): void {
    this.stopHeartbeat();
    this.agent?.destroy();
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeat = this.deps.scheduler.scheduleRepeatedly(this.settings.heartbeatIntervalMs, this.settings.heartbeatIntervalMs, () => {
      if (!this.granted || this.version === undefined) return;
      this.update(this.owner, this.version)
        .then((r) => {
          if (r.ok && r.record.owner === this.owner) this.version = r.record.version;
          else this.lost(new LeaseError(`lease [${this.name}] was taken by [${r.record.owner ?? ''}]`));
        })
        .catch((e: unknown) => this.lost(e instanceof Error ? e : new LeaseError(String(e))));
    });
  }

  private stopHeartbeat(): void {
    this.heartbeat?.cancel();
    this.heartbeat = undefined;
  }

  private lost(reason: Error): void {
    if (!this.granted) return;
    this.granted = false;
    this.stopHeartbeat();
    this.deps.logger.warn({ err: reason, lease: this.name }, 'Lease [%s] lost', this.name);
    this.onLost?.(reason);
  }

  private async readOrCreate(): Promise<LeaseRecord> {
    const existing = await this.read();
    if (existing) return existing;
    const r = await this.call('POST', this.collectionPath(), this.body(undefined, undefined));
    if (r.status === 201 || r.status === 200) return this.parse(r.body);
    if (r.status === 409) {
      const again = await this.read();
      if (again) return again;
    }
    throw this.unexpected('POST', r);
  }

  /** PUT with the expected version: ok=false (and the current lease) on 409 Conflict. */
  private async update(owner: string | undefined, version: string): Promise<{ ok: boolean; record: LeaseRecord }> {
    const r = await this.call('PUT', this.itemPath(), this.body(owner, version));
    if (r.status === 200) return { ok: true, record: this.parse(r.body) };
    if (r.status === 409) {
      const current = await this.read();
      if (!current) throw new LeaseError(`lease [${this.name}] disappeared after a conflict`);
      return { ok: false, record: current };
    }
    throw this.unexpected('PUT', r);
  }

  private get isNative(): boolean {
    return this.settings.leaseClass === 'native';
  }

  private collectionPath(): string {
    const ns = encodeURIComponent(this.namespace());
    return this.isNative
      ? `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`
      : `/apis/pekko.apache.org/v1/namespaces/${ns}/leases`;
  }

  private itemPath(): string {
    return `${this.collectionPath()}/${encodeURIComponent(this.name)}`;
  }

  private namespace(): string {
    if (this.settings.namespace !== undefined) return this.settings.namespace;
    try {
      return readFileSync(this.settings.namespacePath, 'utf8').trim() || 'default';
    } catch {
      return 'default';
    }
  }

  private body(owner: string | undefined, version: string | undefined): string {
    const metadata = { name: this.name, ...(version !== undefined ? { resourceVersion: version } : {}) };
    if (this.isNative) {
      const lease: V1Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata,
        spec: { holderIdentity: owner ?? '', acquireTime: rfc3339Micro(this.wallClock()) as unknown as Date },
      };
      return JSON.stringify(lease);
    }
    return JSON.stringify({ apiVersion: 'pekko.apache.org/v1', kind: 'Lease', metadata, spec: { owner: owner ?? '', time: this.wallClock() } });
  }

  private parse(text: string): LeaseRecord {
    let o: unknown;
    try {
      o = JSON.parse(text);
    } catch {
      throw new LeaseError(`lease [${this.name}]: the API server returned invalid JSON`);
    }
    const obj = (typeof o === 'object' && o !== null ? o : {}) as V1Lease & CustomLease;
    const version = obj.metadata?.resourceVersion;
    if (typeof version !== 'string' || version === '') throw new LeaseError(`lease [${this.name}] has no metadata.resourceVersion`);
    if (this.isNative) {
      const spec = (obj as V1Lease).spec ?? {};
      const holder = typeof spec.holderIdentity === 'string' && spec.holderIdentity !== '' ? spec.holderIdentity : undefined;
      const at = spec.acquireTime as unknown;
      const time = typeof at === 'string' ? Date.parse(at) : 0;
      return { owner: holder, version, time: Number.isFinite(time) ? time : 0 };
    }
    const spec = (obj as CustomLease).spec ?? {};
    const owner = typeof spec.owner === 'string' && spec.owner !== '' ? spec.owner : undefined;
    return { owner, version, time: typeof spec.time === 'number' ? spec.time : 0 };
  }

  private unexpected(method: string, r: Response): LeaseError {
    return new LeaseError(`${method} for lease [${this.name}] returned unexpected status ${r.status}: ${r.body.slice(0, 200)}`);
  }

  private async withDeadline<T>(what: string, fn: () => Promise<T>): Promise<T> {
    let timer: Cancellable | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = this.deps.scheduler.schedule(this.settings.leaseOperationTimeoutMs, () =>
        reject(new LeaseError(`timed out after ${this.settings.leaseOperationTimeoutMs} ms trying to ${what}; it is not known whether it happened`)),
      );
    });
    try {
      return await Promise.race([fn(), deadline]);
    } finally {
      timer?.cancel();
    }
  }

  private token(): string | undefined {
    if (!this.settings.secureApiServer) return undefined;
    try {
      return readFileSync(this.settings.apiTokenPath, 'utf8').trim();
    } catch (e) {
      this.deps.logger.warn({ err: e }, 'Unable to read the Kubernetes API token from %s', this.settings.apiTokenPath);
      return undefined;
    }
  }

  private call(method: string, path: string, body?: string): Promise<Response> {
    const token = this.token();
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (token) headers['Authorization'] = `Bearer ${token}`;
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const host = this.settings.apiServiceHost;
    const options = {
      method,
      host: host.startsWith('[') ? host.slice(1, -1) : host,
      port: this.settings.apiServicePort,
      path,
      headers,
      timeout: this.requestTimeoutMs,
      ...(this.agent ? { agent: this.agent } : {}),
    };
    return new Promise((resolve, reject) => {
      const req = (this.settings.secureApiServer ? httpsRequest : httpRequest)(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new LeaseError(`${method} ${path} timed out after ${this.requestTimeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** `yyyy-MM-ddTHH:mm:ss.SSSSSSZ` in UTC, the MicroTime format of coordination.k8s.io. */
export function rfc3339Micro(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
