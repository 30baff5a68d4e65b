import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatLabelSelector, podDnsName, podsToTargets, type PodFilterSettings } from '../../src/discovery/kubernetes-pods.js';
import { KubernetesApiMalformedResponseError } from '../../src/discovery/errors.js';
import { fixturePods, makePod, podListItems } from '../support/k8s-api-server.js';
import { PEKKO_FIXTURES, missingShared, sharedPath } from '../support/shared-fixtures.js';

const base: PodFilterSettings = { containerName: undefined, useRawIp: false, podDomain: 'cluster.local' };

describe('pod filtering and target formatting', () => {
  it('keeps the two running, not-deleted pods of the fixture with port name management', () => {
    const { targets } = podsToTargets(fixturePods('pods'), 'management', 'default', base);
    assert.deepEqual(targets, [
      { host: '10-2-0-11.default.pod.cluster.local', port: 7626, address: '10.2.0.11' },
      { host: '10-2-0-12.default.pod.cluster.local', port: 7626, address: '10.2.0.12' },
    ]);
  });

  it('gives one port-less target per pod without a port name, raw IPs with use-raw-ip', () => {
    const { targets } = podsToTargets(fixturePods('pods'), undefined, 'ns1', { ...base, useRawIp: true });
    assert.deepEqual(targets, [
      { host: '10.2.0.11', address: '10.2.0.11' },
      { host: '10.2.0.12', address: '10.2.0.12' },
    ]);
  });

  it('finds a port name in any container and reports the port names seen when none matches', () => {
    const pods = fixturePods('multi-container-pod');
    assert.deepEqual(podsToTargets(pods, 'grpc-proxy', 'ns', base).targets, [
      { host: '10-3-1-7.ns.pod.cluster.local', port: 9443, address: '10.3.1.7' },
    ]);
    const none = podsToTargets(pods, 'management', 'ns', base);
    assert.deepEqual(none.targets, []);
    assert.deepEqual(none.portNamesSeen, ['admin', 'grpc-proxy', 'http']);
  });

  it('with container-name keeps a pod only while that container is not waiting', () => {
    const pods = fixturePods('multi-container-pod');
    assert.equal(podsToTargets(pods, undefined, 'ns', { ...base, containerName: 'app' }).targets.length, 1);
    assert.equal(podsToTargets(pods, undefined, 'ns', { ...base, containerName: 'mesh-proxy' }).targets.length, 0);
    assert.equal(podsToTargets(pods, undefined, 'ns', { ...base, containerName: 'missing' }).targets.length, 0);
    // Pending-like pod without IP or container statuses.
    assert.equal(podsToTargets(fixturePods('multi-container-pod-pending'), undefined, 'ns', base).targets.length, 0);
  });

  it('skips terminating, pending, finished and IP-less pods but keeps unready ones', () => {
    const pods = [
      makePod({ name: 'ok', ip: '10.0.0.1', ready: false }),
      makePod({ name: 'terminating', ip: '10.0.0.2', deleting: true }),
      makePod({ name: 'pending', ip: '10.0.0.3', phase: 'Pending' }),
      makePod({ name: 'done', ip: '10.0.0.4', phase: 'Succeeded' }),
      makePod({ name: 'no-ip' }),
    ];
    assert.deepEqual(
      podsToTargets(pods, 'management', 'ns', base).targets.map((t) => t.address),
      ['10.0.0.1'],
    );
  });

  it('formats IPv6 pods: compressed raw address, dashes in the pod DNS name', () => {
    const pods = [makePod({ name: 'v6', ip: 'fd00:0:0:0:0:0:0:a' })];
    assert.deepEqual(podsToTargets(pods, 'management', 'ns', { ...base, useRawIp: true }).targets, [
      { host: 'fd00::a', port: 7626, address: 'fd00::a' },
    ]);
    assert.equal(podDnsName('fd00::a', 'ns', 'cluster.local'), 'fd00--a.ns.pod.cluster.local');
  });

  it('rejects a PodList missing required fields as malformed', () => {
    const noContainers = [{ metadata: {}, spec: {}, status: { phase: 'Running', podIP: '10.0.0.1' } }];
    assert.throws(() => podsToTargets(noContainers, undefined, 'ns', base), KubernetesApiMalformedResponseError);
    const badPort = [makePod({ name: 'p', ip: '10.0.0.1', containers: [{ name: 'c', ports: [{ name: 'x', containerPort: 'eighty' as unknown as number }] }] })];
    assert.throws(() => podsToTargets(badPort, 'x', 'ns', base), /containerPort is missing or not an integer/);
    assert.throws(() => podsToTargets(['nope'], undefined, 'ns', base), /items\[0\] is not an object/);
    const noState = [{ spec: { containers: [] }, status: { phase: 'Running', podIP: '1.2.3.4', containerStatuses: [{ name: 'c' }] } }];
    assert.throws(() => podsToTargets(noState, undefined, 'ns', base), /state is missing/);
  });
});

describe('label selector formatting', () => {
  it('replaces one %s, keeps %% as %, and uses a pattern without %s verbatim', () => {
    assert.equal(formatLabelSelector('app=%s', 'my-svc'), 'app=my-svc');
    assert.equal(formatLabelSelector('app=%s,tier=backend', 'my-svc'), 'app=my-svc,tier=backend');
    assert.equal(formatLabelSelector('pct=%%,app=%s', 'x'), 'pct=%,app=x');
    assert.equal(formatLabelSelector('role=seed', 'x'), 'role=seed');
  });
});

// Pekko Management's own PodList test files (third-party, from ../shared): the same targets as its
// Kubernetes API discovery picks from them.
const pekkoPods = (name: string) => `${PEKKO_FIXTURES}/test-discovery-kubernetes-api-${name}.json`;
describe('Pekko Management\'s PodList test files', { skip: missingShared(...['pods', 'multi-container-pod', 'multi-container-pod-pending'].map(pekkoPods)) }, () => {
  const load = (name: string) => podListItems(sharedPath(pekkoPods(name)));

  it('keeps the running, not-deleted pods with their management port', () => {
    assert.deepEqual(podsToTargets(load('pods'), 'management', 'default', base).targets, [
      { host: '172-17-0-4.default.pod.cluster.local', port: 10001, address: '172.17.0.4' },
      { host: '172-17-0-6.default.pod.cluster.local', port: 10001, address: '172.17.0.6' },
    ]);
  });

  it('finds a port in a sidecar, honours container-name, and drops the IP-less pod', () => {
    const pods = load('multi-container-pod');
    assert.deepEqual(podsToTargets(pods, 'grpc-http-proxy', 'ns', base).targets, [
      { host: '10-8-7-9.ns.pod.cluster.local', port: 8013, address: '10.8.7.9' },
    ]);
    assert.equal(podsToTargets(pods, undefined, 'ns', { ...base, containerName: 'user-function' }).targets.length, 1);
    assert.equal(podsToTargets(pods, undefined, 'ns', { ...base, containerName: 'cloudstate-sidecar' }).targets.length, 0);
    assert.equal(podsToTargets(load('multi-container-pod-pending'), undefined, 'ns', base).targets.length, 0);
  });
});
