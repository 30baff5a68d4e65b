// Typed getters: Lightbend's automatic conversions, duration and size formats, error messages.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { configFromObject } from '../../src/config/load.js';
import { loadConfig } from '../../src/config/load.js';
import { parseBoolean, parseBytes, parseDurationMs, parseNumber } from '../../src/config/units.js';
import { parsePath, renderPath } from '../../src/config/path.js';
import { ConfigError } from '../../src/config/types.js';

describe('durations', () => {
  const cases: Array<[unknown, number]> = [
    [1500, 1500], ['1500', 1500], ['5s', 5000], ['5 s', 5000], ['30 seconds', 30000], ['1 second', 1000],
    ['100 ms', 100], ['100ms', 100], ['3000 milliseconds', 3000], ['2m', 120000], ['2 minutes', 120000],
    ['1h', 3600000], ['1200.hours', 1200 * 3600000], ['24h', 86400000], ['1d', 86400000], ['2 days', 172800000],
    ['1.5s', 1500], ['0.5 seconds', 500], ['1500000 us', 1500], ['1500 micros', 1], ['2000000ns', 2], ['999999 nanos', 0],
    [' 5s ', 5000], ['0', 0], ['1e3 ms', 1000],
  ];
  for (const [input, ms] of cases) {
    test(`${JSON.stringify(input)} = ${ms} ms`, () => assert.equal(parseDurationMs(input), ms));
  }
  for (const bad of ['5 parsecs', 'often', '', 's', '5s5', true, null, [1], { a: 1 }, '1 ss']) {
    test(`${JSON.stringify(bad)} is not a duration`, () => assert.equal(parseDurationMs(bad), undefined));
  }

  test('off and infinite where a key allows them', () => {
    const c = configFromObject({ a: 'off', b: '10s', c: 'infinite', d: 'inf' });
    assert.equal(c.getOptionalDurationMs('a'), undefined);
    assert.equal(c.getOptionalDurationMs('b'), 10000);
    assert.throws(() => c.getDurationMs('a'), /a: expected a duration .*got "off"/);
    assert.equal(c.getDurationMs('c', { allowInfinite: true }), Infinity);
    assert.equal(c.getOptionalDurationMs('d', { allowInfinite: true }), Infinity);
    assert.throws(() => c.getDurationMs('c'), /expected a duration/);
  });

  test('the reference durations of Pekko read as Pekko reads them', async () => {
    const c = await loadConfig({ env: {} });
    assert.equal(c.getDurationMs('pekko.management.cluster.bootstrap.contact-point-discovery.stable-margin'), 5000);
    assert.equal(c.getDurationMs('pekko.cluster.failure-detector.min-std-deviation'), 100);
    assert.equal(c.getDurationMs('pekko.cluster.prune-gossip-tombstones-after'), 86400000);
    assert.equal(c.getDurationMs('pekko.remote.artery.advanced.give-up-system-message-after'), 6 * 3600000);
    assert.equal(c.getOptionalDurationMs('pekko.cluster.down-removal-margin'), undefined);
    assert.equal(c.getOptionalDurationMs('muster.bootstrap.deadline'), undefined);
  });
});

describe('sizes', () => {
  const cases: Array<[unknown, number]> = [
    [512, 512], ['512', 512], ['10B', 10], ['10 bytes', 10], ['1K', 1024], ['1k', 1024], ['1KiB', 1024], ['1Ki', 1024],
    ['1kB', 1000], ['1KB', 1000], ['1 kilobyte', 1000], ['2 kibibytes', 2048], ['1M', 1048576], ['1MiB', 1048576],
    ['1MB', 1000000], ['1 megabytes', 1000000], ['1G', 1073741824], ['1GB', 1e9], ['1 TiB', 1024 ** 4], ['0.5K', 512],
    ['256 MiB', 256 * 1048576],
  ];
  for (const [input, bytes] of cases) {
    test(`${JSON.stringify(input)} = ${bytes} bytes`, () => assert.equal(parseBytes(input), bytes));
  }
  for (const bad of ['10 parsecs', 'lots', '1 mb', '1 EiB x', 2 ** 60, '10000 EiB']) {
    test(`${JSON.stringify(bad)} is not a size`, () => assert.equal(parseBytes(bad), undefined));
  }
});

