// An application on Muster's library API: a periodic job that runs on exactly one node, the
// oldest Up member of the cluster, and moves to the next oldest when that member leaves (a tiny
// cluster singleton). Run one per node, e.g.:
//   node --import tsx examples/oldest-job/main.ts --config examples/local/application.conf -Dmuster.example.host=127.0.0.2
// Every option is passed to start() as for `node dist/main.js`: --config FILE and -Dpath=value.
import { pino } from 'pino';
import { compareAddress, formatAddress, start, uniqueAddressEquals, type ClusterState, type Member } from '../../src/index.js';

/** The oldest Up member (lowest upNumber, then address), as Pekko's singleton manager picks it. */
function oldestUp(state: ClusterState): Member | undefined {
  return state.members
    .filter((m) => m.status === 'Up')
    .sort((a, b) => a.upNumber - b.upNumber || compareAddress(a.uniqueAddress.address, b.uniqueAddress.address))[0];
}

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
  // SIGTERM/SIGINT: leave the cluster gracefully, then exit.
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

/** Starts or stops the job so that it runs exactly while this node is the oldest Up member. */
function reconcile(): void {
  const state = node.cluster.state();
  const oldest = oldestUp(state);
  const mine = oldest !== undefined && uniqueAddressEquals(oldest.uniqueAddress, node.cluster.selfUniqueAddress);
  if (mine && timer === undefined) {
    jobLog.info({ job: 'started' }, 'This node is the oldest Up member: starting the job');
    lastTickAt = Date.now();
    timer = setInterval(runJob, JOB_INTERVAL_MS);
    runJob();
  } else if (!mine && timer !== undefined) {
    clearInterval(timer);
    timer = undefined;
    const next = oldest ? formatAddress(oldest.uniqueAddress.address) : 'none yet';
    jobLog.info({ job: 'stopped', next }, `No longer the oldest Up member (self is ${state.self.status}): job handed over to [${next}]`);
  }
}

// Every membership change may change the oldest member; leaving turns self from Up to Leaving,
// which stops the job here before the others see self leave and the next oldest starts it.
node.cluster.subscribe(reconcile, { initialStateAsEvents: true });
void node.whenTerminated.then(() => {
  if (timer !== undefined) clearInterval(timer);
});
