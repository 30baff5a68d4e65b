// A bounded fuzz run against a writable (read-only = off) management server over a fake cluster:
// malformed paths, bodies, methods, headers and request lines must all be answered 4xx, the
// server must keep serving, and no cluster command may result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FORM, call, sendRaw, start, upCluster } from './_support.js';
import { seededRandom } from '../sim/prng.js';

const REQUESTS = 10_000;
const CONCURRENCY = 24;

type Gen = (r: () => number, host: string) => Buffer;

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const junk = (r: () => number, n: number, alphabet: string) =>
  Array.from({ length: n }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
const PATH_CHARS = 'abcxyz019@:[]/%.-_~!$&\'()*+,;=ZQ';
const SELF = 'Main@127.0.0.1:17355';

function req(method: string, path: string, host: string, headers: string[] = [], body = ''): Buffer {
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${host}`, 'Connection: close', ...headers];
  if (body !== '' && !headers.some((h) => /^(content-length|transfer-encoding):/i.test(h))) lines.push(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`, 'latin1');
}

/** Form bodies that can never name a field `address` or `operation` with a usable value. */
function junkForm(r: () => number): string {
  return pick(r, [
    () => `x${junk(r, 1 + Math.floor(r() * 30), 'abc=&%+09zZ')}`,
    () => `operation=x${junk(r, 5, 'abc')}`,
    () => `operation=%${junk(r, 2, 'GZxy')}`,
    () => `address=%E0%A4%A`,
    () => `%zz=1`,
    () => '&&&==&',
  ])();
}

const GENERATORS: Record<string, Gen> = {
  'bad member address in path': (r, host) => {
    const method = pick(r, ['GET', 'PUT', 'DELETE', 'HEAD']);
    const addr = pick(r, [
      () => `zz${junk(r, 1 + Math.floor(r() * 60), PATH_CHARS)}`,
      () => `pekko://Main@${junk(r, 8, '0123456789.:')}:${Math.floor(r() * 99999)}`,
      () => `Main@[${junk(r, 6, ':abcdef0')}]:17355`,
      () => `%${junk(r, 2, 'zZ%g')}`,
      () => encodeURIComponent(`pekko://Main@10.${Math.floor(r() * 255)}.0.1:1`),
      () => `zz${'A'.repeat(1000 + Math.floor(r() * 3000))}`,
    ])();
    const body = method === 'PUT' ? 'operation=down' : '';
    return req(method, `/cluster/members/${addr}`, host, method === 'PUT' ? [`Content-Type: ${FORM}`] : [], body);
  },
  'unknown paths': (r, host) => req(pick(r, ['GET', 'POST', 'PUT', 'DELETE']), `/zz${junk(r, Math.floor(r() * 40), PATH_CHARS)}`, host),
  'broken form bodies': (r, host) => {
    const [method, path] = pick(r, [
      ['POST', '/cluster/members'],
      ['PUT', `/cluster/members/${SELF}`],
      ['PUT', '/cluster'],
    ] as const);
    const kind = Math.floor(r() * 4);
    if (kind === 0) return req(method, path, host, [`Content-Type: ${FORM}`], junkForm(r));
    if (kind === 1) {
      const b = junk(r, 6, 'abcdef');
      const body = pick(r, [
        `--${b}\r\nContent-Disposition: form-data; name="x"\r\n\r\nv\r\n`,
        `--${b}\r\nno-disposition: 1\r\n\r\nv\r\n--${b}--`,
        `garbage without boundary`,
        `--${b}\r\nContent-Disposition: form-data; name="operation"\r\n\r\n`,
      ]);
      return req(method, path, host, [`Content-Type: multipart/form-data; boundary=${pick(r, [b, '', 'other'])}`], body);
    }
    if (kind === 2) {
      const type = pick(r, ['application/json', 'text/plain', 'application/octet-stream', 'x/y', 'application/xml']);
      return req(method, path, host, [`Content-Type: ${type}`], pick(r, ['{"operation":"down"}', '{', '\u0000\u00ff', 'operation=down']));
    }
    return req(method, path, host, [`Content-Type: ${FORM}`, 'Content-Length: 10000000'], 'operation=down&' + 'x'.repeat(512));
  },
  'odd methods': (r, host) => {
    const method = pick(r, ['PROPFIND', 'MKCOL', 'LOCK', 'UNLOCK', 'SEARCH', 'PURGE', 'REPORT', 'COPY', 'MOVE', 'FOO', 'G E T', 'get', 'PATCH', 'POST', 'OPTIONS']);
    return req(method, pick(r, ['/ready', '/alive', '/startup', '/metrics', '/cluster/domain-events', '/cluster/shards']), host);
  },
  'header abuse': (r, host) => {
    const path = pick(r, ['/ready', '/cluster/members', `/cluster/members/${SELF}`]);
    const headers = pick(r, [
      () => [`X-Big: ${'a'.repeat(20_000 + Math.floor(r() * 20_000))}`],
      () => ['Bad Header Name: 1'],
      () => ['NoColonHere'],
      () => ['Content-Length: 5', 'Content-Length: 7'],
      () => ['Content-Length: abc'],
      () => ['Content-Length: 4', 'Transfer-Encoding: chunked'],
      () => ['Transfer-Encoding: chunked'],
      () => [`X-Ctl: a\rb`],
      () => Array.from({ length: 300 }, (_, i) => `X-H${i}: ${'v'.repeat(100)}`),
    ])();
    const body = headers.includes('Transfer-Encoding: chunked') ? 'zz\r\nnot-a-chunk\r\n' : 'abcd';
    // GET answers before reading a body, so body-level abuse goes with methods that read it.
    return req(pick(r, ['PUT', 'POST']), path, host, headers, body);
  },
  'broken request lines': (r) =>
    Buffer.from(
      pick(r, [
        () => `${junk(r, 1 + Math.floor(r() * 50), 'ABC /\t:?&%xyz')}\r\n\r\n`,
        () => `GET /ready HTTP/9.9\r\n\r\n`,
        () => `GET  HTTP/1.1\r\nHost: x\r\n\r\n`,
        () => `\u0000\u0001\u0002 / HTTP/1.1\r\n\r\n`,
        () => `GET /re\u0000ady HTTP/1.1\r\nHost: x\r\n\r\n`,
      ])(),
      'latin1',
    ),
};

