// Stand-in pod process for harness tests: a tiny management-like HTTP server inside a namespace.
// It is not Muster. It answers /alive, /ready and /cluster/members in the shapes Muster serves, with
// state that tests set through POST /__standin/state, so the harness checks can be exercised.
// Env: STANDIN_HOST (default 0.0.0.0), STANDIN_PORT (7626), STANDIN_READY_AFTER_MS (0),
//      STANDIN_SELF (pekko://standin@<ip>:17355), STANDIN_STATUS_WHEN_READY (Up),
//      STANDIN_ON_SIGTERM = exit | ignore (exit), STANDIN_TERM_DELAY_MS (0).
import { createServer } from 'node:http';
import { networkInterfaces } from 'node:os';

const env = process.env;
const port = Number(env.STANDIN_PORT ?? 7626);
const host = env.STANDIN_HOST ?? '0.0.0.0';
const podIp = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address ?? '127.0.0.1';
const self = env.STANDIN_SELF ?? `pekko://standin@${podIp}:17355`;
const startedAt = Date.now();
const readyAfter = Number(env.STANDIN_READY_AFTER_MS ?? 0);
let override = {};

function ready() {
  return override.ready ?? Date.now() - startedAt >= readyAfter;
}

function members() {
  if (override.members) return override.members;
  const status = ready() ? (env.STANDIN_STATUS_WHEN_READY ?? 'Up') : 'Joining';
  return { members: [{ node: self, nodeUid: '1', roles: ['dc-default'], status }], selfNode: self, unreachable: [] };
}

const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/__standin/state') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      override = JSON.parse(body);
      res.end('ok');
    });
    return;
  }
  if (req.url === '/alive') {
    if (override.alive !== false) return void res.end('OK');
    res.statusCode = 500;
    return void res.end('Not Healthy');
  }
  if (req.url === '/ready') {
    if (ready()) return void res.end('OK');
    res.statusCode = 500;
    return void res.end('Not Healthy: Check [cluster-membership] not ok');
  }
  if (req.url === '/cluster/members') {
    res.setHeader('content-type', 'application/json');
    return void res.end(JSON.stringify(members()));
  }
  res.statusCode = 404;
  res.end('not found');
});
server.listen(port, host, () => console.log(`standin listening ${host}:${port} self=${self}`));

process.on('SIGTERM', () => {
  console.log('standin got SIGTERM');
  if ((env.STANDIN_ON_SIGTERM ?? 'exit') === 'ignore') return;
  setTimeout(() => process.exit(0), Number(env.STANDIN_TERM_DELAY_MS ?? 0));
});
