// Typed settings of the cluster transport: Pekko's pekko.remote.* keys (Artery over TCP) that
// Muster honours, the system name (muster.system-name), and the Muster-only reconnect cap
// muster.remote.max-outbound-restart-backoff, and the TLS settings (remote-tls.ts) when the
// transport is tls-tcp. Read once at start-up; hosts stay as configured
// (`<getHostAddress>` is resolved when the transport starts).
import { isValidSystemName } from '../address.js';
import { ConfigError, type Config } from '../config/types.js';
import { tlsSettingsFromConfig, type TlsSettings } from './remote-tls.js';

export const GET_HOST_ADDRESS = '<getHostAddress>';
export const GET_HOST_NAME = '<getHostName>';

export interface RemoteSettings {
  /** The cluster's system name, the `system` in `pekko://system@host:port`. */
  readonly systemName: string;
  /** Protocol part of this node's address (`pekko.remote.protocol-name`). */
  readonly protocol: string;
  readonly acceptProtocolNames: readonly string[];
  /** Advertised host: an IP, a host name, `<getHostAddress>` or `<getHostName>`. */
  readonly canonicalHostname: string;
  /** Advertised port; 0 = whatever port gets bound. */
  readonly canonicalPort: number;
  /** Interface to listen on; undefined = the canonical hostname. */
  readonly bindHostname: string | undefined;
  /** Port to listen on; undefined = the canonical port. */
  readonly bindPort: number | undefined;
  readonly bindTimeoutMs: number;
  readonly maximumFrameSize: number;
  readonly outboundMessageQueueSize: number;
  readonly handshakeTimeoutMs: number;
  readonly connectionTimeoutMs: number;
  /** First reconnect delay after a failed connection attempt. */
  readonly outboundRestartBackoffMs: number;
  /** Upper bound of the doubling reconnect delay (Muster-only). */
  readonly maxOutboundRestartBackoffMs: number;
  /** Local address for outbound connections; undefined = chosen by the OS. */
  readonly outboundClientHostname: string | undefined;
  /** How long stopping waits for written messages to drain. */
  readonly shutdownFlushTimeoutMs: number;
  /** `pekko.remote.artery.transport`: plain `tcp` or `tls-tcp`. */
  readonly transport: 'tcp' | 'tls-tcp';
  /** The `pekko.remote.artery.ssl` settings; present exactly when the transport is tls-tcp. */
  readonly tls: TlsSettings | undefined;
}

/** Pekko's remote reference.conf values (and Muster's own default for the backoff cap). */
export const DEFAULT_REMOTE_SETTINGS: RemoteSettings = {
  systemName: 'default',
  protocol: 'pekko',
  acceptProtocolNames: ['pekko'],
  canonicalHostname: GET_HOST_ADDRESS,
  canonicalPort: 17355,
  bindHostname: undefined,
  bindPort: undefined,
  bindTimeoutMs: 3000,
  maximumFrameSize: 256 * 1024,
  outboundMessageQueueSize: 3072,
  handshakeTimeoutMs: 20_000,
  connectionTimeoutMs: 5000,
  outboundRestartBackoffMs: 1000,
  maxOutboundRestartBackoffMs: 5000,
  outboundClientHostname: undefined,
  shutdownFlushTimeoutMs: 1000,
  transport: 'tcp',
  tls: undefined,
};

const REMOTE = 'pekko.remote';
const ARTERY = 'pekko.remote.artery';
/** Pekko refuses smaller frames too: every cluster message must fit. */
const MIN_FRAME_SIZE = 32_000;

