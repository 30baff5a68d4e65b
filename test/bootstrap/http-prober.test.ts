import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createHttpProber, PROBE_ANSWER_LIMITS } from '../../src/bootstrap/http-prober.js';
import { SeedNodesFormatError } from '../../src/bootstrap/seed-nodes.js';
import { freePort } from '../support/net.js';
import { createTestCa } from '../support/certs.js';
import { missingCommand } from '../support/tools.js';

const BODY =
  '{"seedNodes":[{"node":"pekko://sys@127.0.0.1:17355","nodeUid":-4967350262227633432,"roles":["dc-default"],"status":"Up"}],' +
  '"selfNode":"pekko://sys@127.0.0.1:17355"}';

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void, server: Server = createServer()) {
  server.on('request', handler);
  servers.push(server);
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { port, connections: () => connections };
}

test('a 200 answer is parsed with the 64-bit uid exact; sequential probes reuse one keep-alive connection', async () => {
  const srv = await serve((req, res) => {
    assert.equal(req.url, '/mgmt/bootstrap/seed-nodes');
    res.writeHead(200, { 'content-type': 'application/json' }).end(BODY);
  });
  const prober = createHttpProber();
  try {
    for (let i = 0; i < 5; i++) {
      const doc = await prober.probe(`http://127.0.0.1:${srv.port}/mgmt/bootstrap/seed-nodes`, 3000);
      assert.equal(doc.seedNodes[0]?.nodeUid, -4967350262227633432n);
      assert.equal(doc.selfNode.port, 17355);
    }
    assert.equal(srv.connections(), 1);
  } finally {
    prober.close?.();
  }
});

test('concurrent probes of one contact point stay within the per-contact-point connection bound', async () => {
  const srv = await serve((_req, res) => setTimeout(() => res.writeHead(200).end(BODY), 20));
  const prober = createHttpProber({ maxSocketsPerContactPoint: 2 });
  try {
    await Promise.all(Array.from({ length: 8 }, () => prober.probe(`http://127.0.0.1:${srv.port}/bootstrap/seed-nodes`, 3000)));
    assert.ok(srv.connections() <= 2, `connections: ${srv.connections()}`);
  } finally {
    prober.close?.();
  }
});

test('non-200 answers fail with the status and the body in the message', async () => {
  const srv = await serve((_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('There was an internal server error.'));
  const prober = createHttpProber();
  try {
    await assert.rejects(prober.probe(`http://127.0.0.1:${srv.port}/bootstrap/seed-nodes`, 3000), (e: Error) => {
      assert.match(e.message, /got '500'/);
      assert.match(e.message, /There was an internal server error\./);
      return true;
    });
  } finally {
    prober.close?.();
  }
});

test('bad JSON and bodies missing entry fields are failures, not crashes', async () => {
  const bodies = ['<html>oops</html>', '{"seedNodes":[{"node":"pekko://s@h:1","nodeUid":1,"roles":[]}],"selfNode":"pekko://s@h:1"}'];
  let i = 0;
  const srv = await serve((_req, res) => res.writeHead(200).end(bodies[i++]));
  const prober = createHttpProber();
  try {
    await assert.rejects(prober.probe(`http://127.0.0.1:${srv.port}/bootstrap/seed-nodes`, 3000), SeedNodesFormatError);
    await assert.rejects(prober.probe(`http://127.0.0.1:${srv.port}/bootstrap/seed-nodes`, 3000), /seedNodes\[0\]\.status/);
  } finally {
    prober.close?.();
  }
});

test('a slow contact point times out after the request timeout', async () => {
  const srv = await serve(() => {
    /* never answers */
  });
  const prober = createHttpProber();
  try {
    // The server never answers, so only the request timeout can end the probe.
    await assert.rejects(prober.probe(`http://127.0.0.1:${srv.port}/bootstrap/seed-nodes`, 300), /timed out after 300 ms/);
  } finally {
    prober.close?.();
  }
});

test('a contact point that is down fails with connection refused', async () => {
  const port = await freePort('127.0.0.1');
  const prober = createHttpProber();
  try {
    await assert.rejects(prober.probe(`http://127.0.0.1:${port}/bootstrap/seed-nodes`, 3000), /ECONNREFUSED/);
  } finally {
    prober.close?.();
  }
});

test('basic-auth headers are sent on every probe', async () => {
  const srv = await serve((req, res) => {
    if (req.headers.authorization !== 'Basic dXNlcjpwYXNz') return void res.writeHead(401).end('The resource requires authentication');
    res.writeHead(200).end(BODY);
  });
  const withAuth = createHttpProber({ headers: { authorization: 'Basic dXNlcjpwYXNz' } });
  const without = createHttpProber();
  try {
    assert.equal((await withAuth.probe(`http://127.0.0.1:${srv.port}/bootstrap/seed-nodes`, 3000)).seedNodes.length, 1);
    await assert.rejects(without.probe(`http://127.0.0.1:${srv.port}/bootstrap/seed-nodes`, 3000), /got '401'/);
  } finally {
    withAuth.close?.();
    without.close?.();
  }
});

test('https: peers are trusted through contact-point.http-client.ca-path, and not without it', { skip: missingCommand('openssl') }, async () => {
  const ca = createTestCa();
  try {
    const cert = ca.issue('peer', { ips: ['127.0.0.1'] });
    const srv = await serve(
      (_req, res) => res.writeHead(200).end(BODY),
      createHttpsServer({ cert: cert.certPem, key: cert.keyPem }),
    );
    const trusted = createHttpProber({ caPath: ca.caCertFile, tlsMaxVersion: 'TLSv1.2' });
    const untrusted = createHttpProber();
    try {
      const doc = await trusted.probe(`https://127.0.0.1:${srv.port}/bootstrap/seed-nodes`, 3000);
      assert.equal(doc.seedNodes[0]?.nodeUid, -4967350262227633432n);
      await assert.rejects(untrusted.probe(`https://127.0.0.1:${srv.port}/bootstrap/seed-nodes`, 3000), /certificate/);
    } finally {
      trusted.close?.();
      untrusted.close?.();
    }
  } finally {
    ca.dispose();
  }
});

test('an unreadable ca-path is a configuration error naming the key', () => {
  assert.throws(() => createHttpProber({ caPath: '/nonexistent/ca.pem' }), (e: Error) => {
    assert.equal(e.name, 'ConfigError');
    assert.match(e.message, /contact-point\.http-client\.ca-path: cannot read \[\/nonexistent\/ca\.pem\]/);
    return true;
  });
});

test('answer bounds as Pekko: 8 MiB and 1 s for the body; a body that stalls after the headers fails on the body bound', async () => {
  assert.deepEqual(PROBE_ANSWER_LIMITS, { maxBodyBytes: 8 * 1024 * 1024, bodyTimeoutMs: 1000 });
  // Headers and half a body, then nothing: only the body bound can end this probe (the request timeout is a minute).
  const stall = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(BODY.slice(0, 20));
  });
  const prober = createHttpProber({ bodyTimeoutMs: 50 });
  try {
    await assert.rejects(prober.probe(`http://127.0.0.1:${stall.port}/bootstrap/seed-nodes`, 60_000), /response body not complete within 50 ms/);
  } finally {
    prober.close?.();
  }
  const big = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('x'.repeat(5000)));
  const small = createHttpProber({ maxBodyBytes: 4096 });
  try {
    await assert.rejects(small.probe(`http://127.0.0.1:${big.port}/bootstrap/seed-nodes`, 60_000), /larger than 4096 bytes/);
  } finally {
    small.close?.();
  }
});
