// An application on Muster's library API: a periodic job that runs on exactly one node, the
// oldest Up member of the cluster, and moves to the next oldest when that member leaves, through
// the cluster singleton API (cluster.singleton). Run one per node, e.g.:
//   node --import tsx examples/oldest-job/main.ts --config examples/local/application.conf -Dmuster.example.host=127.0.0.2
// Every option is passed to start() as for `node dist/main.js`: --config FILE and -Dpath=value.
import { pino } from 'pino';
import { compareAddress, formatAddress, start, uniqueAddressEquals } from '../../src/index.js';

function parseArgs(argv: readonly string[]): { configFile?: string; overrides: string[] } {
  const overrides: string[] = [];
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config') configFile = argv[++i];
    else if (a.startsWith('-D')) overrides.push(a);
    else throw new Error(`unexpected argument ${a} (use --config FILE and -Dpath=value)`);
  }
  return { ...(configFile !== undefined && { configFile }), overrides };
}

const JOB_INTERVAL_MS = 1000;
const logger = pino({ level: process.env.MUSTER_LOG_LEVEL ?? 'info' });
const jobLog = logger.child({ component: 'oldest-job' });

let timer: NodeJS.Timeout | undefined;
let ticks = 0;
let lastTickAt = Date.now();

const node = await start({
  ...parseArgs(process.argv.slice(2)),
  logger,
  // SIGTERM/SIGINT: leave the cluster gracefully (the singleton is handed over), then exit.
  handleSignals: true,
  // Liveness: while this node runs the job, the job must keep ticking.
  healthChecks: { liveness: [{ id: 'oldest-job', check: () => timer === undefined || Date.now() - lastTickAt < 5 * JOB_INTERVAL_MS }] },
  // Shutdown started some other way (left over HTTP, downed): exit with its code.
  onTerminated: (result) => process.exit(result.processExitCode),
});

function runJob(): void {
  ticks++;
  lastTickAt = Date.now();
  jobLog.info({ job: 'tick', tick: ticks }, `Job tick ${ticks}`);
}

// Muster calls start on the oldest Up member only; on hand-over (this node leaves, is downed or
// an older member appears) it calls stop here and starts the successor only after stop returned.
node.cluster.singleton('oldest-job', {
  start: () => {
    jobLog.info({ job: 'started' }, 'This node is the oldest Up member: starting the job');
    lastTickAt = Date.now();
    timer = setInterval(runJob, JOB_INTERVAL_MS);
    runJob();
  },
  stop: () => {
    clearInterval(timer);
    timer = undefined;
    // For the log only: the member that takes over next, the oldest Up one besides this node.
    const state = node.cluster.state();
    const successor = state.members
      .filter((m) => m.status === 'Up' && !uniqueAddressEquals(m.uniqueAddress, node.cluster.selfUniqueAddress))
      .sort((a, b) => a.upNumber - b.upNumber || compareAddress(a.uniqueAddress.address, b.uniqueAddress.address))[0];
    const next = successor ? formatAddress(successor.uniqueAddress.address) : 'none yet';
    jobLog.info({ job: 'stopped', next }, `No longer the oldest Up member (self is ${state.self.status}): job handed over to [${next}]`);
  },
});
