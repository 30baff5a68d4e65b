// HTTP requests made from inside a pod's namespace (a one-shot node process there), so tests see the
// network exactly as the pod does.
import type { NetPod } from './netns.js';

export type PodFetchResult = { ok: true; status: number; body: string } | { ok: false; error: string };

const SCRIPT = `
const [url, timeout] = process.argv.slice(1);
fetch(url, { signal: AbortSignal.timeout(Number(timeout)) })
  .then(async (r) => ({ ok: true, status: r.status, body: await r.text() }))
  .catch((e) => ({ ok: false, error: e.cause?.code ?? e.name }))
  // exit at once: a connection attempt into a partition would otherwise keep the process alive
  .then((res) => process.stdout.write(JSON.stringify(res) + '\\n', () => process.exit(0)));
`;

export async function fetchFromPod(pod: NetPod, url: string, timeoutMs = 1000): Promise<PodFetchResult> {
  const r = await pod.exec(process.execPath, ['-e', SCRIPT, url, String(timeoutMs)], { timeoutMs: timeoutMs + 5000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as PodFetchResult;
  } catch {
    return { ok: false, error: `no result (exit ${r.code}): ${r.stderr.trim()}` };
  }
}
