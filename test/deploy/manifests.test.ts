// The example deploy files: every Kubernetes object validates against the Kubernetes OpenAPI schemas
// (kubernetes-models ships them, compiled for ajv), and the files agree with each other and with
// application.conf (probe ports, labels, selectors, RBAC, the headless Service, discovery method).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Service } from 'kubernetes-models/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { loadConfig } from '../../src/config/load.js';
import { remoteSettingsFromConfig } from '../../src/cluster/remote-settings.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const example = (mode: string, file: string): string => path.join(repoRoot, 'examples', mode, file);

type Doc = { apiVersion?: string; kind?: string } & Record<string, unknown>;

/** Validates one object with the model of its apiVersion/kind; throws with the schema errors. */
function validate(doc: Doc): void {
  const key = `${doc.apiVersion}/${doc.kind}`;
  switch (key) {
    case 'apps/v1/Deployment':
      new Deployment(doc as unknown as IDeployment).validate();
      return;
    case 'v1/Service':
      new Service(doc as unknown as IService).validate();
      return;
    case 'rbac.authorization.k8s.io/v1/Role':
      new Role(doc as unknown as IRole).validate();
      return;
    case 'rbac.authorization.k8s.io/v1/RoleBinding':
      new RoleBinding(doc as unknown as IRoleBinding).validate();
      return;
    default:
      throw new Error(`no schema for ${key}`);
  }
}

function docs(mode: string): Doc[] {
  // Plain data, unknown fields kept: the schemas see exactly what kubectl would send.
  return parseAllDocuments(readFileSync(example(mode, 'kubernetes.yml'), 'utf8'))
    .map((d) => {
      assert.deepEqual(d.errors, [], `${mode}/kubernetes.yml parses`);
      return d.toJS() as Doc;
    })
    .filter((d) => d !== null);
}

function only<T>(all: Doc[], kind: string): T {
  const found = all.filter((d) => d.kind === kind);
  assert.equal(found.length, 1, `exactly one ${kind}`);
  return found[0] as unknown as T;
}