describe('booleans and numbers', () => {
  test('true/false/on/off/yes/no', () => {
    for (const t of [true, 'true', 'on', 'yes', ' on ']) assert.equal(parseBoolean(t), true);
    for (const f of [false, 'false', 'off', 'no']) assert.equal(parseBoolean(f), false);
    for (const bad of ['TRUE', 'y', 1, 0, '', null]) assert.equal(parseBoolean(bad), undefined);
  });

  test('numbers, also from strings', () => {
    assert.equal(parseNumber('8.0'), 8);
    assert.equal(parseNumber(' 17355 '), 17355);
    assert.equal(parseNumber('-1'), -1);
    assert.equal(parseNumber('1e3'), 1000);
    assert.equal(parseNumber(0.8), 0.8);
    for (const bad of ['', '0x10', '1,5', 'abc', '1e999', true, null, NaN]) assert.equal(parseNumber(bad), undefined, String(bad));
  });
});

describe('getters on a tree', () => {
  const c = configFromObject({
    s: 'text', n: 7, ns: '7', f: 0.25, b: 'on', list: ['a', 1, true], obj: { x: 1, 'y.z': 2 }, nul: null,
    bad: { list: ['a', { no: 1 }] }, big: 2 ** 60,
  }, { kind: 'file', file: 'app.conf', line: 3 });

  test('conversions', () => {
    assert.equal(c.getString('s'), 'text');
    assert.equal(c.getString('n'), '7');
    assert.equal(c.getInt('ns'), 7);
    assert.equal(c.getNumber('f'), 0.25);
    assert.equal(c.getBoolean('b'), true);
    assert.deepEqual(c.getStringList('list'), ['a', '1', 'true']);
    assert.deepEqual(c.getObject('obj'), { x: 1, 'y.z': 2 });
    assert.equal(c.getInt('obj."y.z"'), 2);
    assert.deepEqual(c.keys('obj'), ['x', 'y.z']);
    assert.deepEqual(c.keys('missing'), []);
  });

  test('a numerically-indexed object reads as a list (what -Dkey.0=a -Dkey.1=b gives)', () => {
    const t = configFromObject({ l: { '1': 'b', '0': 'a', '10': 'c', x: 'ignored' }, none: { x: 1 } });
    assert.deepEqual(t.getStringList('l'), ['a', 'b', 'c']);
    assert.throws(() => t.getStringList('none'), /none: expected a list of strings, got an object/);
  });

  test('has() is false for missing and null', () => {
    assert.equal(c.has('s'), true);
    assert.equal(c.has('nul'), false);
    assert.equal(c.has('missing.deep'), false);
    assert.equal(c.has('s.deeper'), false);
  });

  test('errors name key, value, expected type and origin', () => {
    const expectError = (fn: () => unknown, re: RegExp) =>
      assert.throws(fn, (e: unknown) => e instanceof ConfigError && re.test(e.message));
    expectError(() => c.getInt('f'), /^f: expected a whole number, got 0\.25 \(set at app\.conf:3\)$/);
    expectError(() => c.getInt('big'), /^big: expected a whole number/);
    expectError(() => c.getBoolean('s'), /^s: expected a boolean \(true\/false\/on\/off\/yes\/no\), got "text"/);
    expectError(() => c.getString('obj'), /^obj: expected a string, got an object/);
    expectError(() => c.getStringList('s'), /^s: expected a list of strings, got "text"/);
    expectError(() => c.getStringList('bad.list'), /^bad\.list\.1: expected a string list element, got an object/);
    expectError(() => c.getNumber('missing'), /^missing: missing, expected a number$/);
    expectError(() => c.getString('nul'), /^nul: expected a string, got null/);
    expectError(() => c.getConfig('s'), /^s: expected an object/);
  });

  test('returned data is a copy', () => {
    const o = c.getObject('obj');
    o.x = 99;
    assert.equal(c.getInt('obj.x'), 1);
    const json = c.toJSON() as { s: string };
    json.s = 'changed';
    assert.equal(c.getString('s'), 'text');
  });

  test('sub-configs resolve relative paths', () => {
    const sub = c.getConfig('obj');
    assert.equal(sub.getInt('x'), 1);
    assert.throws(() => sub.getBoolean('x'), /^ConfigError: obj\.x: expected a boolean/);
  });
});

describe('paths', () => {
  test('quoted segments', () => {
    assert.deepEqual(parsePath('a.b."c.d".e'), ['a', 'b', 'c.d', 'e']);
    assert.deepEqual(parsePath('"/SD-DNS/async-dns/*".dispatcher'), ['/SD-DNS/async-dns/*', 'dispatcher']);
    assert.equal(renderPath(['pekko', 'x.y', 'z']), 'pekko."x.y".z');
    for (const bad of ['', 'a..b', '.a', 'a.', '"a']) assert.throws(() => parsePath(bad), ConfigError, bad);
  });
});
