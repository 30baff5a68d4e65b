// The Kubernetes API calls of the rolling-update module, through @kubernetes/client-node's
// CoreV1Api/AppsV1Api (request building, JSON (de)serialisation) over node:https with the
// service account's CA and a token read on every call (it rotates).
import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { RequestContext, ResponseContext } from '@kubernetes/client-node';
import type { RollingUpdateSettings } from './settings.js';

type K8sModule = typeof import('@kubernetes/client-node');
let k8sModule: Promise<K8sModule> | undefined;
const loadK8s = (): Promise<K8sModule> => (k8sModule ??= import('@kubernetes/client-node'));

/** A non-2xx answer of the API server. */
export class KubernetesStatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: Kubernetes API answered ${status}${body ? `: ${body.slice(0, 500)}` : ''}`);
    this.name = 'KubernetesStatusError';
  }
}

export interface RollingUpdateApi {
  readonly namespace: string;
  /** Merge-patches one annotation of a pod. */
  annotatePod(podName: string, key: string, value: string): Promise<void>;
  /** `deployment.kubernetes.io/revision` of the ReplicaSet that owns the pod. */
  readRevision(podName: string): Promise<string>;
  close(): void;
}

export function createRollingUpdateApi(settings: RollingUpdateSettings, namespace: string): RollingUpdateApi {
  const agent = settings.secure ? new HttpsAgent({ keepAlive: true, maxSockets: 2, ca: readFileSync(settings.apiCaPath) }) : undefined;
  const host = settings.apiServiceHost.includes(':') ? `[${settings.apiServiceHost}]` : settings.apiServiceHost;
  const base = `${settings.secure ? 'https' : 'http'}://${host}:${settings.apiServicePort}`;
  const token = () => {
    if (!settings.secure) return undefined;
    try {
      return readFileSync(settings.apiTokenPath, 'utf8').trim();
    } catch {
      return '';
    }
  };

  async function call<T>(what: string, fn: (k8s: K8sModule, conf: ReturnType<K8sModule['createConfiguration']>) => Promise<T>): Promise<T> {
    const k8s = await loadK8s();
    const transport = new Transport(agent, token(), settings.requestTimeoutMs, k8s);
    const conf = k8s.createConfiguration({ baseServer: new k8s.ServerConfiguration(base, {}), httpApi: k8s.wrapHttpLibrary(transport) });
    try {
      return await fn(k8s, conf);
    } catch (e) {
      if (e instanceof k8s.ApiException) throw new KubernetesStatusError(e.code, transport.lastBody, what);
      throw e;
    }
  }

  return {
    namespace,
    annotatePod: (podName, key, value) =>
      call(`patching pod ${namespace}/${podName}`, async (k8s, conf) => {
        const api = new k8s.CoreV1Api(conf);
        await api.patchNamespacedPod(
          { name: podName, namespace, body: { metadata: { annotations: { [key]: value } } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        );
      }),
    readRevision: (podName) =>
      call(`reading the revision of pod ${namespace}/${podName}`, async (k8s, conf) => {
        const pod = await new k8s.CoreV1Api(conf).readNamespacedPod({ name: podName, namespace });
        const owner = pod.metadata?.ownerReferences?.find((r) => r.kind === 'ReplicaSet');
        if (!owner) throw new Error(`pod ${namespace}/${podName} has no owning ReplicaSet`);
        const rs = await new k8s.AppsV1Api(conf).readNamespacedReplicaSet({ name: owner.name, namespace });
        const revision = rs.metadata?.annotations?.['deployment.kubernetes.io/revision'];
        if (!revision) throw new Error(`ReplicaSet ${namespace}/${owner.name} has no deployment.kubernetes.io/revision annotation`);
        return revision;
      }),
    close: () => agent?.destroy(),
  };
}

class Transport {
  lastBody = '';

  constructor(
    private readonly agent: HttpsAgent | undefined,
    private readonly token: string | undefined,
    private readonly timeoutMs: number,
    private readonly k8s: K8sModule,
  ) {}

  async send(req: RequestContext): Promise<ResponseContext> {
    const url = new URL(req.getUrl());
    const body = req.getBody();
    const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body === undefined ? undefined : Buffer.from(String(body));
    const headers: Record<string, string> = { ...req.getHeaders(), Accept: 'application/json' };
    if (this.token !== undefined) headers['Authorization'] = `Bearer ${this.token}`;
    if (payload) headers['Content-Length'] = String(payload.length);
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const options = {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: req.getHttpMethod(),
        headers,
        signal: AbortSignal.timeout(this.timeoutMs),
      };
      const r = this.agent ? httpsRequest({ ...options, agent: this.agent }, resolve) : httpRequest(options, resolve);
      r.on('error', reject);
      r.end(payload);
    });
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const buf = Buffer.concat(chunks);
    this.lastBody = buf.toString('utf8');
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
    return new this.k8s.ResponseContext(res.statusCode ?? 0, flat, new this.k8s.SelfDecodingBody(Promise.resolve(buf)));
  }
}
