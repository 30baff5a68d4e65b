// Reads how many replicas this pod's deployment should have: spec.replicas of the pod's
// controlling owner (a StatefulSet, or the ReplicaSet a Deployment manages), through the
// Kubernetes API with the same CA, token and namespace settings as kubernetes-api discovery.
// Two GETs: the pod, then its owner. Plain node:https; the client library is not needed for two
// small JSON documents.
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import type { KubernetesApiSettings } from './settings.js';
import { readTrimmed } from './read-trimmed.js';

/** The owner kinds whose spec.replicas is the number of pods discovery should find. */
const OWNER_PATHS: Readonly<Record<string, string>> = {
  StatefulSet: 'statefulsets',
  ReplicaSet: 'replicasets',
};
const MAX_BODY = 1024 * 1024;

export interface OwnerReplicas {
  readonly kind: string;
  readonly name: string;
  readonly replicas: number;
}

export interface KubernetesReplicasOptions {
  readonly settings: KubernetesApiSettings;
  readonly podName: string;
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
  /** Called once per HTTP request (the API request counter). */
  readonly onRequest?: () => void;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The controlling owner reference of a pod document, when it is of a kind we can read. */
export function controllingOwner(pod: unknown): { kind: string; name: string } | undefined {
  const refs = isObject(pod) && isObject(pod['metadata']) ? pod['metadata']['ownerReferences'] : undefined;
  if (!Array.isArray(refs)) return undefined;
  const ref = refs.find((r) => isObject(r) && r['controller'] === true);
  if (!isObject(ref) || typeof ref['kind'] !== 'string' || typeof ref['name'] !== 'string') return undefined;
  return OWNER_PATHS[ref['kind']] === undefined ? undefined : { kind: ref['kind'], name: ref['name'] };
}

/** spec.replicas of a StatefulSet/ReplicaSet document (Kubernetes defaults an absent value to 1). */
export function specReplicas(owner: unknown): number | undefined {
  if (!isObject(owner) || !isObject(owner['spec'])) return undefined;
  const r = owner['spec']['replicas'];
  if (r === undefined) return 1;
  return typeof r === 'number' && Number.isInteger(r) && r >= 0 ? r : undefined;
}

export async function readOwnerReplicas(o: KubernetesReplicasOptions): Promise<OwnerReplicas> {
  const s = o.settings;
  const env = o.env ?? process.env;
  const host = env[s.apiServiceHostEnvName];
  const port = Number(env[s.apiServicePortEnvName]);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`env vars ${s.apiServiceHostEnvName} and ${s.apiServicePortEnvName} must name the Kubernetes API server`);
  }
  const namespace = s.podNamespace ?? readTrimmed(s.podNamespacePath) ?? 'default';
  const ca = readFileSync(s.apiCaPath);
  const token = readTrimmed(s.apiTokenPath) ?? '';
  const get = (path: string) => getJson({ host, port, path, ca, token, timeoutMs: o.timeoutMs, onRequest: o.onRequest });

  const ns = encodeURIComponent(namespace);
  const pod = await get(`/api/v1/namespaces/${ns}/pods/${encodeURIComponent(o.podName)}`);
  const owner = controllingOwner(pod);
  if (owner === undefined) throw new Error(`pod ${namespace}/${o.podName} has no StatefulSet or ReplicaSet owner`);
  const doc = await get(`/apis/apps/v1/namespaces/${ns}/${OWNER_PATHS[owner.kind]}/${encodeURIComponent(owner.name)}`);
  const replicas = specReplicas(doc);
  if (replicas === undefined) throw new Error(`${owner.kind} ${namespace}/${owner.name} has no readable spec.replicas`);
  return { ...owner, replicas };
}

function getJson(r: {
  host: string;
  port: number;
  path: string;
  ca: Buffer;
  token: string;
  timeoutMs: number;
  onRequest?: (() => void) | undefined;
}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    r.onRequest?.();
    const req = httpsRequest(
      {
        host: r.host.replace(/^\[|\]$/g, ''),
        port: r.port,
        path: r.path,
        ca: r.ca,
        headers: { Accept: 'application/json', Authorization: `Bearer ${r.token}` },
        timeout: r.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) req.destroy(new Error(`answer to GET ${r.path} larger than ${MAX_BODY} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) {
            const hint = res.statusCode === 403 ? ' (RBAC: the service account needs get on pods, replicasets and statefulsets)' : '';
            return reject(new Error(`GET ${r.path}: ${res.statusCode}${hint}`));
          }
          try {
            resolve(JSON.parse(text));
          } catch (e) {
            reject(new Error(`GET ${r.path}: not JSON (${(e as Error).message})`));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${r.path} timed out after ${r.timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
