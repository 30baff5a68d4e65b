// `kubernetes-api` method: lists the pods matching a label selector through the Kubernetes API
// (spec §3). Request building and PodList decoding use @kubernetes/client-node's CoreV1Api; the
// transport under it is our own node:https library, because we need per-lookup CA/TLS settings,
// a token re-read for every lookup, a hard deadline and gzip/deflate decoding.
import { readFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { SecureVersion } from 'node:tls';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { RequestContext, ResponseContext, V1PodList } from '@kubernetes/client-node';
import type { KubernetesApiSettings } from './settings.js';
import { readTrimmed } from './read-trimmed.js';
import type { Logger } from '../logging.js';
import {
  asError,
  DiscoveryError,
  DiscoveryTimeoutError,
  KubernetesApiConnectionError,
  KubernetesApiForbiddenError,
  KubernetesApiMalformedResponseError,
  KubernetesApiRequestError,
  KubernetesApiStatusError,
} from './errors.js';
import { formatLabelSelector, podsToTargets } from './kubernetes-pods.js';
import type { DiscoveryMetrics } from './metrics.js';
import type { Lookup, Resolved, ServiceDiscovery } from './types.js';

type K8sModule = typeof import('@kubernetes/client-node');
let k8sModule: Promise<K8sModule> | undefined;
/** The client is large (~0.5 s to load); only processes that use this method pay for it. */
function loadK8s(): Promise<K8sModule> {
  k8sModule ??= import('@kubernetes/client-node');
  return k8sModule;
}

export interface KubernetesApiDeps {
  readonly logger: Logger;
  readonly metrics: DiscoveryMetrics;
  /** Where the API host/port env vars are read; process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
}

const MAX_LOGGED_BODY = 2000;

export class KubernetesApiServiceDiscovery implements ServiceDiscovery {
  readonly namespace: string;
  private readonly agent: Agent | undefined;
  private readonly caError: Error | undefined;
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    private readonly settings: KubernetesApiSettings,
    private readonly deps: KubernetesApiDeps,
  ) {
    this.env = deps.env ?? process.env;
    // Start loading the client now so the first lookup does not spend its timeout on it.
    loadK8s().catch((e: unknown) => deps.logger.error({ err: asError(e) }, 'Unable to load @kubernetes/client-node'));
    this.namespace = settings.podNamespace ?? readTrimmed(settings.podNamespacePath) ?? 'default';
    try {
      const ca = readFileSync(settings.apiCaPath);
      this.agent = new Agent({ keepAlive: true, maxSockets: 4, ca, ...tlsVersions(settings.tlsVersion) });
    } catch (e) {
      // Pekko fails every lookup when the CA cannot be loaded; keep the reason for each of them.
      this.caError = asError(e);
      deps.logger.error({ err: this.caError }, `Unable to load Kubernetes API CA from ${settings.apiCaPath}`);
    }
  }

  async lookup(lookup: Lookup, timeoutMs: number): Promise<Resolved> {
    const selector = formatLabelSelector(this.settings.podLabelSelector, lookup.serviceName);
    this.deps.logger.info(
      { labelSelector: selector, namespace: this.namespace, portName: lookup.portName },
      `Querying for pods with label selector: [${selector}]. Namespace: [${this.namespace}]. Port: [${lookup.portName ?? 'None'}]`,
    );
    // One-time module load (slow on a busy machine) is not part of the request's time budget.
    await loadK8s();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const items = await this.listPods(selector, controller.signal);
      const { targets, portNamesSeen } = podsToTargets(items, lookup.portName, this.namespace, this.settings);
      if (items.length > 0 && targets.length === 0) {
        this.deps.logger.info(
          { portNames: portNamesSeen },
          `No targets found from pod list. Is the correct port name configured? Current configuration: [${lookup.portName ?? 'None'}]. Ports on pods: [${portNamesSeen.join(', ')}]`,
        );
      }
      return { serviceName: lookup.serviceName, addresses: targets };
    } catch (e) {
      // Our own typed errors stand even when the deadline passed meanwhile; anything else was the abort.
      if (controller.signal.aborted && !(e instanceof DiscoveryError)) {
        throw new DiscoveryTimeoutError(lookup, timeoutMs, 'kubernetes-api');
      }
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.agent?.destroy();
  }

  /** All pages of the pod list; a 401 is retried once with a freshly read token. */
  private async listPods(selector: string, signal: AbortSignal): Promise<unknown[]> {
    try {
      return await this.listAllPages(selector, signal);
    } catch (e) {
      if (!(e instanceof KubernetesApiStatusError && e.status === 401) || signal.aborted) throw e;
      this.deps.logger.info('Kubernetes API answered 401 Unauthorized; re-reading the token and retrying once');
      return this.listAllPages(selector, signal);
    }
  }

  private async listAllPages(selector: string, signal: AbortSignal): Promise<unknown[]> {
    const { agent } = this;
    if (!agent) {
      throw new KubernetesApiRequestError(
        `Kubernetes API CA at ${this.settings.apiCaPath} could not be loaded: ${this.caError?.message}`,
      );
    }
    const base = this.apiBaseUrl();
    const k8s = await loadK8s();
    const transport = new HttpsTransport(agent, this.readToken(), this.settings.httpRequestAcceptEncoding, signal, () =>
      this.deps.metrics.kubernetesApiRequests.inc(),
    );
    const api = new k8s.CoreV1Api(
      k8s.createConfiguration({
        baseServer: new k8s.ServerConfiguration(base, {}),
        httpApi: k8s.wrapHttpLibrary(transport),
      }),
    );
    const items: unknown[] = [];
    let cont: string | undefined;
    do {
      let page: V1PodList;
      try {
        page = await api.listNamespacedPod({
          namespace: this.namespace,
          labelSelector: selector,
          ...(this.settings.pageSize > 0 ? { limit: this.settings.pageSize } : {}),
          ...(cont !== undefined ? { _continue: cont } : {}),
        });
      } catch (e) {
        throw this.translate(e, k8s, transport.lastBody, transport.answered);
      }
      if (!page || !Array.isArray(page.items)) {
        throw this.malformed('the answer has no items list', transport.lastBody);
      }
      items.push(...page.items);
      const next = page.metadata?._continue;
      if (next !== undefined && next === cont) throw this.malformed('the server repeated the same continue token', transport.lastBody);
      cont = typeof next === 'string' && next !== '' ? next : undefined;
    } while (cont !== undefined);
    return items;
  }

  private apiBaseUrl(): string {
    const { apiServiceHostEnvName: hostName, apiServicePortEnvName: portName } = this.settings;
    const host = this.env[hostName];
    const portText = this.env[portName];
    const port = portText !== undefined && /^\d+$/.test(portText.trim()) ? Number(portText) : NaN;
    if (!host || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new KubernetesApiRequestError(
        `Unable to form the Kubernetes API request: env vars ${hostName} and ${portName} must name the API ` +
          `server host and port (got ${hostName}=${JSON.stringify(host)}, ${portName}=${JSON.stringify(portText)})`,
      );
    }
    const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    return `https://${h}:${port}`;
  }

  /** Read for every lookup (and its 401 retry) so rotated (projected) service-account tokens are picked up. */
  private readToken(): string {
    try {
      // Trimmed: a trailing newline would be an illegal header character.
      return readFileSync(this.settings.apiTokenPath, 'utf8').trim();
    } catch (e) {
      this.deps.logger.warn({ err: asError(e) }, `Unable to read api-token from ${this.settings.apiTokenPath}`);
      return '';
    }
  }

  private translate(e: unknown, k8s: K8sModule, body: string, answered: boolean): Error {
    if (e instanceof DiscoveryError) return e;
    if (e instanceof k8s.ApiException) {
      const status = (e as { code: number }).code;
      if (status === 403) return this.forbidden(body);
      this.deps.logger.warn({ status, body: clip(body) }, `Non-200 from the Kubernetes API: ${status}`);
      return new KubernetesApiStatusError(
        `Non-200 from the Kubernetes API server: ${status}${status === 401 ? ` (token from ${this.settings.apiTokenPath} rejected)` : ''}`,
        status,
        body,
      );
    }
    if (e instanceof Error && e.name === 'AbortError') return e;
    const err = asError(e);
    // Once the server has answered, a failure can only be in decoding that answer.
    if (answered) return this.malformed(err.message, body);
    return new KubernetesApiConnectionError(`Kubernetes API request failed: ${err.message}`, { cause: err });
  }

  private malformed(reason: string, body: string): KubernetesApiMalformedResponseError {
    this.deps.logger.warn({ body: clip(body) }, `Failed to parse the Kubernetes API pod list: ${reason}`);
    return new KubernetesApiMalformedResponseError(`Kubernetes API returned a pod list that could not be parsed: ${reason}`);
  }

  private forbidden(body: string): KubernetesApiForbiddenError {
    const account = serviceAccountOf(this.readToken()) ?? { namespace: this.namespace, name: '<service-account>' };
    this.deps.logger.warn(
      { namespace: this.namespace, serviceAccount: `${account.namespace}/${account.name}`, body: clip(body) },
      `Forbidden to list pods in namespace [${this.namespace}] as service account ` +
        `[${account.namespace}/${account.name}]. It needs the verbs get, list and watch on pods. ` +
        `Check the RBAC settings, for example apply:\n${rbacYaml(this.namespace, account)}`,
    );
    return new KubernetesApiForbiddenError(
      `Forbidden when retrieving pods in namespace [${this.namespace}]: the service account ` +
        `[${account.namespace}/${account.name}] needs get, list and watch on pods; check the RBAC settings`,
      403,
      body,
    );
  }
}

/** A Role and RoleBinding granting what discovery needs. */
export function rbacYaml(namespace: string, account: { namespace: string; name: string }): string {
  return [
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: Role',
    'metadata:',
    '  name: pod-reader',
    `  namespace: ${namespace}`,
    'rules:',
    '  - apiGroups: [""]',
    '    resources: ["pods"]',
    '    verbs: ["get", "watch", "list"]',
    '---',
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: RoleBinding',
    'metadata:',
    '  name: read-pods',
    `  namespace: ${namespace}`,
    'subjects:',
    '  - kind: ServiceAccount',
    `    name: ${account.name}`,
    `    namespace: ${account.namespace}`,
    'roleRef:',
    '  kind: Role',
    '  name: pod-reader',
    '  apiGroup: rbac.authorization.k8s.io',
  ].join('\n');
}

/** The service account named in a service-account JWT's `sub` claim, when readable. */
export function serviceAccountOf(token: string): { namespace: string; name: string } | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown };
    const m = typeof claims.sub === 'string' ? /^system:serviceaccount:([^:]+):([^:]+)$/.exec(claims.sub) : null;
    return m ? { namespace: m[1] as string, name: m[2] as string } : undefined;
  } catch {
    return undefined;
  }
}

