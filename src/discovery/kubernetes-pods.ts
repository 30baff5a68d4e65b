// Pure part of kubernetes-api discovery: label selector formatting, PodList shape checks, pod
// filtering and target formatting (spec §3.2-§3.4). No I/O here.
import { normalizeHost, type ResolvedTarget } from '../address.js';
import { KubernetesApiMalformedResponseError } from './errors.js';

export interface PodFilterSettings {
  readonly containerName: string | undefined;
  readonly useRawIp: boolean;
  readonly podDomain: string;
}

/** Java String.format with one `%s`: `%s` becomes the name, `%%` a literal `%`. */
export function formatLabelSelector(pattern: string, serviceName: string): string {
  let used = false;
  return pattern.replace(/%(%|s)/g, (_m, c: string) => {
    if (c === '%') return '%';
    if (used) return '%s';
    used = true;
    return serviceName;
  });
}

/** `10.0.0.4` in namespace `ns` -> `10-0-0-4.ns.pod.cluster.local`; IPv6 colons become dashes too. */
export function podDnsName(podIp: string, namespace: string, podDomain: string): string {
  // Pekko only swaps dots, leaving IPv6 colons in a host name; dashes give a usable pod DNS name.
  return `${podIp.replace(/[.:]/g, '-')}.${namespace}.pod.${podDomain}`;
}

export interface PodTargets {
  readonly targets: ResolvedTarget[];
  /** Container port names seen on pods that passed the status filters (to hint at a wrong port-name). */
  readonly portNamesSeen: string[];
}

/**
 * Turns the items of one or more PodList pages into targets, in API order. `items` are the raw
 * pods (plain JSON or the client's model objects, which share field names). A missing required
 * field anywhere makes the whole answer malformed, as in Pekko's parser.
 */
export function podsToTargets(
  items: readonly unknown[],
  portName: string | undefined,
  namespace: string,
  settings: PodFilterSettings,
): PodTargets {
  const targets: ResolvedTarget[] = [];
  const portNames = new Set<string>();
  items.forEach((raw, i) => {
    const pod = checkPod(raw, i);
    if (pod.deleting || !pod.spec || !pod.status) return;
    if (pod.status.phase !== 'Running') return;
    if (settings.containerName !== undefined) {
      const statuses = pod.status.containerStatuses;
      const ok = statuses?.some((s) => s.name === settings.containerName && !s.waiting) ?? false;
      if (!ok) return;
    }
    const ip = pod.status.podIP;
    if (ip === undefined) return;
    const address = normalizeHost(ip);
    const host = settings.useRawIp ? address : podDnsName(ip, namespace, settings.podDomain);
    for (const c of pod.spec.containers) for (const p of c.ports) if (p.name !== undefined) portNames.add(p.name);
    if (portName === undefined) {
      targets.push({ host, address });
      return;
    }
    for (const c of pod.spec.containers) {
      for (const p of c.ports) if (p.name === portName) targets.push({ host, port: p.containerPort, address });
    }
  });
  return { targets, portNamesSeen: [...portNames].sort() };
}

interface CheckedPod {
  deleting: boolean;
  spec?: { containers: { ports: { name?: string; containerPort: number }[] }[] };
  status?: { phase?: string; podIP?: string; containerStatuses?: { name: string; waiting: boolean }[] };
}

function fail(where: string, what: string): never {
  throw new KubernetesApiMalformedResponseError(`Malformed PodList from the Kubernetes API: ${where} ${what}`);
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function optString(v: unknown, where: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(where, 'is not a string');
  return v;
}

function optList(v: unknown, where: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(where, 'is not a list');
  return v;
}

function checkPod(raw: unknown, i: number): CheckedPod {
  const at = `items[${i}]`;
  const pod = obj(raw) ?? fail(at, 'is not an object');
  const metadata = obj(pod['metadata']);
  const deletion = metadata?.['deletionTimestamp'];
  const result: CheckedPod = { deleting: deletion !== undefined && deletion !== null };
  const spec = obj(pod['spec']);
  if (spec) {
    if (!Array.isArray(spec['containers'])) fail(`${at}.spec.containers`, 'is missing');
    result.spec = {
      containers: (spec['containers'] as unknown[]).map((rc, ci) => {
        const cAt = `${at}.spec.containers[${ci}]`;
        const c = obj(rc) ?? fail(cAt, 'is not an object');
        if (typeof c['name'] !== 'string') fail(`${cAt}.name`, 'is missing');
        return {
          ports: optList(c['ports'], `${cAt}.ports`).map((rp, pi) => {
            const pAt = `${cAt}.ports[${pi}]`;
            const p = obj(rp) ?? fail(pAt, 'is not an object');
            const containerPort = p['containerPort'];
            if (typeof containerPort !== 'number' || !Number.isInteger(containerPort)) {
              fail(`${pAt}.containerPort`, 'is missing or not an integer');
            }
            const name = optString(p['name'], `${pAt}.name`);
            return name === undefined ? { containerPort } : { name, containerPort };
          }),
        };
      }),
    };
  }
  const status = obj(pod['status']);
  if (status) {
    const podIP = optString(status['podIP'], `${at}.status.podIP`);
    const phase = optString(status['phase'], `${at}.status.phase`);
    const statuses = status['containerStatuses'];
    result.status = {
      ...(phase !== undefined ? { phase } : {}),
      ...(podIP !== undefined && podIP !== '' ? { podIP } : {}),
      ...(statuses === undefined || statuses === null
        ? {}
        : {
            containerStatuses: optList(statuses, `${at}.status.containerStatuses`).map((rs, si) => {
              const sAt = `${at}.status.containerStatuses[${si}]`;
              const s = obj(rs) ?? fail(sAt, 'is not an object');
              if (typeof s['name'] !== 'string') fail(`${sAt}.name`, 'is missing');
              const state = obj(s['state']) ?? fail(`${sAt}.state`, 'is missing');
              return { name: s['name'], waiting: state['waiting'] !== undefined && state['waiting'] !== null };
            }),
          }),
    };
  }
  return result;
}