/** Checks every example shares: rolling update limits, labels, probes on the named management port. */
function checkDeployment(d: IDeployment): NonNullable<NonNullable<IDeployment['spec']>['template']['spec']>['containers'][number] {
  const spec = d.spec!;
  assert.deepEqual(spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  const podLabels = spec.template.metadata!.labels!;
  for (const [k, v] of Object.entries(spec.selector.matchLabels!)) assert.equal(podLabels[k], v, `selector ${k} matches the pod template`);
  const [c, ...rest] = spec.template.spec!.containers;
  assert.equal(rest.length, 0);
  const management = c!.ports!.find((p) => p.name === 'management');
  assert.equal(management?.containerPort, 7626);
  assert.deepEqual(c!.readinessProbe!.httpGet, { path: '/ready', port: 'management' });
  assert.deepEqual(c!.livenessProbe!.httpGet, { path: '/alive', port: 'management' });
  return c!;
}

async function checkApplicationConf(mode: string, method: string, env: Record<string, string>): Promise<void> {
  const config = await loadConfig({ configFile: example(mode, 'application.conf'), env });
  assert.equal(config.getString('pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method'), method);
  assert.equal(config.getInt('pekko.management.http.port'), 7626, 'probes and bootstrap use the containerPort of `management`');
  assert.equal(config.getString('pekko.management.cluster.bootstrap.contact-point-discovery.service-name'), env.PEKKO_CLUSTER_BOOTSTRAP_SERVICE_NAME);
  assert.equal(config.getInt('pekko.remote.artery.canonical.port'), 17355);
  assert.equal(config.getString('pekko.cluster.downing-provider-class'), 'org.apache.pekko.cluster.sbr.SplitBrainResolverProvider');
}

test('kubernetes-api example: schema-valid Deployment, Role and RoleBinding that fit together', async () => {
  const all = docs('kubernetes-api');
  for (const d of all) validate(d);
  const deployment = only<IDeployment>(all, 'Deployment');
  const c = checkDeployment(deployment);
  const serviceNameEnv = c.env!.find((e) => e.name === 'PEKKO_CLUSTER_BOOTSTRAP_SERVICE_NAME')!;
  assert.equal(serviceNameEnv.valueFrom!.fieldRef!.fieldPath, "metadata.labels['app']");
  assert.equal(deployment.spec!.template.metadata!.labels!.app, 'muster-demo', 'the label the env var copies exists');
  assert.equal(c.env!.find((e) => e.name === 'KUBERNETES_NAMESPACE')!.valueFrom!.fieldRef!.fieldPath, 'metadata.namespace');
  const role = only<IRole>(all, 'Role');
  const podRule = role.rules!.find((r) => r.apiGroups!.includes('') && r.resources!.includes('pods'))!;
  for (const verb of ['get', 'list', 'watch', 'patch']) assert.ok(podRule.verbs.includes(verb), `Role grants ${verb} on pods`);
  await checkPodDeletionCost('kubernetes-api', c);
  // The replicas fast path reads spec.replicas of the pod's owner.
  const ownerRule = role.rules!.find((r) => r.apiGroups!.includes('apps'))!;
  for (const kind of ['replicasets', 'statefulsets']) assert.ok(ownerRule.resources!.includes(kind) && ownerRule.verbs.includes('get'), `get on ${kind}`);
  const binding = only<IRoleBinding>(all, 'RoleBinding');
  assert.deepEqual(binding.roleRef, { kind: 'Role', name: role.metadata!.name, apiGroup: 'rbac.authorization.k8s.io' });
  const account = deployment.spec!.template.spec!.serviceAccountName ?? 'default';
  assert.ok(binding.subjects!.some((s) => s.kind === 'ServiceAccount' && s.name === account), 'bound to the pods\' service account');
  await checkApplicationConf('kubernetes-api', 'kubernetes-api', { PEKKO_CLUSTER_BOOTSTRAP_SERVICE_NAME: 'muster-demo' });
  const config = await loadConfig({ configFile: example('kubernetes-api', 'application.conf'), env: {} });
  assert.equal(config.getString('pekko.discovery.kubernetes-api.pod-label-selector'), 'app=%s');
  assert.equal(config.getString('muster.bootstrap.expected-replicas'), 'kubernetes');
});

test('kubernetes-dns example: schema-valid Deployment and headless Service publishing not-ready pods', async () => {
  const all = docs('kubernetes-dns');
  for (const d of all) validate(d);
  const deployment = only<IDeployment>(all, 'Deployment');
  const c = checkDeployment(deployment);
  const service = only<IService>(all, 'Service');
  assert.equal(service.spec!.clusterIP, 'None');
  assert.equal(service.spec!.publishNotReadyAddresses, true);
  const podLabels = deployment.spec!.template.metadata!.labels!;
  for (const [k, v] of Object.entries(service.spec!.selector!)) assert.equal(podLabels[k], v, 'the Service selects the pods');
  const mgmt = service.spec!.ports!.find((p) => p.name === 'management')!;
  assert.equal(mgmt.port, 7626);
  assert.equal(mgmt.targetPort, 7626);
  const serviceName = c.env!.find((e) => e.name === 'PEKKO_CLUSTER_BOOTSTRAP_SERVICE_NAME')!.value;
  assert.equal(serviceName, service.metadata!.name, 'bootstrap looks up the headless Service');
  await checkApplicationConf('kubernetes-dns', 'pekko-dns', { PEKKO_CLUSTER_BOOTSTRAP_SERVICE_NAME: serviceName! });
  const expected = c.env!.find((e) => e.name === 'MUSTER_EXPECTED_REPLICAS')!.value;
  assert.equal(Number(expected), deployment.spec!.replicas, 'the fast-path count matches spec.replicas');
  const config = await loadConfig({ configFile: example('kubernetes-dns', 'application.conf'), env: { MUSTER_EXPECTED_REPLICAS: expected! } });
  assert.equal(config.getInt('muster.bootstrap.expected-replicas'), 3);
  const role = only<IRole>(all, 'Role');
  assert.ok(role.rules!.some((r) => r.apiGroups!.includes('') && r.resources!.includes('pods') && r.verbs.includes('patch')), 'Role grants patch on pods');
  const binding = only<IRoleBinding>(all, 'RoleBinding');
  assert.deepEqual(binding.roleRef, { kind: 'Role', name: role.metadata!.name, apiGroup: 'rbac.authorization.k8s.io' });
  assert.ok(binding.subjects!.some((s) => s.kind === 'ServiceAccount' && s.name === (deployment.spec!.template.spec!.serviceAccountName ?? 'default')));
  await checkPodDeletionCost('kubernetes-dns', c);
});

/** The annotator is on and gets this pod's name and namespace from the downward API. */
async function checkPodDeletionCost(mode: string, c: ReturnType<typeof checkDeployment>): Promise<void> {
  assert.equal(c.env!.find((e) => e.name === 'KUBERNETES_POD_NAME')?.valueFrom?.fieldRef?.fieldPath, 'metadata.name');
  assert.equal(c.env!.find((e) => e.name === 'KUBERNETES_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath, 'metadata.namespace');
  const config = await loadConfig({ configFile: example(mode, 'application.conf'), env: { KUBERNETES_POD_NAME: 'p-0', KUBERNETES_NAMESPACE: 'n' } });
  assert.equal(config.getBoolean('muster.rollingupdate.pod-deletion-cost.enabled'), true);
  assert.equal(config.getString('pekko.rollingupdate.kubernetes.pod-name'), 'p-0');
  assert.equal(config.getString('pekko.rollingupdate.kubernetes.namespace'), 'n');
}

test('kubernetes-istio example: cluster and management ports excluded from the sidecar, proxy first, probes on management', async () => {
  const all = docs('kubernetes-istio');
  for (const d of all) validate(d);
  const deployment = only<IDeployment>(all, 'Deployment');
  const c = checkDeployment(deployment);
  const annotations = deployment.spec!.template.metadata!.annotations!;
  const ports = (v: string | undefined) => (v ?? '').split(',').map((p) => Number(p.trim())).sort();
  const byName = (n: string) => c.ports!.find((p) => p.name === n)!.containerPort;
  const expected = [byName('remoting'), byName('management')].sort();
  assert.deepEqual(ports(annotations['traffic.sidecar.istio.io/excludeInboundPorts']), expected);
  assert.deepEqual(ports(annotations['traffic.sidecar.istio.io/excludeOutboundPorts']), expected);
  assert.equal((JSON.parse(annotations['proxy.istio.io/config']!) as { holdApplicationUntilProxyStarts?: boolean }).holdApplicationUntilProxyStarts, true);
  // Probes stay httpGet on the named management port, so Istio's probe rewrite finds them.
  assert.equal(c.readinessProbe!.httpGet!.port, 'management');
  const role = only<IRole>(all, 'Role');
  assert.ok(role.rules!.some((r) => r.resources!.includes('pods') && ['list', 'patch'].every((v) => r.verbs.includes(v))));
  await checkApplicationConf('kubernetes-istio', 'kubernetes-api', { PEKKO_CLUSTER_BOOTSTRAP_SERVICE_NAME: 'muster-demo' });
  const config = await loadConfig({ configFile: example('kubernetes-istio', 'application.conf'), env: {} });
  assert.equal(config.getInt('pekko.remote.artery.canonical.port'), byName('remoting'));
  assert.deepEqual(config.getStringList('pekko.management.cluster.health-check.ready-states'), ['Up']);
  await checkPodDeletionCost('kubernetes-istio', c);
});

test('the schema check rejects broken manifests', () => {
  const [deployment] = docs('kubernetes-api') as Array<Doc & { spec: { template: { spec: { containers: Array<Record<string, unknown>> } } } }>;
  const broken = structuredClone(deployment!);
  broken.spec.template.spec.containers[0]!.ports = [{ name: 'management', containerPort: '7626' }];
  assert.throws(() => validate(broken), /containerPort must be integer/);
  const [, service] = docs('kubernetes-dns') as Array<Doc & { spec: Record<string, unknown> }>;
  assert.throws(() => validate({ ...service!, spec: { ...service!.spec, publishNotReadyAddresses: 'yes' } }), /publishNotReadyAddresses must be boolean/);
  assert.throws(() => validate({ apiVersion: 'v1', kind: 'Pod' }), /no schema for v1\/Pod/);
});

test('Dockerfiles build on node:20-slim and run dist/main.js with the example config they copy', () => {
  for (const mode of ['kubernetes-api', 'kubernetes-dns', 'kubernetes-tls']) {
    const text = readFileSync(example(mode, 'Dockerfile'), 'utf8');
    const froms = [...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    assert.ok(froms.length > 0 && froms.every((f) => f === 'node:20-slim'), `${mode}: FROM node:20-slim`);
    assert.match(text, new RegExp(`^COPY examples/${mode}/application\\.conf \\./application\\.conf$`, 'm'));
    assert.match(text, /^WORKDIR \/app$/m);
    assert.match(text, /^CMD \["node", "dist\/main\.js", "--config", "\/app\/application\.conf"\]$/m);
    assert.match(text, /^EXPOSE 7626 17355$/m);
    // reference.conf includes reference/*.conf: both must reach the runtime image
    assert.match(text, /^COPY --from=build \/src\/package\.json \/src\/reference\.conf \.\/$/m);
    assert.match(text, /^COPY --from=build \/src\/reference \.\/reference$/m);
  }
});

// cert-manager's CRDs are not in kubernetes-models: their objects get a shape check of the fields
// the example uses (types and allowed values from the cert-manager.io/v1 API reference).
const GO_DURATION = /^(\d+h)?(\d+m)?(\d+s)?$/;
const USAGES = new Set(['signing', 'digital signature', 'content commitment', 'key encipherment', 'key agreement', 'data encipherment',
  'cert sign', 'crl sign', 'encipher only', 'decipher only', 'any', 'server auth', 'client auth', 'code signing', 'email protection',
  's/mime', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'timestamping', 'ocsp signing', 'microsoft sgc', 'netscape sgc']);

function hours(d: string): number {
  const m = GO_DURATION.exec(d)!;
  return Number(m[1]?.slice(0, -1) ?? 0) + Number(m[2]?.slice(0, -1) ?? 0) / 60 + Number(m[3]?.slice(0, -1) ?? 0) / 3600;
}

function checkCertManager(doc: Doc): void {
  const where = `${doc.kind}/${(doc.metadata as { name?: string } | undefined)?.name}`;
  assert.equal(doc.apiVersion, 'cert-manager.io/v1', where);
  const meta = doc.metadata as Record<string, unknown>;
  assert.match(String(meta.name), /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `${where}: metadata.name is a DNS label`);
  const spec = doc.spec as Record<string, unknown>;
  assert.equal(typeof spec, 'object', `${where}: spec`);
  if (doc.kind === 'Issuer') {
    const kinds = ['selfSigned', 'ca', 'acme', 'vault', 'venafi'].filter((k) => k in spec);
    assert.equal(kinds.length, 1, `${where}: exactly one issuer type`);
    assert.deepEqual(Object.keys(spec), kinds, `${where}: no unknown fields`);
    if ('ca' in spec) assert.equal(typeof (spec.ca as { secretName?: unknown }).secretName, 'string', `${where}: ca.secretName`);
    return;
  }
  assert.equal(doc.kind, 'Certificate', `no shape check for ${doc.kind}`);
  const known = ['secretName', 'commonName', 'dnsNames', 'ipAddresses', 'duration', 'renewBefore', 'isCA', 'privateKey', 'usages', 'issuerRef'];
  for (const k of Object.keys(spec)) assert.ok(known.includes(k), `${where}: unknown field spec.${k}`);
  assert.equal(typeof spec.secretName, 'string', `${where}: secretName`);
  for (const k of ['duration', 'renewBefore'] as const) if (k in spec) assert.match(String(spec[k]), GO_DURATION, `${where}: ${k} is a Go duration`);
  if ('isCA' in spec) assert.equal(typeof spec.isCA, 'boolean', `${where}: isCA`);
  if ('dnsNames' in spec) assert.ok(Array.isArray(spec.dnsNames) && spec.dnsNames.every((n) => typeof n === 'string'), `${where}: dnsNames`);
  if ('usages' in spec) for (const u of spec.usages as unknown[]) assert.ok(USAGES.has(String(u)), `${where}: usage ${String(u)}`);
  const key = spec.privateKey as Record<string, unknown> | undefined;
  if (key) {
    assert.ok(['RSA', 'ECDSA', 'Ed25519'].includes(String(key.algorithm)), `${where}: privateKey.algorithm`);
    if ('size' in key) assert.equal(typeof key.size, 'number', `${where}: privateKey.size`);
    if ('rotationPolicy' in key) assert.ok(['Always', 'Never'].includes(String(key.rotationPolicy)), `${where}: rotationPolicy`);
  }
  const ref = spec.issuerRef as Record<string, unknown>;
  assert.equal(typeof ref.name, 'string', `${where}: issuerRef.name`);
  assert.ok(['Issuer', 'ClusterIssuer'].includes(String(ref.kind)), `${where}: issuerRef.kind`);
  assert.equal(ref.group, 'cert-manager.io', `${where}: issuerRef.group`);
}

test('kubernetes-tls example: cert-manager issues the node certificate into the Secret the pods mount where rotating-keys-engine reads it', async () => {
  const all = docs('kubernetes-tls');
  const certManager = all.filter((d) => String(d.apiVersion).startsWith('cert-manager.io/'));
  for (const d of all) (certManager.includes(d) ? checkCertManager : validate)(d);
  const named = (kind: string, name: string) => all.find((d) => d.kind === kind && (d.metadata as { name: string }).name === name);
  type CertSpec = { secretName: string; isCA?: boolean; issuerRef: { name: string }; commonName?: string; dnsNames?: string[]; usages?: string[]; renewBefore?: string };
  const certs = certManager.filter((d) => d.kind === 'Certificate').map((d) => d.spec as CertSpec);
  for (const c of certs) assert.ok(named('Issuer', c.issuerRef.name), `issuer ${c.issuerRef.name} is defined`);
  const ca = certs.find((c) => c.isCA)!;
  const caIssuer = certManager.find((d) => d.kind === 'Issuer' && 'ca' in (d.spec as object))!;
  assert.equal((caIssuer.spec as { ca: { secretName: string } }).ca.secretName, ca.secretName, 'the CA Issuer signs with the CA certificate');
  const node = certs.find((c) => !c.isCA)!;
  assert.equal((named('Issuer', node.issuerRef.name)!.spec as object) === caIssuer.spec, true, 'the node certificate comes from the CA Issuer');
  assert.ok(node.usages!.includes('server auth') && node.usages!.includes('client auth'), 'usable for both ends of mutual TLS');
  assert.ok(node.commonName !== undefined || (node.dnsNames ?? []).length > 0, 'a subject name the nodes share');

  const deployment = only<IDeployment>(all, 'Deployment');
  const c = checkDeployment(deployment);
  const podSpec = deployment.spec!.template.spec!;
  const volume = podSpec.volumes!.find((v) => v.secret?.secretName === node.secretName)!;
  assert.ok(volume, 'the pods mount the node certificate Secret');
  const mount = c.volumeMounts!.find((m) => m.name === volume.name)!;
  assert.equal(mount.subPath, undefined, 'no subPath, or the kubelet would not update the files on rotation');
  assert.equal(mount.readOnly, true);
  assert.equal(podSpec.securityContext?.fsGroup, 1000, 'the image user can read the key');

  await checkApplicationConf('kubernetes-tls', 'kubernetes-api', { PEKKO_CLUSTER_BOOTSTRAP_SERVICE_NAME: 'muster-demo' });
  const config = await loadConfig({ configFile: example('kubernetes-tls', 'application.conf'), env: {} });
  const remote = remoteSettingsFromConfig(config);
  assert.equal(remote.transport, 'tls-tcp');
  assert.equal(remote.tls?.engine, 'rotating-keys-engine');
  if (remote.tls?.engine !== 'rotating-keys-engine') return;
  for (const file of [remote.tls.keyFile, remote.tls.certFile, remote.tls.caCertFile]) {
    assert.equal(path.posix.dirname(file), mount.mountPath, `${file} is in the mounted Secret`);
  }
  assert.deepEqual(
    [remote.tls.keyFile, remote.tls.certFile, remote.tls.caCertFile].map((f) => path.posix.basename(f)),
    ['tls.key', 'tls.crt', 'ca.crt'],
    'the file names cert-manager writes',
  );
  assert.ok(hours(node.renewBefore!) * 3600_000 > 10 * remote.tls.contextCacheTtlMs, 'renewal overlap is far longer than the cache TTL');
});

test('the cert-manager shape check rejects broken objects', () => {
  const [issuer] = docs('kubernetes-tls');
  assert.throws(() => checkCertManager({ ...issuer!, spec: { selfSigned: {}, ca: { secretName: 'x' } } }), /exactly one issuer type/);
  const cert = docs('kubernetes-tls').find((d) => d.kind === 'Certificate')!;
  const spec = cert.spec as Record<string, unknown>;
  assert.throws(() => checkCertManager({ ...cert, spec: { ...spec, duration: '90 days' } }), /duration is a Go duration/);
  assert.throws(() => checkCertManager({ ...cert, spec: { ...spec, usages: ['client-auth'] } }), /usage client-auth/);
  assert.throws(() => checkCertManager({ ...cert, spec: { ...spec, secretNme: 'x' } }), /unknown field spec.secretNme/);
});
