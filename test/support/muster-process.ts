// Real Muster node processes for integration tests and benchmarks: `node dist/main.js --config FILE
// -D...` (or any other script, e.g. an example application) on its own loopback address, with
// its pino log lines captured and parsed, helpers to poll the management endpoints, and a group
// that always kills what it started (call `stopAll()` in an after hook; a process-exit hook is
// the last resort). Needs `npm run build` for dist/main.js.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './net.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const mainJs = path.join(repoRoot, 'dist', 'main.js');

/** Where one node listens: management HTTP and cluster transport on the same loopback host. */
export interface NodeAddress {
  readonly host: string;
  readonly managementPort: number;
  readonly remotePort: number;
}

/**
 * A random 127.a.b block (a in 20..99) so that concurrent test files and other helpers' tests
 * (dnsmasq uses 127.100-199) do not share hosts. Hosts are `${block}.1`, `${block}.2`, ...
 */
export function loopbackBlock(): string {
  const r = (lo: number, n: number) => lo + Math.floor(Math.random() * n);
  return `127.${r(20, 80)}.${r(1, 250)}`;
}

/** n node addresses `${block}.${first}`.. with free management and remoting ports on each host. */
export async function allocateNodes(n: number, block = loopbackBlock(), first = 1): Promise<NodeAddress[]> {
  const out: NodeAddress[] = [];
  for (let i = 0; i < n; i++) {
    const host = `${block}.${first + i}`;
    const managementPort = await freePort(host);
    let remotePort = await freePort(host);
    while (remotePort === managementPort) remotePort = await freePort(host);
    out.push({ host, managementPort, remotePort });
  }
  return out;
}

/** The -D overrides that give a node its own addresses (hostname and port for both servers). */
export function nodeOverrides(node: NodeAddress): string[] {
  return [
    `-Dpekko.remote.artery.canonical.hostname=${node.host}`,
    `-Dpekko.remote.artery.canonical.port=${node.remotePort}`,
    `-Dpekko.management.http.hostname=${node.host}`,
    `-Dpekko.management.http.port=${node.managementPort}`,
  ];
}

export interface ClusterConfOptions {
  readonly systemName?: string;
  readonly serviceName?: string;
  /** Management endpoints that config discovery returns (host + management port). */
  readonly endpoints: readonly { readonly host: string; readonly managementPort?: number; readonly port?: number }[];
  /** Extra HOCON appended at the end (wins over the lines above). */
  readonly extra?: string;
}

/** An application.conf using config discovery, everything else at Pekko's defaults. */
export function clusterConf(o: ClusterConfOptions): string {
  const service = o.serviceName ?? 'it-cluster';
  const endpoints = o.endpoints
    .map((e) => `{ host = "${e.host}", port = ${e.managementPort ?? e.port} }`)
    .join('\n        ');
  return `muster.system-name = "${o.systemName ?? 'it-system'}"
pekko {
  discovery {
    method = config
    config.services {
      "${service}" {
        endpoints = [
        ${endpoints}
        ]
      }
    }
  }
  management.cluster.bootstrap.contact-point-discovery.service-name = "${service}"
}
${o.extra ?? ''}
`;
}

