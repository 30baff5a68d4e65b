// Load generator for bench/management.ts, run as a child process so it does not share the
// server's event loop: C concurrent keep-alive GET loops against one URL, bounded by a request
// count and a duration. Prints one JSON line: requests, non-2xx, errors, seconds, latency quantiles.
//   node --import tsx bench/management-load.ts URL CONCURRENCY SECONDS MAX [AUTH_HEADER]
import { Agent, request } from 'node:http';

const [url, c, s, m, auth] = process.argv.slice(2) as [string, string, string, string, string | undefined];
const concurrency = Number(c);
const deadline = performance.now() + Number(s) * 1000;
const max = Number(m);
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const headers = auth ? { authorization: auth } : {};
const latencies: number[] = [];
let sent = 0;
let bad = 0;
let errors = 0;

function once(): Promise<void> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = request(url, { agent, headers }, (res) => {
      if ((res.statusCode ?? 0) >= 300) bad++;
      res.resume();
      res.on('end', () => {
        latencies.push(performance.now() - t0);
        resolve();
      });
    });
    req.on('error', () => {
      errors++;
      resolve();
    });
    req.end();
  });
}

const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (sent < max && performance.now() < deadline) {
      sent++;
      await once();
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
process.stdout.write(`${JSON.stringify({ requests: sent, bad, errors, seconds, p50: q(0.5), p99: q(0.99) })}\n`);
agent.destroy();
