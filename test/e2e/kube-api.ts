// The scenario's Kubernetes API: the shared HTTPS test API server (test/support/k8s-api-server.ts)
// bound on the bridge address so pods reach it from their namespaces, plus what a pod's service
// account mount holds (token, ca.crt, namespace) and the operations the scenarios need: token
// rotation and an outage.
import { copyFileSync, chmodSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubernetesApiTestServer } from '../support/k8s-api-server.js';

export type K8sObject = Parameters<KubernetesApiTestServer['put']>[2];

export interface KubeApiOptions {
  /** Address to bind on; the network's gateway address for namespace pods. */
  host: string;
  namespace: string;
}

const ALWAYS = Number.MAX_SAFE_INTEGER;

export class KubeApi {
  /** Directory laid out like /var/run/secrets/kubernetes.io/serviceaccount. */
  readonly serviceAccountDir: string;
  private available = true;

  private constructor(
    readonly server: KubernetesApiTestServer,
    readonly namespace: string,
    private currentToken: string,
  ) {
    this.serviceAccountDir = mkdtempSync(join(tmpdir(), 'muster-e2e-sa-'));
    chmodSync(this.serviceAccountDir, 0o755);
    copyFileSync(server.caFile, this.caPath);
    writeFileSync(this.namespacePath, namespace);
    this.writeToken(currentToken);
  }

  static async start(options: KubeApiOptions): Promise<KubeApi> {
    const token = newToken();
    const server = await KubernetesApiTestServer.start({ host: options.host, tokens: [token] });
    return new KubeApi(server, options.namespace, token);
  }

  get host(): string {
    return this.server.host;
  }

  get port(): number {
    return this.server.port;
  }

  get token(): string {
    return this.currentToken;
  }

  get tokenPath(): string {
    return join(this.serviceAccountDir, 'token');
  }

  get caPath(): string {
    return join(this.serviceAccountDir, 'ca.crt');
  }

  get namespacePath(): string {
    return join(this.serviceAccountDir, 'namespace');
  }

  /** What Kubernetes puts into every pod's environment for the API service. */
  env(): Record<string, string> {
    return this.server.env();
  }

  /** -D overrides that point kubernetes-api discovery at this server's service-account files. */
  discoveryOverrides(): string[] {
    return [
      `-Dpekko.discovery.kubernetes-api.api-ca-path=${this.caPath}`,
      `-Dpekko.discovery.kubernetes-api.api-token-path=${this.tokenPath}`,
      `-Dpekko.discovery.kubernetes-api.pod-namespace-path=${this.namespacePath}`,
    ];
  }

  /** -D overrides that point the rolling-update module (pod-deletion-cost) at the same files. */
  rollingUpdateOverrides(): string[] {
    return [
      `-Dpekko.rollingupdate.kubernetes.api-ca-path=${this.caPath}`,
      `-Dpekko.rollingupdate.kubernetes.api-token-path=${this.tokenPath}`,
      `-Dpekko.rollingupdate.kubernetes.namespace-path=${this.namespacePath}`,
    ];
  }

  upsertPod(pod: K8sObject): void {
    this.server.upsertPod(this.namespace, pod);
  }

  /** The annotations the stored pod carries (e.g. set by the pod itself with a PATCH). */
  podAnnotations(name: string): Record<string, string> | undefined {
    return this.server.get('v1/pods', this.namespace, name)?.metadata?.annotations as Record<string, string> | undefined;
  }

  deletePod(name: string): void {
    this.server.remove('v1/pods', this.namespace, name);
  }

  pods(): K8sObject[] {
    return this.server.list('v1/pods', this.namespace);
  }

  /**
   * Issues a new token and swaps the token file atomically (kubelet updates projected tokens the
   * same way). The old token keeps working until revokeToken() unless revokeOld is set.
   */
  rotateToken(options: { revokeOld?: boolean } = {}): { oldToken: string; newToken: string } {
    const oldToken = this.currentToken;
    const fresh = newToken();
    this.server.tokens.add(fresh);
    this.writeToken(fresh);
    this.currentToken = fresh;
    if (options.revokeOld) this.revokeToken(oldToken);
    return { oldToken, newToken: fresh };
  }

  revokeToken(token: string): void {
    this.server.tokens.delete(token);
  }

  /** Requests made with the given token since start (all requests when omitted). */
  requestCount(token?: string, pathIncludes = '/pods'): number {
    return this.server.requests.filter((r) => r.path.includes(pathIncludes) && (token === undefined || r.authorization === `Bearer ${token}`)).length;
  }

  /**
   * Outage: while unavailable every connection is accepted and then dropped without an answer,
   * as a dead API server behind the service address behaves for its clients.
   */
  setAvailable(available: boolean): void {
    if (available === this.available) return;
    this.available = available;
    if (available) this.server.clearFaults();
    else this.server.fault({ destroy: true, times: ALWAYS });
  }

  async close(): Promise<void> {
    await this.server.close();
    rmSync(this.serviceAccountDir, { recursive: true, force: true });
  }

  private writeToken(token: string): void {
    const tmp = `${this.tokenPath}.${process.pid}.tmp`;
    writeFileSync(tmp, token);
    renameSync(tmp, this.tokenPath);
  }
}

function newToken(): string {
  return `e2e-${randomBytes(18).toString('base64url')}`;
}
