// Coordinated shutdown: named phases run in dependency order, each phase's tasks in parallel and
// bounded by the phase timeout; the whole sequence runs at most once, whoever asks first (a
// signal, a leave, being downed, a failed join) decides the reason and therefore the exit code.
import type { Scheduler } from '../clock.js';
import type { Logger } from '../logging.js';
import {
  CLUSTER_DOWNING_REASON,
  CLUSTER_JOIN_UNSUCCESSFUL_REASON,
  type CoordinatedShutdownSettings,
} from './coordinated-shutdown-settings.js';

/** Why shutdown runs; `pekkoClass` is the key used by `reason-overrides`. */
export interface ShutdownReason {
  readonly name: string;
  readonly pekkoClass: string;
}

const reason = (name: string): ShutdownReason => ({
  name,
  pekkoClass: `org.apache.pekko.actor.CoordinatedShutdown$${name}$`,
});

export const Reasons = {
  Unknown: reason('UnknownReason'),
  ActorSystemTerminate: reason('ActorSystemTerminateReason'),
  /** A termination signal (Pekko's JVM shutdown hook). */
  JvmExit: reason('JvmExitReason'),
  ClusterDowning: { name: 'ClusterDowningReason', pekkoClass: CLUSTER_DOWNING_REASON },
  ClusterLeaving: reason('ClusterLeavingReason'),
  ClusterJoinUnsuccessful: { name: 'ClusterJoinUnsuccessfulReason', pekkoClass: CLUSTER_JOIN_UNSUCCESSFUL_REASON },
  IncompatibleConfigurationDetected: reason('IncompatibleConfigurationDetectedReason'),
} as const satisfies Record<string, ShutdownReason>;

export type ShutdownTask = () => Promise<void> | void;

export interface PhaseOutcome {
  readonly phase: string;
  readonly result: 'done' | 'timeout' | 'failed' | 'skipped';
}

export interface ShutdownResult {
  readonly reason: ShutdownReason;
  /** Pekko's exit code for the reason (may be negative, e.g. -1 for downing). */
  readonly exitCode: number;
  /** The code a process should exit with: the exit code modulo 256 (-1 -> 255), as a JVM would. */
  readonly processExitCode: number;
  /** Whether exit-jvm (or the reason's override) asks for the process to exit. */
  readonly exitJvm: boolean;
  readonly phases: readonly PhaseOutcome[];
}

export class CoordinatedShutdown {
  private readonly tasks = new Map<string, { name: string; run: ShutdownTask }[]>();
  private running: Promise<ShutdownResult> | undefined;
  private runReason: ShutdownReason | undefined;
  private resolveFinished!: (r: ShutdownResult) => void;
  /** Resolves when a run has finished, whoever started it. */
  readonly whenFinished: Promise<ShutdownResult> = new Promise((resolve) => (this.resolveFinished = resolve));

  constructor(
    readonly settings: CoordinatedShutdownSettings,
    private readonly scheduler: Scheduler,
    private readonly log: Logger,
  ) {
    for (const p of settings.phases) this.tasks.set(p.name, []);
  }

  /** The reason of the run in progress or finished, if any. */
  get reason(): ShutdownReason | undefined {
    return this.runReason;
  }

  /** Adds a task to a phase; returns a function removing it again. */
  addTask(phase: string, name: string, run: ShutdownTask): () => void {
    const list = this.tasks.get(phase);
    if (!list) throw new Error(`unknown coordinated-shutdown phase "${phase}"`);
    const entry = { name, run };
    list.push(entry);
    return () => {
      const i = list.indexOf(entry);
      if (i >= 0) list.splice(i, 1);
    };
  }

  exitCodeFor(r: ShutdownReason): { exitCode: number; exitJvm: boolean } {
    const o = this.settings.reasonOverrides.get(r.pekkoClass);
    return { exitCode: o?.exitCode ?? this.settings.exitCode, exitJvm: o?.exitJvm ?? this.settings.exitJvm };
  }

  /** Runs all phases once; later calls return the first run's result. */
  run(r: ShutdownReason, fromPhase?: string): Promise<ShutdownResult> {
    if (this.running) return this.running;
    this.runReason = r;
    // The scheduler's timers do not hold the process open; shutdown must finish its phases.
    const keepAlive = setInterval(() => {}, 1 << 30);
    this.running = this.runPhases(r, fromPhase).finally(() => clearInterval(keepAlive));
    void this.running.then((result) => this.resolveFinished(result));
    return this.running;
  }

  private async runPhases(r: ShutdownReason, fromPhase: string | undefined): Promise<ShutdownResult> {
    this.log.info({ reason: r.name }, 'Running CoordinatedShutdown with reason [%s]', r.name);
    const outcomes: PhaseOutcome[] = [];
    let started = fromPhase === undefined;
    let aborted = false;
    for (const phase of this.settings.phases) {
      if (!started && phase.name === fromPhase) started = true;
      if (!started || aborted || !phase.enabled) {
        outcomes.push({ phase: phase.name, result: 'skipped' });
        continue;
      }
      const result = await this.runPhase(phase.name, phase.timeoutMs);
      outcomes.push({ phase: phase.name, result });
      if (result !== 'done' && !phase.recover) {
        this.log.warn({ phase: phase.name }, 'CoordinatedShutdown phase [%s] %s; remaining phases are skipped', phase.name, result);
        aborted = true;
      }
    }
    const { exitCode, exitJvm } = this.exitCodeFor(r);
    return { reason: r, exitCode, processExitCode: ((exitCode % 256) + 256) % 256, exitJvm, phases: outcomes };
  }

  private runPhase(phase: string, timeoutMs: number): Promise<'done' | 'timeout' | 'failed'> {
    const list = [...(this.tasks.get(phase) ?? [])];
    if (list.length === 0) return Promise.resolve('done');
    return new Promise((resolve) => {
      let settled = false;
      const finish = (v: 'done' | 'timeout' | 'failed') => {
        if (settled) return;
        settled = true;
        timer.cancel();
        resolve(v);
      };
      const timer = this.scheduler.schedule(timeoutMs, () => {
        this.log.warn({ phase, timeoutMs }, 'CoordinatedShutdown phase [%s] timed out after %d ms', phase, timeoutMs);
        finish('timeout');
      });
      let failed = false;
      Promise.all(
        list.map(async (t) => {
          try {
            await t.run();
          } catch (e) {
            failed = true;
            this.log.warn({ phase, task: t.name, err: e }, 'CoordinatedShutdown task [%s] in phase [%s] failed', t.name, phase);
          }
        }),
      ).then(() => finish(failed ? 'failed' : 'done'));
    });
  }
}

export interface SignalOptions {
  readonly signals?: readonly NodeJS.Signals[];
  /** Ends the process; injected so tests can observe it. */
  readonly exit?: (code: number) => void;
  readonly log?: Logger;
}

/** Conventional exit status for a forced exit after a second signal (128 + signal number). */
const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * The first signal runs coordinated shutdown (reason JvmExit) and then exits with the reason's
 * exit code; a second signal exits at once. Returns a function removing the handlers.
 */
export function installSignalHandlers(cs: CoordinatedShutdown, options: SignalOptions = {}): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let received = false;
  const handler = (signal: NodeJS.Signals) => {
    if (received) {
      options.log?.warn({ signal }, 'Second %s received: exiting without finishing shutdown', signal);
      exit(SIGNAL_EXIT[signal] ?? 1);
      return;
    }
    received = true;
    options.log?.info({ signal }, '%s received: running coordinated shutdown', signal);
    void cs.run(Reasons.JvmExit).then((r) => exit(r.processExitCode));
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
