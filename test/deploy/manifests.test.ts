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
  for (const verb of ['get', 'list', 'watch']) assert.ok(podRule.verbs.includes(verb), `Role grants ${verb} on pods`);
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
  for (const mode of ['kubernetes-api', 'kubernetes-dns']) {
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