export function remoteSettingsFromConfig(config: Config): RemoteSettings {
  const d = DEFAULT_REMOTE_SETTINGS;
  if (config.has(`${ARTERY}.enabled`) && !config.getBoolean(`${ARTERY}.enabled`)) {
    throw new ConfigError(
      `${ARTERY}.enabled = off selects Pekko's classic remoting, which Muster does not implement; ` +
        `remove it or set it to on (${config.describeOrigin(`${ARTERY}.enabled`)})`,
      `${ARTERY}.enabled`,
    );
  }
  const transport = stringOr(config, `${ARTERY}.transport`, 'tcp');
  if (transport !== 'tcp' && transport !== 'tls-tcp') {
    throw new ConfigError(
      `${ARTERY}.transport = ${transport} is not supported; Muster implements [tcp] and [tls-tcp] ` +
        `(${config.describeOrigin(`${ARTERY}.transport`)})`,
      `${ARTERY}.transport`,
    );
  }
  const systemName = stringOr(config, 'muster.system-name', d.systemName);
  if (!isValidSystemName(systemName)) {
    throw new ConfigError(
      `muster.system-name [${systemName}] must match [a-zA-Z0-9][a-zA-Z0-9_-]* (${config.describeOrigin('muster.system-name')})`,
      'muster.system-name',
    );
  }
  const canonicalPort = port(config, `${ARTERY}.canonical.port`, d.canonicalPort);
  const canonicalHostname = stringOr(config, `${ARTERY}.canonical.hostname`, d.canonicalHostname).trim();
  if (canonicalHostname === '') {
    throw new ConfigError(`${ARTERY}.canonical.hostname must not be empty (${config.describeOrigin(`${ARTERY}.canonical.hostname`)})`, `${ARTERY}.canonical.hostname`);
  }
  const bindPortValue = config.has(`${ARTERY}.bind.port`) ? String(config.getValue(`${ARTERY}.bind.port`)).trim() : '';
  const maximumFrameSize = config.has(`${ARTERY}.advanced.maximum-frame-size`)
    ? config.getBytes(`${ARTERY}.advanced.maximum-frame-size`)
    : d.maximumFrameSize;
  if (maximumFrameSize < MIN_FRAME_SIZE || maximumFrameSize > 0xffffffff) {
    throw new ConfigError(
      `${ARTERY}.advanced.maximum-frame-size must be at least ${MIN_FRAME_SIZE} bytes and below 4 GiB, got ${maximumFrameSize} ` +
        `(${config.describeOrigin(`${ARTERY}.advanced.maximum-frame-size`)})`,
      `${ARTERY}.advanced.maximum-frame-size`,
    );
  }
  const outboundMessageQueueSize = config.has(`${ARTERY}.advanced.outbound-message-queue-size`)
    ? config.getInt(`${ARTERY}.advanced.outbound-message-queue-size`)
    : d.outboundMessageQueueSize;
  if (outboundMessageQueueSize < 1) {
    throw new ConfigError(
      `${ARTERY}.advanced.outbound-message-queue-size must be at least 1 (${config.describeOrigin(`${ARTERY}.advanced.outbound-message-queue-size`)})`,
      `${ARTERY}.advanced.outbound-message-queue-size`,
    );
  }
  const outboundRestartBackoffMs = positiveDuration(config, `${ARTERY}.advanced.outbound-restart-backoff`, d.outboundRestartBackoffMs);
  const maxOutboundRestartBackoffMs = positiveDuration(config, 'muster.remote.max-outbound-restart-backoff', d.maxOutboundRestartBackoffMs);
  return {
    systemName,
    protocol: stringOr(config, `${REMOTE}.protocol-name`, d.protocol),
    acceptProtocolNames: config.has(`${REMOTE}.accept-protocol-names`)
      ? config.getStringList(`${REMOTE}.accept-protocol-names`)
      : d.acceptProtocolNames,
    canonicalHostname,
    canonicalPort,
    bindHostname: blankToUndefined(stringOr(config, `${ARTERY}.bind.hostname`, '')),
    bindPort: bindPortValue === '' ? undefined : port(config, `${ARTERY}.bind.port`, 0),
    bindTimeoutMs: positiveDuration(config, `${ARTERY}.bind.bind-timeout`, d.bindTimeoutMs),
    maximumFrameSize,
    outboundMessageQueueSize,
    handshakeTimeoutMs: positiveDuration(config, `${ARTERY}.advanced.handshake-timeout`, d.handshakeTimeoutMs),
    connectionTimeoutMs: positiveDuration(config, `${ARTERY}.advanced.tcp.connection-timeout`, d.connectionTimeoutMs),
    outboundRestartBackoffMs,
    maxOutboundRestartBackoffMs: Math.max(maxOutboundRestartBackoffMs, outboundRestartBackoffMs),
    outboundClientHostname: blankToUndefined(stringOr(config, `${ARTERY}.advanced.tcp.outbound-client-hostname`, '')),
    shutdownFlushTimeoutMs: positiveDuration(config, `${ARTERY}.advanced.shutdown-flush-timeout`, d.shutdownFlushTimeoutMs),
    transport,
    tls: transport === 'tls-tcp' ? tlsSettingsFromConfig(config) : undefined,
  };
}

function stringOr(config: Config, path: string, fallback: string): string {
  return config.has(path) ? config.getString(path) : fallback;
}

function blankToUndefined(value: string): string | undefined {
  const t = value.trim();
  return t === '' ? undefined : t;
}

function port(config: Config, path: string, fallback: number): number {
  if (!config.has(path)) return fallback;
  const text = String(config.getValue(path)).trim();
  const value = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(value >= 0 && value <= 65535)) {
    throw new ConfigError(`${path} must be a port number 0-65535, got [${text}] (${config.describeOrigin(path)})`, path);
  }
  return value;
}

function positiveDuration(config: Config, path: string, fallback: number): number {
  const ms = config.has(path) ? config.getDurationMs(path) : fallback;
  if (!(ms > 0) || !Number.isFinite(ms)) {
    throw new ConfigError(`${path} must be a duration greater than 0 (${config.describeOrigin(path)})`, path);
  }
  return ms;
}
