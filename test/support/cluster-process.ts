// A real cluster node process for tests and benchmarks. It loads configuration like the CLI
// (reference.conf, then the application text given with --config-text, then -Dpath=value
// arguments), creates the cluster with createCluster (with failure detection), and is driven
// over JSON lines:
//   stdin  <- {"id":1,"cmd":"state"} | leave | down | join | stats | usage | block | unblock | exit
//   stdout -> {"id":1,"ok":true,"result":...} answers, and {"event":...} notifications
// Logs go to stderr. The process exits when stdin closes (so it never outlives its parent) and
// when its cluster node terminates (left, removed or downed), as a Pekko node would.
import { formatAddress, parseAddress, type Address } from '../../src/address.js';
import type { Member } from '../../src/cluster/api.js';
import { createCluster } from '../../src/cluster/create.js';
import { HeartbeatPlugin } from '../../src/cluster/heartbeat-plugin.js';
import { clusterSettingsFromConfig } from '../../src/cluster/settings.js';
import { remoteSettingsFromConfig } from '../../src/cluster/remote-settings.js';
import { configFromArgs, serveCommands, writeLine as write } from './node-process-io.js';

function memberView(m: Member): Record<string, unknown> {
  return {
    address: formatAddress(m.uniqueAddress.address),
    uid: m.uniqueAddress.uid.toString(),
    status: m.status,
    upNumber: m.upNumber,
    roles: m.roles,
  };
}

async function main(): Promise<void> {
  const { config, logger } = await configFromArgs(process.argv.slice(2));
  const cluster = await createCluster(
    { remote: remoteSettingsFromConfig(config), cluster: clusterSettingsFromConfig(config) },
    { logger, plugins: [new HeartbeatPlugin()] },
  );
  const { node, transport } = cluster;
  let exiting = false;
  const exit = async (code: number): Promise<void> => {
    if (exiting) return;
    exiting = true;
    await cluster.stop();
    process.exit(code);
  };

  node.subscribe((event) => {
    const e: Record<string, unknown> = { event: 'cluster', type: event.type };
    if ('member' in event) e.member = formatAddress(event.member.uniqueAddress.address);
    if ('leader' in event) e.leader = event.leader ? formatAddress(event.leader) : null;
    write(e);
  });
  void node.whenTerminated.then((reason) => {
    write({ event: 'terminated', reason });
    void exit(0);
  });

  const target = (cmd: Record<string, unknown>): Address =>
    typeof cmd.address === 'string' ? parseAddress(cmd.address) : node.selfAddress;
  const handle = (cmd: Record<string, unknown>): unknown => {
    switch (cmd.cmd) {
      case 'state': {
        const s = node.state();
        return {
          self: memberView(s.self),
          members: s.members.map(memberView),
          leader: s.leader ? formatAddress(s.leader) : null,
          unreachable: s.unreachable.map((u) => formatAddress(u.subject.address)),
          seenBy: s.seenBy.map(formatAddress),
        };
      }
      case 'leave':
        node.leave(target(cmd));
        return null;
      case 'down':
        node.down(target(cmd));
        return null;
      case 'join':
        node.join(target(cmd));
        return null;
      case 'stats':
        return { transport: transport.stats(), node: node.counters };
      case 'usage':
        return { cpu: process.cpuUsage(), memory: process.memoryUsage(), uptimeMs: process.uptime() * 1000 };
      case 'block':
        transport.faults.block(target(cmd));
        return null;
      case 'unblock':
        transport.faults.unblock(target(cmd));
        return null;
      case 'exit':
        setImmediate(() => void exit(0));
        return null;
      default:
        throw new Error(`unknown command ${String(cmd.cmd)}`);
    }
  };

  serveCommands(handle, () => void exit(0));
  process.on('SIGTERM', () => void exit(0));

  write({ event: 'ready', address: formatAddress(node.selfAddress), uid: node.selfUniqueAddress.uid.toString() });
}

main().catch((err: unknown) => {
  process.stderr.write(`cluster-process failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(2);
});
