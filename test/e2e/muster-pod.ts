// Muster pods for the scenarios: `node dist/main.js --config examples/<mode>/application.conf -D...`
// with the environment the example Deployment gives its pods (downward API values, the API
// service address), probes as in the example manifests, and shorter timings so steps take seconds.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PodTemplate } from './deployment.js';
import type { E2eEnvironment } from './environment.js';

export type Mode = 'kubernetes-api' | 'kubernetes-dns';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MAIN_JS = path.join(repoRoot, 'dist', 'main.js');
export const MANAGEMENT_PORT = 7626;
/** Name of the headless Service in DNS mode (as in examples/kubernetes-dns/kubernetes.yml). */
export const DNS_SERVICE = 'muster-demo-internal';

/**
 * Pekko keys set only to make scenario steps fast; each keeps its Pekko meaning. Everything else,
 * including the split brain resolver that decides partitions, comes from the example config.
 */
export const SCENARIO_OVERRIDES = [
  '-Dpekko.management.cluster.bootstrap.contact-point-discovery.stable-margin=2s',
  '-Dpekko.management.cluster.bootstrap.contact-point-discovery.interval=500ms',
  '-Dpekko.management.cluster.bootstrap.contact-point.probe-interval=500ms',
  '-Dpekko.cluster.split-brain-resolver.stable-after=4s',
];

/** Why the scenarios cannot run against this checkout, or undefined when the runtime is there. */
export function runtimeMissingReason(root = repoRoot): string | undefined {
  const main = path.join(root, 'dist', 'main.js');
  if (!existsSync(main)) return `${main} does not exist: run \`npm run build\` first`;
  if (!existsSync(path.join(root, 'dist', 'runtime.js'))) {
    return 'dist/runtime.js does not exist: the Muster runtime (config -> discovery -> cluster -> management -> bootstrap) is not built or not wired yet';
  }
  const help = spawnSync(process.execPath, [main, '--help'], { encoding: 'utf8', timeout: 15_000 });
  if (help.status !== 0 || !/--config/.test(`${help.stdout}${help.stderr}`)) {
    return `\`node dist/main.js --help\` exited ${help.status} without describing --config: ${help.stderr.slice(0, 500)}`;
  }
  return undefined;
}

export interface MusterTemplateOptions {
  mode: Mode;
  env: E2eEnvironment;
  /** The app label; in kubernetes-api mode it is also the bootstrap service name (downward API). */
  app: string;
  revision: string;
  extraOverrides?: string[];
  startDelayMs?: () => number;
}

export function musterTemplate(o: MusterTemplateOptions): PodTemplate {
  const conf = path.join(repoRoot, 'examples', o.mode, 'application.conf');
  return {
    revision: o.revision,
    labels: { app: o.app },
    containerName: 'muster-demo',
    ports: [
      { name: 'management', containerPort: MANAGEMENT_PORT },
      { name: 'remoting', containerPort: 17355 },
    ],
    readiness: { port: MANAGEMENT_PORT, path: '/ready', periodMs: 500, timeoutMs: 1000, failureThreshold: 3, successThreshold: 1 },
    liveness: { port: MANAGEMENT_PORT, path: '/alive', periodMs: 1000, timeoutMs: 1000, failureThreshold: 3, successThreshold: 1, initialDelayMs: 10_000 },
    terminationGracePeriodMs: 15_000,
    restartDelayMs: 1000,
    ...(o.startDelayMs ? { startDelayMs: o.startDelayMs } : {}),
    command: (pod) => ({
      command: process.execPath,
      args: [
        MAIN_JS,
        '--config',
        conf,
        ...(o.mode === 'kubernetes-api' ? o.env.api.discoveryOverrides() : []),
        ...SCENARIO_OVERRIDES,
        ...(o.extraOverrides ?? []),
      ],
      env: {
        // as the example manifests set them
        PEKKO_CLUSTER_BOOTSTRAP_SERVICE_NAME: o.mode === 'kubernetes-api' ? pod.labels.app! : DNS_SERVICE,
        ...(o.mode === 'kubernetes-api' ? { KUBERNETES_NAMESPACE: pod.namespace } : { NAMESPACE: pod.namespace }),
        // a rollout changes the pod template, as a new image or env value would
        MUSTER_E2E_REVISION: o.revision,
      },
    }),
  };
}
