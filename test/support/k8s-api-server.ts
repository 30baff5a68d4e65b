// A small, real HTTPS stand-in for the Kubernetes API server, for discovery, end-to-end and lease tests.
//
// Start/stop:
//   const api = await KubernetesApiTestServer.start({ host: '127.0.0.1', tokens: ['t1'] });
//   api.host, api.port, api.url, api.caFile (PEM of the CA that signed the server cert, made with openssl)
//   api.env()  -> { KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT } for the discovery under test
//   await api.close()
// Auth: every request needs `Authorization: Bearer <token>` with a token in api.tokens (a mutable Set);
//   otherwise 401 with a Status object.
// Objects (changeable live, between or during requests):
//   A generic namespaced object store serves GET (list, with labelSelector, limit and continue), GET by name,
//   POST (409 if the name exists), PUT (409 on a stale metadata.resourceVersion), PATCH (Content-Type
//   application/merge-patch+json or application/strategic-merge-patch+json, merged as RFC 7386 — maps
//   such as metadata.annotations merge the same way in both; anything else 415) and DELETE for
//     /api/v1/namespaces/{ns}/{resource}[/{name}]                  (core group: pods, ...)
//     /apis/{group}/{version}/namespaces/{ns}/{resource}[/{name}]  (e.g. coordination.k8s.io/v1 leases)
//   api.put(resourcePath, ns, obj)  resourcePath is 'v1/pods' or e.g. 'coordination.k8s.io/v1/leases'
//   api.remove(resourcePath, ns, name); api.list(resourcePath, ns); api.get(resourcePath, ns, name)
//   Pod helpers: api.setPods(ns, pods), api.upsertPod(ns, pod), makePod({...}), fixturePods('pods')
//   Stored objects get metadata.namespace and a fresh metadata.resourceVersion on each write.
// Faults (queued, consumed in order by requests they match):
//   api.fault({ status: 500 }), api.fault({ status: 200, body: '{"items": [' }), api.fault({ delayMs: 5000 }),
//   api.fault({ status: 403, times: 2, match: (r) => r.path.includes('/pods') }), api.fault({ destroy: true })
//   A fault with only delayMs delays the normal answer.
// Observation: api.requests (method, path, query, authorization, ...); api.onRequest = (r) => { ... } runs
//   before a request is answered (e.g. to rotate the token file when an old token is seen).
// Extension: api.route(method, /regex/, (req, match, body) => answer | undefined) is tried before the store.
// Responses are gzip-compressed when api.gzip is true and the client accepts gzip.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createTestCa, type TestCa } from './certs.js';
import type { KubernetesApiSettings } from '../../src/discovery/settings.js';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
  readonly acceptEncoding: string | undefined;
  readonly contentType: string | undefined;
  readonly body: string;
  /** The client's IP address (which pod asked, in the end-to-end tests). */
  readonly remoteAddress?: string;
}

export interface Answer {
  readonly status: number;
  /** JSON-serialised unless it is already a string. */
  readonly body?: unknown;
  readonly contentType?: string;
}

export interface Fault {
  readonly status?: number;
  readonly body?: string;
  readonly contentType?: string;
  /** Wait this long before answering (the normal answer when no status is given). */
  readonly delayMs?: number;
  /** Close the connection without an answer. */
  readonly destroy?: boolean;
  /** How many matching requests it applies to (default 1). */
  readonly times?: number;
  readonly match?: (r: RecordedRequest) => boolean;
}

type RouteHandler = (req: RecordedRequest, match: RegExpExecArray) => Answer | undefined;

export type K8sObject = {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string } & Record<string, unknown>;
} & Record<string, unknown>;

export interface StartOptions {
  readonly host?: string;
  readonly tokens?: readonly string[];
  /** Share a CA between servers; by default each server makes its own. */
  readonly ca?: TestCa;
}

/**
 * kubernetes-api discovery settings that talk to `api` with the token file `tokenPath`, in namespace `namespace`
 * (pod namespace file under `dir`, label selector app=%s, page size 500).
 */
