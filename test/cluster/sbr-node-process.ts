// A real cluster node process for the failure/downing tests and bench/failure.ts: the cluster
// (TCP transport, ClusterNode) with failure detection, the split brain resolver from config and
// coordinated shutdown with SIGTERM/SIGINT handling, exactly as a deployment wires them.
// Driven over JSON lines: stdin <- {"id":1,"cmd":"state"|"block"|"unblock"|"down"|"leave", "address"?}
// stdout -> {"id":1,"ok":true,"result":...} and {"event":"ready"|"cluster"|"shutdown", ...}.
// It exits with coordinated shutdown's exit code when the phases have run (and when stdin closes).
import { formatAddress, parseAddress } from '../../src/address.js';
import { systemScheduler } from '../../src/clock.js';
import { createCluster } from '../../src/cluster/create.js';
import { CoordinatedShutdown, installSignalHandlers, Reasons } from '../../src/cluster/coordinated-shutdown.js';
import { CoordinatedShutdownPlugin, addClusterShutdownTasks } from '../../src/cluster/coordinated-shutdown-cluster.js';
import { HeartbeatPlugin } from '../../src/cluster/heartbeat-plugin.js';
import { SplitBrainResolver } from '../../src/cluster/sbr/resolver.js';
import type { ClusterPlugin } from '../../src/cluster/plugin.js';
import { clusterSettingsFromConfig } from '../../src/cluster/settings.js';
import { readCoordinatedShutdownSettings } from '../../src/cluster/coordinated-shutdown-settings.js';
import { remoteSettingsFromConfig } from '../../src/cluster/remote-settings.js';
import { readDowningSettings } from '../../src/cluster/sbr/settings.js';
import { readFailureDetectorSettings } from '../../src/cluster/failure-detector-settings.js';
import { configFromArgs, serveCommands, writeLine as write } from '../support/node-process-io.js';

async function main(): Promise<void> {
  const { config, logger } = await configFromArgs(process.argv.slice(2));
  const remote = remoteSettingsFromConfig(config);
  const clusterSettings = clusterSettingsFromConfig(config);
  const downing = readDowningSettings(config, remote.systemName);
  const cs = new CoordinatedShutdown(readCoordinatedShutdownSettings(config), systemScheduler, logger);
  const csPlugin = new CoordinatedShutdownPlugin(cs, clusterSettings.runCoordinatedShutdownWhenDown);
  const plugins: ClusterPlugin[] = [new HeartbeatPlugin(readFailureDetectorSettings(config)), csPlugin];
  if (downing.sbr) plugins.push(new SplitBrainResolver({ settings: downing.sbr }));
  const cluster = await createCluster({ remote, cluster: clusterSettings }, { logger, plugins });
  const { node, transport } = cluster;
  addClusterShutdownTasks(cs, node, csPlugin.hooks());
  cs.addTask('actor-system-terminate', 'close-transport', () => cluster.stop());
  const exit = (code: number) => {
    write({ event: 'shutdown', reason: cs.reason?.name, exitCode: code });
    process.exit(code);
  };
  installSignalHandlers(cs, { log: logger, exit });
  void cs.whenFinished.then((r) => exit(r.processExitCode));

  node.subscribe((e) => {
    const out: Record<string, unknown> = { event: 'cluster', type: e.type, at: Date.now() };
    if ('member' in e) out.member = formatAddress(e.member.uniqueAddress.address);
    write(out);
  });

  const handle = (cmd: Record<string, unknown>): unknown => {
    const target = typeof cmd.address === 'string' ? parseAddress(cmd.address) : node.selfAddress;
    switch (cmd.cmd) {
      case 'state': {
        const s = node.state();
        return {
          self: s.self.status,
          members: s.members.map((m) => ({ address: formatAddress(m.uniqueAddress.address), status: m.status })),
          unreachable: s.unreachable.map((u) => formatAddress(u.subject.address)),
          leader: s.leader ? formatAddress(s.leader) : null,
        };
      }
      case 'block':
        transport.faults.block(target);
        return null;
      case 'unblock':
        transport.faults.unblock(target);
        return null;
      case 'down':
        node.down(target);
        return null;
      case 'leave':
        node.leave(target);
        return null;
      default:
        throw new Error(`unknown command ${String(cmd.cmd)}`);
    }
  };
  serveCommands(handle, () => void cs.run(Reasons.ActorSystemTerminate));
  write({ event: 'ready', address: formatAddress(node.selfAddress) });
}

main().catch((err: unknown) => {
  process.stderr.write(`sbr-node-process failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(2);
});