/** Java semantics: the configured protocol is the highest version offered. */
function tlsVersions(v: string): { minVersion: SecureVersion; maxVersion: SecureVersion } {
  const known: SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
  const max = known.includes(v as SecureVersion) ? (v as SecureVersion) : 'TLSv1.2';
  return { maxVersion: max, minVersion: known.indexOf(max) < 2 ? max : 'TLSv1.2' };
}

function clip(body: string): string {
  return body.length > MAX_LOGGED_BODY ? `${body.slice(0, MAX_LOGGED_BODY)}...` : body;
}

/** The HTTP library under CoreV1Api: one bearer token, one abort signal, optional compression. */
class HttpsTransport {
  lastBody = '';
  /** Whether the latest request got a complete answer. */
  answered = false;

  constructor(
    private readonly agent: Agent,
    private readonly token: string,
    private readonly acceptEncoding: string | undefined,
    private readonly signal: AbortSignal,
    private readonly onRequest: () => void,
  ) {}

  async send(req: RequestContext): Promise<ResponseContext> {
    const k8s = await loadK8s();
    const url = new URL(req.getUrl());
    const headers: Record<string, string> = { ...req.getHeaders(), Accept: 'application/json' };
    headers['Authorization'] = `Bearer ${this.token}`;
    if (this.acceptEncoding) headers['Accept-Encoding'] = this.acceptEncoding;
    this.onRequest();
    this.answered = false;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const r = httpsRequest(
        {
          agent: this.agent,
          host: url.hostname.replace(/^\[|\]$/g, ''),
          port: Number(url.port),
          path: `${url.pathname}${url.search}`,
          method: req.getHttpMethod(),
          headers,
          signal: this.signal,
        },
        resolve,
      );
      r.on('error', reject);
      r.end();
    });
    const body = await readBody(res);
    this.lastBody = body.toString('utf8');
    this.answered = true;
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
    return new k8s.ResponseContext(res.statusCode ?? 0, flat, new k8s.SelfDecodingBody(Promise.resolve(body)));
  }
}

function readBody(res: IncomingMessage): Promise<Buffer> {
  const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase();
  const stream =
    encoding === 'gzip'
      ? res.pipe(createGunzip())
      : encoding === 'deflate'
        ? res.pipe(createInflate())
        : encoding === 'br'
          ? res.pipe(createBrotliDecompress())
          : res;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
    res.on('error', reject);
  });
}
