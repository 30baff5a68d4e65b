// Test-side control of sbr-node-process.ts children: spawn, request/answer over JSON lines,
// event log with timestamps, kill. Every child is tracked so `killAll` can clean up after a failure.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const entry = path.join(here, 'sbr-node-process.ts');
const live = new Set<SbrNode>();

export interface NodeState {
  readonly self: string;
  readonly members: { address: string; status: string }[];
  readonly unreachable: string[];
  readonly leader: string | null;
}

export interface NodeEvent {
  readonly event: string;
  readonly type?: string;
  readonly member?: string;
  readonly at?: number;
  readonly exitCode?: number;
  readonly reason?: string;
}

export class SbrNode {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly ready: Promise<void>;
  readonly events: NodeEvent[] = [];
  readonly log: string[] = [];
  address = '';
  exitCode: number | null | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, (v: { ok: boolean; result?: unknown; error?: string }) => void>();

  constructor(config: string) {
    this.child = spawn(process.execPath, ['--import', 'tsx', entry, '--config-text', config], {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, MUSTER_LOG_LEVEL: process.env.MUSTER_LOG_LEVEL ?? 'warn' },
    });
    live.add(this);
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    this.ready.catch(() => undefined);
    createInterface({ input: this.child.stderr! }).on('line', (l) => {
      this.log.push(l);
      if (this.log.length > 100) this.log.shift();
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (typeof msg.id === 'number') {
        this.pending.get(msg.id)?.(msg as { ok: boolean });
        this.pending.delete(msg.id);
        return;
      }
      if (msg.event === 'ready') {
        this.address = String(msg.address);
        readyResolve();
      }
      this.events.push({ ...(msg as unknown as NodeEvent), at: (msg.at as number | undefined) ?? Date.now() });
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? 128 : null);
        live.delete(this);
        readyReject(new Error(`node exited with ${code}: ${this.log.slice(-10).join('\n')}`));
        for (const p of this.pending.values()) p({ ok: false, error: 'exited' });
        this.pending.clear();
        resolve(code);
      });
    });
  }

  request<T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer to ${cmd}`));
      }, 5000);
      this.pending.set(id, (m) => {
        clearTimeout(timer);
        if (m.ok) resolve(m.result as T);
        else reject(new Error(m.error));
      });
      this.child.stdin!.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
    });
  }

  state(): Promise<NodeState> {
    return this.request<NodeState>('state');
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.exitCode === undefined) this.child.kill(signal);
  }
}

export async function killAll(): Promise<void> {
  const nodes = [...live];
  for (const n of nodes) n.kill();
  await Promise.all(nodes.map((n) => n.exited));
}