export function testApiSettings(api: KubernetesApiTestServer, dir: string, tokenPath: string, namespace: string): KubernetesApiSettings {
  return {
    apiCaPath: api.caFile,
    apiTokenPath: tokenPath,
    apiServiceHostEnvName: 'KUBERNETES_SERVICE_HOST',
    apiServicePortEnvName: 'KUBERNETES_SERVICE_PORT',
    tlsVersion: 'TLSv1.2',
    podNamespacePath: path.join(dir, 'namespace'),
    podNamespace: namespace,
    podDomain: 'cluster.local',
    podLabelSelector: 'app=%s',
    useRawIp: false,
    containerName: undefined,
    httpRequestAcceptEncoding: undefined,
    pageSize: 500,
  };
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Items of the PodList test/fixtures/kubernetes/<name>.json (see test/fixtures/README.md). */
export function fixturePods(name: 'pods' | 'multi-container-pod' | 'multi-container-pod-pending'): K8sObject[] {
  return podListItems(path.join(repoRoot, 'test', 'fixtures', 'kubernetes', `${name}.json`));
}

/** Items of a PodList JSON file. */
export function podListItems(file: string): K8sObject[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { items: K8sObject[] }).items;
}

export interface PodSpecOptions {
  name: string;
  ip?: string;
  phase?: string;
  labels?: Record<string, string>;
  /** Containers with their named ports; default one container `app` with management 7626 and remoting 17355. */
  containers?: { name: string; ports?: { name?: string; containerPort: number }[]; state?: 'running' | 'waiting' | 'terminated' }[];
  deleting?: boolean;
  ready?: boolean;
}

/** A Pod shaped like what the API server returns. */
export function makePod(o: PodSpecOptions): K8sObject {
  const containers = o.containers ?? [
    { name: 'app', ports: [{ name: 'management', containerPort: 7626 }, { name: 'remoting', containerPort: 17355 }] },
  ];
  const phase = o.phase ?? 'Running';
  return {
    metadata: {
      name: o.name,
      labels: o.labels ?? { app: 'my-service' },
      creationTimestamp: '2026-01-01T00:00:00Z',
      ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:05:00Z', deletionGracePeriodSeconds: 30 } : {}),
    },
    spec: {
      containers: containers.map((c) => ({
        name: c.name,
        image: 'muster/test:1',
        ...(c.ports ? { ports: c.ports.map((p) => ({ ...p, protocol: 'TCP' })) } : {}),
      })),
    },
    status: {
      phase,
      ...(o.ip !== undefined ? { podIP: o.ip, podIPs: [{ ip: o.ip }] } : {}),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
      ...(phase === 'Pending'
        ? {}
        : {
            containerStatuses: containers.map((c) => ({
              name: c.name,
              ready: o.ready !== false,
              restartCount: 0,
              state: { [c.state ?? 'running']: c.state === 'waiting' ? { reason: 'ContainerCreating' } : { startedAt: '2026-01-01T00:00:01Z' } },
            })),
          }),
    },
  };
}

/** Label selector matching: equality (=, ==, !=) and set-based (in, notin, exists, !exists), comma-joined. */
export function matchesSelector(selector: string, labels: Record<string, string>): boolean {
  const terms: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(cur);
      cur = '';
    } else cur += ch;
  }
  terms.push(cur);
  return terms
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .every((t) => {
      let m: RegExpExecArray | null;
      if ((m = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(t))) {
        const [, k, op, v] = m as unknown as [string, string, string, string];
        return op === '!=' ? labels[k] !== v.trim() : labels[k] === v.trim();
      }
      if ((m = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(t))) {
        const [, k, op, list] = m as unknown as [string, string, string, string];
        const values = list.split(',').map((v) => v.trim());
        const has = labels[k] !== undefined && values.includes(labels[k] as string);
        return op === 'in' ? has : !has;
      }
      if (t.startsWith('!')) return labels[t.slice(1).trim()] === undefined;
      return labels[t] !== undefined;
    });
}

function status(code: number, reason: string, message: string): Answer {
  return { status: code, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code } };
}

