// Keeps this node's pod annotated with its pod-deletion-cost (Pekko Management's
// PodDeletionCost): every node annotates its own pod whenever the age order of the members
// changes its cost. A failed request is retried after retry-delay (a fixed delay, as Pekko's
// key says) until it succeeds or a newer cost supersedes it; a client error (4xx) is not retried
// and is logged with what to fix, for 403 the RBAC Role to apply.
import type { ClusterApi } from '../cluster/api.js';
import type { Cancellable, Scheduler } from '../clock.js';
import type { Logger } from '../logging.js';
import { podDeletionCost, POD_DELETION_COST_ANNOTATION } from './cost.js';
import { KubernetesStatusError, type RollingUpdateApi } from './kubernetes-client.js';

export interface PodDeletionCostDeps {
  readonly cluster: ClusterApi;
  readonly api: RollingUpdateApi;
  readonly podName: string;
  readonly annotatedPodsNr: number;
  readonly retryDelayMs: number;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
}

/** The RBAC objects a pod needs for the annotation; logged when the API server answers 403. */
export function podPatchRole(namespace: string): string {
  return [
    'kind: Role',
    'apiVersion: rbac.authorization.k8s.io/v1',
    'metadata:',
    '  name: pod-patcher',
    `  namespace: ${namespace}`,
    'rules:',
    '  - apiGroups: [""]',
    '    resources: ["pods"]',
    '    verbs: ["get", "watch", "list", "patch"]',
    '---',
    'kind: RoleBinding',
    'apiVersion: rbac.authorization.k8s.io/v1',
    'metadata:',
    '  name: pod-patcher',
    `  namespace: ${namespace}`,
    'subjects:',
    '  - kind: ServiceAccount',
    '    name: default   # the pod\'s service account',
    'roleRef:',
    '  kind: Role',
    '  name: pod-patcher',
    '  apiGroup: rbac.authorization.k8s.io',
  ].join('\n');
}

export class PodDeletionCostAnnotator {
  /** The cost last written (or given up on); the pod starts without an annotation, i.e. 0. */
  private current = 0;
  private inFlight = false;
  private retry: Cancellable | undefined;
  private retryNr = 0;
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  /** Successful writes, for tests and metrics. */
  annotations = 0;

  constructor(private readonly deps: PodDeletionCostDeps) {}

  start(): void {
    const { logger, podName, annotatedPodsNr, api } = this.deps;
    logger.info(
      { podName, annotatedPodsNr, namespace: api.namespace },
      `Starting PodDeletionCost for podName [${podName}], [${annotatedPodsNr}] oldest will be annotated.`,
    );
    this.unsubscribe = this.deps.cluster.subscribe(() => this.update(), { initialStateAsEvents: true });
  }

  stop(): void {
    this.stopped = true;
    this.retry?.cancel();
    this.unsubscribe?.();
  }

  private update(): void {
    if (this.stopped || this.inFlight || this.retry) return;
    const { cluster, annotatedPodsNr } = this.deps;
    const cost = podDeletionCost(cluster.selfUniqueAddress, cluster.state().members, annotatedPodsNr);
    if (cost === this.current) return;
    this.write(cost);
  }

  private write(cost: number): void {
    const { api, podName, logger, retryDelayMs, scheduler } = this.deps;
    logger.info(
      { podName, cost, namespace: api.namespace },
      `Updating pod-deletion-cost annotation for pod: [${podName}] with cost: [${cost}]. Namespace: [${api.namespace}]`,
    );
    this.inFlight = true;
    api.annotatePod(podName, POD_DELETION_COST_ANNOTATION, String(cost)).then(
      () => {
        this.inFlight = false;
        this.current = cost;
        this.retryNr = 0;
        this.annotations++;
        this.update(); // membership may have moved on meanwhile
      },
      (err: unknown) => {
        this.inFlight = false;
        if (err instanceof KubernetesStatusError && err.status >= 400 && err.status < 500) {
          this.current = cost; // not retried until the cost changes, as Pekko gives up on client errors
          if (err.status === 403) {
            logger.error(
              { podName, status: err.status, role: podPatchRole(api.namespace) },
              `Forbidden to annotate pod [${podName}] with its pod-deletion-cost. Not retrying. Allow the pod's service account to patch pods, e.g.:\n${podPatchRole(api.namespace)}`,
            );
          } else {
            logger.error({ err, podName, status: err.status }, 'There was a client error when trying to set pod-deletion-cost annotation. Not retrying, check configuration.');
          }
          return;
        }
        const level = this.retryNr < 3 ? 'info' : 'warn';
        logger[level](
          { err, podName, retryNr: this.retryNr },
          `Failed to update pod-deletion-cost annotation: [${(err as Error).message}]. Scheduled retry with fixed delay of ${retryDelayMs} ms, retry number ${this.retryNr}.`,
        );
        this.retryNr++;
        this.retry = scheduler.schedule(retryDelayMs, () => {
          this.retry = undefined;
          this.current = Number.NaN; // write again even if the cost is unchanged
          this.update();
        });
      },
    );
  }
}
