// One scenario's machine-local "Kubernetes": the pod network, the API server on the bridge
// address, and (optionally) cluster DNS. close() always tears everything down.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PodNetwork } from './netns.js';
import { KubeApi } from './kube-api.js';
import { ClusterDns } from './cluster-dns.js';

export class E2eEnvironment {
  private constructor(
    readonly net: PodNetwork,
    readonly api: KubeApi,
    readonly dns: ClusterDns | undefined,
    readonly namespace: string,
    /** Pod logs and other artefacts; kept after the run for diagnosis. */
    readonly logDir: string,
  ) {}

  static async start(options: { namespace?: string; dns?: boolean } = {}): Promise<E2eEnvironment> {
    const namespace = options.namespace ?? 'muster-e2e';
    const net = await PodNetwork.create();
    let api: KubeApi | undefined;
    try {
      api = await KubeApi.start({ host: net.gatewayIp, namespace });
      const dns = options.dns ? await ClusterDns.start(net) : undefined;
      return new E2eEnvironment(net, api, dns, namespace, mkdtempSync(join(tmpdir(), 'muster-e2e-logs-')));
    } catch (err) {
      await api?.close();
      net.destroySync();
      throw err;
    }
  }

  async close(): Promise<void> {
    try {
      await this.dns?.stop();
      await this.api.close();
    } finally {
      this.net.destroySync();
    }
  }
}