export class KubernetesApiTestServer {
  readonly tokens: Set<string>;
  readonly requests: RecordedRequest[] = [];
  gzip = false;
  onRequest: ((r: RecordedRequest) => void) | undefined;
  private readonly faults: { fault: Fault; left: number }[] = [];
  private readonly routes: { method: string; re: RegExp; handler: RouteHandler }[] = [];
  /** `${resourcePath}|${namespace}` -> name -> object, in insertion order. */
  private readonly store = new Map<string, Map<string, K8sObject>>();
  private resourceVersion = 1000;

  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
    readonly ca: TestCa,
    private readonly ownsCa: boolean,
    tokens: readonly string[],
  ) {
    this.tokens = new Set(tokens);
  }

  static async start(options: StartOptions = {}): Promise<KubernetesApiTestServer> {
    const host = options.host ?? '127.0.0.1';
    const ca = options.ca ?? createTestCa();
    const cert = ca.issue(`apiserver-${host.replace(/[^0-9a-z]/gi, '-')}-${Date.now()}`, {
      ips: [host],
      dns: ['localhost', 'kubernetes.default.svc'],
    });
    let self: KubernetesApiTestServer | undefined;
    const server = createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
      void self?.handle(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    self = new KubernetesApiTestServer(server, host, port, ca, options.ca === undefined, options.tokens ?? ['test-token']);
    return self;
  }

  get caFile(): string {
    return this.ca.caCertFile;
  }

  get url(): string {
    return `https://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  env(): Record<string, string> {
    return { KUBERNETES_SERVICE_HOST: this.host, KUBERNETES_SERVICE_PORT: String(this.port) };
  }

  fault(f: Fault): void {
    this.faults.push({ fault: f, left: f.times ?? 1 });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  route(method: string, re: RegExp, handler: RouteHandler): void {
    this.routes.push({ method, re, handler });
  }

  put(resourcePath: string, namespace: string, obj: K8sObject): K8sObject {
    const name = obj.metadata?.name;
    if (!name) throw new Error('object needs metadata.name');
    const stored: K8sObject = {
      ...obj,
      metadata: { ...obj.metadata, namespace, resourceVersion: String(++this.resourceVersion) },
    };
    this.bucket(resourcePath, namespace).set(name, stored);
    return stored;
  }

  get(resourcePath: string, namespace: string, name: string): K8sObject | undefined {
    return this.bucket(resourcePath, namespace).get(name);
  }

  list(resourcePath: string, namespace: string): K8sObject[] {
    return [...this.bucket(resourcePath, namespace).values()];
  }

  remove(resourcePath: string, namespace: string, name: string): boolean {
    return this.bucket(resourcePath, namespace).delete(name);
  }

  setPods(namespace: string, pods: readonly K8sObject[]): void {
    this.bucket('v1/pods', namespace).clear();
    for (const p of pods) this.put('v1/pods', namespace, p);
  }

  upsertPod(namespace: string, pod: K8sObject): void {
    this.put('v1/pods', namespace, pod);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.ownsCa) this.ca.dispose();
  }

  private bucket(resourcePath: string, namespace: string): Map<string, K8sObject> {
    const key = `${resourcePath}|${namespace}`;
    let b = this.store.get(key);
    if (!b) this.store.set(key, (b = new Map()));
    return b;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'https://x');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
      acceptEncoding: req.headers['accept-encoding'] as string | undefined,
      contentType: req.headers['content-type'],
      body: Buffer.concat(chunks).toString('utf8'),
      ...(req.socket.remoteAddress !== undefined && { remoteAddress: req.socket.remoteAddress.replace(/^::ffff:/, '') }),
    };
    this.requests.push(recorded);
    this.onRequest?.(recorded);

    const fault = this.takeFault(recorded);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (res.destroyed) return;
    if (fault?.destroy) {
      req.socket.destroy();
      return;
    }
    if (fault?.status !== undefined) {
      this.send(res, recorded, { status: fault.status, body: fault.body ?? '', contentType: fault.contentType ?? 'application/json' });
      return;
    }
    this.send(res, recorded, this.answer(recorded));
  }

  private takeFault(r: RecordedRequest): Fault | undefined {
    const i = this.faults.findIndex((f) => !f.fault.match || f.fault.match(r));
    if (i < 0) return undefined;
    const entry = this.faults[i] as { fault: Fault; left: number };
    if (--entry.left <= 0) this.faults.splice(i, 1);
    return entry.fault;
  }

  private answer(r: RecordedRequest): Answer {
    const token = r.authorization?.startsWith('Bearer ') ? r.authorization.slice(7) : undefined;
    if (token === undefined || !this.tokens.has(token)) return status(401, 'Unauthorized', 'Unauthorized');
    for (const route of this.routes) {
      const m = route.method === r.method ? route.re.exec(r.path) : null;
      if (m) {
        const a = route.handler(r, m);
        if (a) return a;
      }
    }
    const m =
      /^\/api\/(v1)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(r.path) ??
      /^\/apis\/([^/]+\/[^/]+)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(r.path);
    if (!m) return status(404, 'NotFound', `the server could not find the requested resource ${r.path}`);
    const [, groupVersion, ns, resource, name] = m as unknown as [string, string, string, string, string | undefined];
    const rp = `${groupVersion}/${resource}`;
    const bucket = this.bucket(rp, ns);
    switch (r.method) {
      case 'GET':
        if (name === undefined) return this.listAnswer(rp, bucket, r);
        return bucket.has(name) ? { status: 200, body: bucket.get(name) } : status(404, 'NotFound', `${resource} "${name}" not found`);
      case 'POST': {
        const obj = parseBody(r.body);
        const n = obj?.metadata?.name;
        if (!obj || !n) return status(400, 'BadRequest', 'object needs metadata.name');
        if (bucket.has(n)) return status(409, 'AlreadyExists', `${resource} "${n}" already exists`);
        return { status: 201, body: this.put(rp, ns, obj) };
      }
      case 'PUT': {
        const obj = parseBody(r.body);
        if (!obj || name === undefined) return status(400, 'BadRequest', 'bad object');
        const current = bucket.get(name);
        if (!current) return status(404, 'NotFound', `${resource} "${name}" not found`);
        const rv = obj.metadata?.resourceVersion;
        if (rv !== undefined && rv !== current.metadata?.resourceVersion) {
          return status(409, 'Conflict', `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified`);
        }
        return { status: 200, body: this.put(rp, ns, { ...obj, metadata: { ...obj.metadata, name } }) };
      }
      case 'PATCH': {
        const type = (r.contentType ?? '').split(';')[0]!.trim();
        if (type !== 'application/merge-patch+json' && type !== 'application/strategic-merge-patch+json') {
          return status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
        }
        const patch = parseBody(r.body);
        if (!patch || name === undefined) return status(400, 'BadRequest', 'bad patch');
        const current = bucket.get(name);
        if (!current) return status(404, 'NotFound', `${resource} "${name}" not found`);
        const merged = mergePatch(current, patch) as K8sObject;
        return { status: 200, body: this.put(rp, ns, { ...merged, metadata: { ...merged.metadata, name } }) };
      }
      case 'DELETE':
        return bucket.delete(name ?? '') ? { status: 200, body: status(200, '', 'deleted').body } : status(404, 'NotFound', 'not found');
      default:
        return status(405, 'MethodNotAllowed', r.method);
    }
  }

  private listAnswer(rp: string, bucket: Map<string, K8sObject>, r: RecordedRequest): Answer {
    const selector = r.query.get('labelSelector') ?? '';
    const all = [...bucket.values()].filter((o) => matchesSelector(selector, o.metadata?.labels ?? {}));
    const limit = Number(r.query.get('limit') ?? '0');
    const cont = r.query.get('continue');
    let offset = 0;
    if (cont) {
      const parsed = /^offset-(\d+)$/.exec(Buffer.from(cont, 'base64url').toString('utf8'));
      if (!parsed) return status(400, 'BadRequest', 'invalid continue token');
      offset = Number(parsed[1]);
    }
    const end = limit > 0 ? Math.min(all.length, offset + limit) : all.length;
    const kind = rp.split('/').at(-1) === 'pods' ? 'PodList' : 'List';
    return {
      status: 200,
      body: {
        kind,
        apiVersion: rp.split('/').slice(0, -1).join('/'),
        metadata: {
          resourceVersion: String(this.resourceVersion),
          ...(end < all.length ? { continue: Buffer.from(`offset-${end}`).toString('base64url'), remainingItemCount: all.length - end } : {}),
        },
        items: all.slice(offset, end),
      },
    };
  }

  private send(res: ServerResponse, r: RecordedRequest, a: Answer): void {
    let payload = Buffer.from(typeof a.body === 'string' ? a.body : JSON.stringify(a.body ?? ''), 'utf8');
    const headers: Record<string, string> = { 'content-type': a.contentType ?? 'application/json' };
    if (this.gzip && /\bgzip\b/.test(r.acceptEncoding ?? '')) {
      payload = gzipSync(payload);
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = String(payload.length);
    res.writeHead(a.status, headers);
    res.end(payload);
  }
}

/** RFC 7386 JSON merge patch: objects merge key by key, null deletes, anything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function parseBody(text: string): K8sObject | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null ? (v as K8sObject) : undefined;
  } catch {
    return undefined;
  }
}