test(`fuzz: ${REQUESTS} malformed requests are all answered 4xx and change nothing`, async () => {
  const cluster = upCluster();
  const srv = await start({ http: { routeProvidersReadOnly: false } }, { cluster });
  const host = `127.0.0.1:${srv.boundPort}`;
  const before = await call(`${srv.url}/cluster/members`);
  const names = Object.keys(GENERATORS);
  const counts: Record<string, Record<number, number>> = {};
  const failures: string[] = [];
  const started = performance.now();
  let next = 0;
  try {
    const worker = async () => {
      while (next < REQUESTS) {
        const i = next++;
        const r = seededRandom(0x5eed + i); // replayable from the case index
        const name = names[i % names.length]!;
        const bytes = GENERATORS[name]!(r, host);
        const status = await sendRaw(srv.boundPort, bytes);
        (counts[name] ??= {})[status] = (counts[name]![status] ?? 0) + 1;
        if (status < 400 || status > 499) {
          if (failures.length < 10) failures.push(`#${i} ${name}: status ${status} for ${JSON.stringify(bytes.subarray(0, 160).toString('latin1'))}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const elapsed = performance.now() - started;
    const total = Object.values(counts).reduce((n, c) => n + Object.values(c).reduce((a, b) => a + b, 0), 0);
    console.log(`fuzz: ${total} requests in ${Math.round(elapsed)} ms`, JSON.stringify(counts));
    assert.equal(total, REQUESTS);
    assert.deepEqual(failures, []);

    assert.deepEqual(cluster.commands, []);
    const after = await call(`${srv.url}/cluster/members`);
    assert.equal(after.status, 200);
    assert.equal(after.text, before.text);
    assert.equal((await call(`${srv.url}/ready`)).text, 'OK');
  } finally {
    await srv.close();
  }
});