/** A temporary directory for config files; remove() deletes it. */
export function tempDir(prefix = 'muster-it-'): { readonly dir: string; write(name: string, text: string): string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return {
    dir,
    write(name, text) {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** One parsed pino line (or `{ msg: raw }` for a line that is not JSON). */
export interface LogLine {
  readonly level?: number;
  readonly time?: number;
  readonly msg?: string;
  readonly marker?: string;
  readonly [key: string]: unknown;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

export interface MemberJson {
  readonly node: string;
  readonly nodeUid: string;
  readonly roles: readonly string[];
  readonly status: string;
}

export interface MembersJson {
  readonly leader?: string;
  readonly members: readonly MemberJson[];
  readonly oldest?: string;
  readonly selfNode: string;
  readonly unreachable: readonly { readonly node: string; readonly observedBy: readonly string[] }[];
}

export interface SpawnOptions {
  /** The node's addresses; used for HTTP polling (and -D overrides unless `argv` is given). */
  readonly node: NodeAddress;
  /** application.conf for `node dist/main.js --config FILE`. */
  readonly configFile?: string;
  /** More -Dpath=value arguments, after the address overrides. */
  readonly overrides?: readonly string[];
  /** Full argument list after `node` instead of dist/main.js (e.g. an example application). */
  readonly argv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Label used in failure messages; default the host. */
  readonly name?: string;
}

/** A running `node dist/main.js` (or other script) child process. */
export class MusterProcess {
  readonly spawnedAt = Date.now();
  readonly exited: Promise<Exit>;
  readonly name: string;
  private stdoutText = '';
  private stderrText = '';
  private partial = '';
  private readonly lines: LogLine[] = [];
  private exitInfo: Exit | undefined;

  constructor(
    readonly node: NodeAddress,
    private readonly child: ChildProcess,
    name: string,
  ) {
    this.name = name;
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      this.stdoutText += chunk;
      const text = this.partial + chunk;
      const parts = text.split('\n');
      this.partial = parts.pop() ?? '';
      for (const line of parts) if (line.trim() !== '') this.lines.push(parseLine(line));
    });
    child.stderr?.on('data', (chunk: string) => {
      this.stderrText += chunk;
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      }),
    );
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get stdout(): string {
    return this.stdoutText;
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** Exit code and signal once exited; undefined while running. */
  get exit(): Exit | undefined {
    return this.exitInfo;
  }

  logs(): readonly LogLine[] {
    return this.lines;
  }

  findLog(pred: (l: LogLine) => boolean): LogLine | undefined {
    return this.lines.find(pred);
  }

  /** The last lines of output, for failure messages. */
  tail(n = 30): string {
    const out = this.stdoutText.split('\n').slice(-n).join('\n');
    const err = this.stderrText.split('\n').slice(-n).join('\n');
    return `--- ${this.name} stdout (tail) ---\n${out}\n--- ${this.name} stderr (tail) ---\n${err}`;
  }

  async waitForLog(what: string, pred: (l: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> {
    return waitUntil(`${this.name}: ${what}`, () => this.findLog(pred), timeoutMs, 50, () => this.tail());
  }

  url(route: string): string {
    return `http://${this.node.host}:${this.node.managementPort}${route}`;
  }

  /** GET route; status 0 when the request failed (refused, timed out). */
  async get(route: string, timeoutMs = 2000): Promise<HttpAnswer> {
    return httpGet(this.url(route), timeoutMs);
  }

  async members(): Promise<MembersJson | undefined> {
    const r = await this.get('/cluster/members');
    return r.status === 200 ? (JSON.parse(r.body) as MembersJson) : undefined;
  }

  /** This node's own member status from its /cluster/members ('absent' when not a member). */
  async selfStatus(): Promise<string | undefined> {
    const m = await this.members();
    if (!m) return undefined;
    return m.members.find((e) => e.node === m.selfNode)?.status ?? 'absent';
  }

  async bootstrapStatus(): Promise<Record<string, unknown> | undefined> {
    const r = await this.get('/bootstrap/status');
    return r.status === 200 ? (JSON.parse(r.body) as Record<string, unknown>) : undefined;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.exitInfo === undefined) this.child.kill(sig);
  }

  /** Sends sig and waits for the exit (SIGKILL after timeoutMs, and the test then fails on the exit). */
  async stop(sig: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<Exit> {
    if (this.exitInfo) return this.exitInfo;
    this.child.kill(sig);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}

function parseLine(line: string): LogLine {
  try {
    const v = JSON.parse(line) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as LogLine;
  } catch {
    // not a pino line: keep it as text
  }
  return { msg: line };
}

const live = new Set<MusterProcess>();
process.once('exit', () => {
  for (const p of live) p.signal('SIGKILL');
});

/** Starts one process; prefer ProcessGroup, which kills everything it started. */
export function spawnMuster(o: SpawnOptions): MusterProcess {
  const argv = o.argv ?? [
    mainJs,
    ...(o.configFile ? ['--config', o.configFile] : []),
    ...nodeOverrides(o.node),
    ...(o.overrides ?? []),
  ];
  const child = spawn(process.execPath, argv, {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MUSTER_LOG_LEVEL: 'info', ...o.env },
  });
  const p = new MusterProcess(o.node, child, o.name ?? o.node.host);
  live.add(p);
  void p.exited.then(() => live.delete(p));
  return p;
}

/** Processes started by one test; stopAll() (in an after/afterEach hook) kills any still running. */
export class ProcessGroup {
  readonly all: MusterProcess[] = [];

  spawn(o: SpawnOptions): MusterProcess {
    const p = spawnMuster(o);
    this.all.push(p);
    return p;
  }

  running(): MusterProcess[] {
    return this.all.filter((p) => p.exit === undefined);
  }

  /** SIGKILL everything still running and wait for the exits. */
  async stopAll(): Promise<void> {
    const running = this.running();
    for (const p of running) p.signal('SIGKILL');
    await Promise.all(running.map((p) => p.exited));
  }

  /** Output tails of every process, for assertion messages. */
  tails(n = 15): string {
    return this.all.map((p) => p.tail(n)).join('\n');
  }
}

export async function httpGet(url: string, timeoutMs = 2000): Promise<HttpAnswer> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text() };
  } catch {
    return { status: 0, body: '' };
  }
}

/** Polls check until it returns something other than undefined/false; throws after timeoutMs. */
export async function waitUntil<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  intervalMs = 100,
  context?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${context ? `\n${context()}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** True when nothing listens on host:port (a listen succeeds). */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** Per node, what readiness polling saw while the cluster formed. */
export interface ReadinessTrace {
  /** /ready answered 500 while the node's own status was not Up. */
  sawNotReadyBeforeUp: boolean;
  /** Time of the first /ready 200. */
  firstReadyAt: number | undefined;
  /** Own statuses other than Up reported after /ready had already answered 200 (must stay empty). */
  readonly notUpAfterReady: string[];
}

export interface FormedCluster {
  /** The agreed member list (from the first node). */
  readonly members: MembersJson;
  /** Every `oldest` value any node reported while forming: one cluster means exactly one. */
  readonly oldestSeen: ReadonlySet<string>;
  readonly readiness: ReadonlyMap<MusterProcess, ReadinessTrace>;
  /** Time at which every node was Up and /ready 200. */
  readonly formedAt: number;
}

/**
 * Polls every node until all report the same members (exactly `nodes`, by address), all Up, the
 * same leader, and every /ready is 200. Meanwhile records the `oldest` each node reports (two
 * clusters would show two) and checks that no node answers /ready 200 before its own status is Up.
 */
export async function waitForOneCluster(
  nodes: readonly MusterProcess[],
  timeoutMs = 60_000,
  group?: ProcessGroup,
): Promise<FormedCluster> {
  const expected = nodes.map((n) => n.node);
  const oldestSeen = new Set<string>();
  const readiness = new Map<MusterProcess, ReadinessTrace>(
    nodes.map((n) => [n, { sawNotReadyBeforeUp: false, firstReadyAt: undefined, notUpAfterReady: [] }]),
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const views = await Promise.all(
      nodes.map(async (n) => {
        const trace = readiness.get(n)!;
        const ready = await n.get('/ready');
        const members = await n.members();
        const self = members?.members.find((m) => m.node === members.selfNode)?.status ?? 'absent';
        if (ready.status === 200 && trace.firstReadyAt === undefined) trace.firstReadyAt = Date.now();
        if (trace.firstReadyAt !== undefined && members && self !== 'Up') trace.notUpAfterReady.push(self);
        if (ready.status === 500 && members && self !== 'Up') trace.sawNotReadyBeforeUp = true;
        if (members?.oldest) oldestSeen.add(members.oldest);
        return { ready: ready.status, members };
      }),
    );
    const first = views[0]?.members;
    const want = expected.map((e) => `${e.host}:${e.remotePort}`).sort().join(',');
    const done =
      first !== undefined &&
      views.every((v) => {
        const m = v.members;
        if (v.ready !== 200 || !m || m.leader === undefined || m.leader !== first.leader) return false;
        const got = m.members.map((e) => e.node.slice(e.node.indexOf('@') + 1)).sort().join(',');
        return got === want && m.members.every((e) => e.status === 'Up') && m.unreachable.length === 0;
      }) &&
      views.every((v) => JSON.stringify(v.members!.members) === JSON.stringify(first.members));
    if (done) return { members: first, oldestSeen, readiness, formedAt: Date.now() };
    if (Date.now() > deadline) {
      const summary = views
        .map((v, i) => `${nodes[i]!.name}: ready=${v.ready} members=${JSON.stringify(v.members?.members.map((m) => `${m.node} ${m.status}`))}`)
        .join('\n');
      throw new Error(`no single cluster of ${nodes.length} formed within ${timeoutMs} ms\n${summary}\n${group?.tails() ?? ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
