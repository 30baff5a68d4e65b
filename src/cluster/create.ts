// Builds a running cluster member from typed settings: resolves the canonical host, starts the
// TCP transport (listening), creates the ClusterNode on it with the given plugins and starts it
// (which joins pekko.cluster.seed-nodes when configured). The runtime calls this once.
import { lookup } from 'node:dns/promises';
import { hostname as osHostname, networkInterfaces } from 'node:os';
import { newUid, normalizeHost, type UniqueAddress } from '../address.js';
import { systemScheduler, type Random, type Scheduler } from '../clock.js';
import type { ClusterSettings } from './settings.js';
import { GET_HOST_ADDRESS, GET_HOST_NAME, type RemoteSettings } from './remote-settings.js';
import { silentLogger, type Logger } from '../logging.js';
import type { JoinConfig } from './join-config.js';
import { ClusterNode } from './node.js';
import type { ClusterPlugin } from './plugin.js';
import type { ClusterMessage } from './protocol.js';
import { TcpTransport, type TcpTransportSettings } from './tcp-transport.js';
import { clusterMessageCodec } from './wire-codec.js';

export interface ClusterCreateSettings {
  readonly remote: RemoteSettings;
  readonly cluster: ClusterSettings;
}

export interface ClusterDeps {
  readonly logger?: Logger;
  readonly scheduler?: Scheduler;
  readonly random?: Random;
  /** This incarnation's uid; a fresh random one by default. */
  readonly uid?: bigint;
  readonly plugins?: readonly ClusterPlugin[];
  readonly joinConfig?: JoinConfig;
  /** What `<getHostAddress>` means; by default the address this machine's host name resolves to. */
  readonly hostAddress?: () => Promise<string>;
}

export interface CreatedCluster {
  readonly node: ClusterNode;
  readonly transport: TcpTransport<ClusterMessage>;
  readonly selfUniqueAddress: UniqueAddress;
  /** Stops the node (without leaving) and closes the transport; safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Like Java's InetAddress.getLocalHost().getHostAddress(): the address the host name resolves to.
 * When the name does not resolve, the first non-internal interface address (IPv4 preferred).
 */
export async function defaultHostAddress(): Promise<string> {
  try {
    return (await lookup(osHostname())).address;
  } catch {
    const addresses = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i !== undefined && !i.internal);
    const pick = addresses.find((i) => i?.family === 'IPv4') ?? addresses[0];
    if (!pick) throw new Error(`Cannot determine this machine's address for ${GET_HOST_ADDRESS}: set pekko.remote.artery.canonical.hostname`);
    return pick.address;
  }
}

async function resolveHost(host: string, hostAddress: () => Promise<string>): Promise<string> {
  if (host === GET_HOST_ADDRESS) return normalizeHost(await hostAddress());
  if (host === GET_HOST_NAME) return osHostname();
  return normalizeHost(host);
}

/** Turns configured remote settings into concrete transport settings (hosts resolved). */
export async function transportSettings(
  remote: RemoteSettings,
  hostAddress: () => Promise<string> = defaultHostAddress,
): Promise<TcpTransportSettings> {
  const host = await resolveHost(remote.canonicalHostname, hostAddress);
  return {
    canonical: { protocol: remote.protocol, system: remote.systemName, host, port: remote.canonicalPort },
    ...(remote.bindHostname !== undefined ? { bindHostname: await resolveHost(remote.bindHostname, hostAddress) } : {}),
    ...(remote.bindPort !== undefined ? { bindPort: remote.bindPort } : {}),
    bindTimeoutMs: remote.bindTimeoutMs,
    acceptProtocolNames: remote.acceptProtocolNames,
    maximumFrameSize: remote.maximumFrameSize,
    outboundMessageQueueSize: remote.outboundMessageQueueSize,
    handshakeTimeoutMs: remote.handshakeTimeoutMs,
    connectionTimeoutMs: remote.connectionTimeoutMs,
    outboundRestartBackoffMs: remote.outboundRestartBackoffMs,
    outboundRestartMaxBackoffMs: remote.maxOutboundRestartBackoffMs,
    ...(remote.outboundClientHostname !== undefined ? { outboundClientHostname: remote.outboundClientHostname } : {}),
    shutdownFlushTimeoutMs: remote.shutdownFlushTimeoutMs,
    ...(remote.tls ? { tls: remote.tls } : {}),
  };
}

export async function createCluster(settings: ClusterCreateSettings, deps: ClusterDeps = {}): Promise<CreatedCluster> {
  const logger = deps.logger ?? silentLogger;
  const scheduler = deps.scheduler ?? systemScheduler;
  const uid = deps.uid ?? newUid();
  const transport = await TcpTransport.start({
    settings: await transportSettings(settings.remote, deps.hostAddress),
    codec: clusterMessageCodec,
    uid,
    logger,
    scheduler,
  });
  const self: UniqueAddress = { address: transport.localAddress, uid };
  let node: ClusterNode;
  try {
    node = new ClusterNode({
      self,
      settings: settings.cluster,
      transport,
      scheduler,
      random: deps.random ?? Math.random,
      logger: logger.child({ component: 'cluster' }),
      ...(deps.plugins ? { plugins: deps.plugins } : {}),
      ...(deps.joinConfig ? { joinConfig: deps.joinConfig } : {}),
    });
    node.start();
  } catch (err) {
    await transport.close();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    node,
    transport,
    selfUniqueAddress: self,
    stop() {
      stopping ??= (async () => {
        node.shutdown();
        await transport.close();
      })();
      return stopping;
    },
  };
}
