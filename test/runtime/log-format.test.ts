// muster.log.format: JSON lines for machines, pino-pretty's one-line format for people, and
// `auto` choosing by whether stdout is a terminal.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { configFromObject, loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/types.js';
import { chooseLogFormat, createLogger, readLogFormat } from '../../src/logging.js';
import { allocateNodes, clusterConf, ProcessGroup, tempDir, waitUntil } from '../support/muster-process.js';

/** A stdout stand-in that records what was written; `isTTY` as a terminal or a pipe would say. */
function output(isTTY: boolean): { stream: NodeJS.WriteStream; lines: () => string[] } {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  (stream as { isTTY?: boolean }).isTTY = isTTY;
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, lines: () => text.split('\n').filter(Boolean) };
}

// [time] LEVEL: component: message {other fields}
const HUMAN_LINE = /^\[\d{2}:\d{2}:\d{2}\.\d{3}\] (INFO|WARN|ERROR|DEBUG|FATAL|TRACE) ?: /;

test('auto is pretty on a terminal and JSON otherwise; json and pretty are taken as they are', () => {
  assert.equal(chooseLogFormat('auto', true), 'pretty');
  assert.equal(chooseLogFormat('auto', false), 'json');
  for (const tty of [true, false]) {
    assert.equal(chooseLogFormat('json', tty), 'json');
    assert.equal(chooseLogFormat('pretty', tty), 'pretty');
  }
});

test('muster.log.format: auto by default, json or pretty when set, anything else is an error naming the key', async () => {
  assert.equal(readLogFormat(await loadConfig({ env: {} })), 'auto');
  assert.equal(readLogFormat(configFromObject({ muster: { log: { format: 'pretty' } } })), 'pretty');
  assert.equal(readLogFormat(configFromObject({ muster: { log: { format: 'json' } } })), 'json');
  assert.throws(
    () => readLogFormat(configFromObject({ muster: { log: { format: 'colour' } } })),
    (e: unknown) => e instanceof ConfigError && e.path === 'muster.log.format' && /one of json, pretty, auto, got "colour"/.test(e.message),
  );
});

test('json writes one JSON object per line with every field', () => {
  const out = output(false);
  createLogger({ format: 'auto', output: out.stream }).child({ component: 'cluster' }).info({ members: 3 }, 'converged');
  const [line] = out.lines();
  const entry = JSON.parse(line!) as Record<string, unknown>;
  assert.equal(entry['msg'], 'converged');
  assert.equal(entry['component'], 'cluster');
  assert.equal(entry['members'], 3);
  assert.equal(entry['level'], 30);
});

test('pretty writes one short line: time, level, component, message, then the other fields', () => {
  const out = output(false);
  const log = createLogger({ format: 'pretty', output: out.stream }).child({ component: 'bootstrap' });
  log.info({ marker: 'pekkoBootstrapJoin', seedNodes: ['a', 'b'] }, 'Joining seed nodes');
  log.warn('no component fields');
  const lines = out.lines();
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.match(lines[0]!, HUMAN_LINE);
  assert.match(lines[0]!, / INFO: bootstrap: Joining seed nodes \{"marker":"pekkoBootstrapJoin","seedNodes":\["a","b"\]\}$/);
  assert.doesNotMatch(lines[0]!, /pid|hostname|\u001b\[/, 'no pid, host name or colours when not a terminal');
  assert.match(lines[1]!, / WARN: bootstrap: no component fields$/);
});

const group = new ProcessGroup();
after(() => group.stopAll());

test('a node started with muster.log.format = pretty logs human lines and becomes ready', async () => {
  const [node] = await allocateNodes(1);
  const dir = tempDir();
  try {
    const configFile = dir.write(
      'application.conf',
      clusterConf({ endpoints: [node!], extra: 'pekko.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr = 1\nmuster.log.format = pretty' }),
    );
    const p = group.spawn({ node: node!, configFile });
    await waitUntil('/ready = 200', async () => (await p.get('/ready')).status === 200, 120_000, 200, () => p.tail());
    const lines = p.logs().map((l) => String(l.msg));
    assert.ok(lines.length > 5, p.tail());
    for (const line of lines) assert.match(line, HUMAN_LINE, `not a human line: ${line}`);
    assert.ok(lines.some((l) => / INFO: management: /.test(l)), p.tail());
  } finally {
    dir.remove();
  }
});
