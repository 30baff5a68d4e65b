// Test-side control of real cluster node processes (test/support/cluster-process.ts): spawn,
// ask for state over a JSON-lines channel on stdin/stdout, kill. Every child is tracked so an
// `after` hook can kill them all even when a test fails; a child also exits on its own when its
// stdin closes, so none outlives the test runner.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './cluster-wait.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
const entry = path.join(here, 'cluster-process.ts');

export interface MemberView {
  readonly address: string;
  readonly uid: string;
  readonly status: string;
  readonly upNumber: number;
  readonly roles: string[];
}

export interface StateView {
  readonly self: MemberView;
  readonly members: MemberView[];
  readonly leader: string | null;
  readonly unreachable: string[];
  readonly seenBy: string[];
}

export interface NodeOptions {
  /** application.conf text. */
  readonly config: string;
  /** -Dpath=value overrides. */
  readonly overrides?: readonly string[];
  readonly name?: string;
}

const live = new Set<NodeProcess>();

export class NodeProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /** Last lines of stderr (the node's log), for failure messages. */
  readonly log: string[] = [];
  readonly events: Array<Record<string, unknown>> = [];
  address = '';
  uid = '';
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readyResolve!: () => void;
  private readyReject!: (e: Error) => void;
  readonly ready: Promise<void>;
  exitCode: number | null | undefined;

  constructor(readonly options: NodeOptions) {
    this.ready = new Promise((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    this.child = spawn(
      process.execPath,
      ['--import', 'tsx', entry, '--config-text', options.config, ...(options.overrides ?? [])],
      { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, MUSTER_LOG_LEVEL: process.env.MUSTER_LOG_LEVEL ?? 'info' } },
    );
    live.add(this);
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.onLine(line));
    createInterface({ input: this.child.stderr! }).on('line', (line) => {
      this.log.push(line);
      if (this.log.length > 200) this.log.shift();
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code) => {
        this.exitCode = code;
        live.delete(this);
        const err = new Error(`node ${this.name} exited with ${code}\n${this.log.slice(-20).join('\n')}`);
        this.readyReject(err);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        resolve(code);
      });
    });
    this.exited.catch(() => undefined);
    this.ready.catch(() => undefined);
  }

  get name(): string {
    return this.options.name ?? (this.address || 'node');
  }

  private onLine(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.log.push(`[stdout] ${line}`);
      return;
    }
    if (typeof msg.id === 'number') {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (!p) return;
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(`node ${this.name}: ${String(msg.error)}`));
      return;
    }
    if (msg.event === 'ready') {
      this.address = String(msg.address);
      this.uid = String(msg.uid);
      this.readyResolve();
    }
    this.events.push(msg);
  }

  request<T>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 5000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`node ${this.name}: no answer to ${cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.stdin!.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
    });
  }

  state(): Promise<StateView> {
    return this.request<StateView>('state');
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (this.exitCode === undefined) this.child.kill(signal);
    return this.exited;
  }
}

export function startNode(options: NodeOptions): NodeProcess {
  return new NodeProcess(options);
}

/** Kills every node process still running (for `after` hooks). */
export async function killAllNodes(): Promise<void> {
  await Promise.all([...live].map((n) => n.kill()));
}

/**
 * Polls the state of every process until pred holds for all of their views; on timeout the error
 * lists each process's last members (address#uid:status, one line a process).
 */
export async function waitForStates(procs: readonly NodeProcess[], pred: (views: StateView[]) => boolean, what: string): Promise<void> {
  let last: StateView[] = [];
  try {
    await waitFor(
      what,
      async () => {
        last = await Promise.all(procs.map((p) => p.state()));
        return pred(last);
      },
      30_000,
      100,
    );
  } catch (err) {
    const members = last.map((s) => s.members.map((m) => `${m.address}#${m.uid}:${m.status}`).join(', '));
    throw new Error(`${(err as Error).message}\n${members.join('\n')}`);
  }
}
