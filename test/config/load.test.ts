// Layering, overrides, environment, origins and errors of loadConfig.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { applicationFile, loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/types.js';
import { tempTree } from './helpers.js';

describe('layers', () => {
  test('./application.conf in cwd is picked up and overrides reference.conf', async () => {
    const t = tempTree({ 'application.conf': 'pekko.management.http.port = 8558\n' });
    try {
      const c = await loadConfig({ cwd: t.dir, env: {} });
      assert.equal(c.getInt('pekko.management.http.port'), 8558);
      assert.equal(c.getString('pekko.management.http.hostname'), '<hostname>');
      assert.deepEqual(c.origin('pekko.management.http.port'), { kind: 'file', file: 'application.conf', line: 1 });
    } finally {
      t.cleanup();
    }
  });

  test('--config FILE replaces ./application.conf; -Dconfig.file does the same', async () => {
    const t = tempTree({ 'application.conf': 'x = from-cwd\n', 'other.conf': 'x = from-other\n', 'third.conf': 'x = third\n' });
    try {
      assert.equal((await loadConfig({ cwd: t.dir, env: {}, configFile: 'other.conf' })).getString('x'), 'from-other');
      assert.equal((await loadConfig({ cwd: t.dir, env: {}, overrides: ['-Dconfig.file=third.conf'] })).getString('x'), 'third');
      assert.equal(applicationFile({ cwd: t.dir }), t.file('application.conf'));
    } finally {
      t.cleanup();
    }
  });

  test('a named config file that does not exist is an error', async () => {
    await assert.rejects(loadConfig({ configFile: '/nonexistent/muster.conf', env: {} }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /config file \/nonexistent\/muster\.conf was not found/);
      return true;
    });
  });

  test('-D overrides are strings, applied in order, and win over every file', async () => {
    const c = await loadConfig({
      applicationText: 'pekko.management.http.port = 1\nmy.copy = ${pekko.management.http.port}',
      overrides: ['-Dpekko.management.http.port=2', '-Dpekko.management.http.port=3', 'pekko.cluster.roles.x=y'],
      env: {},
    });
    assert.equal(c.getValue('pekko.management.http.port'), '3');
    assert.equal(c.getInt('pekko.management.http.port'), 3);
    assert.equal(c.getValue('my.copy'), '3', 'substitutions see the override');
    assert.deepEqual(c.origin('pekko.management.http.port'), { kind: 'cli', arg: '-Dpekko.management.http.port=3' });
  });

  test('overrides given as a map', async () => {
    const c = await loadConfig({ overrides: { 'muster.system-name': 'shop' }, env: {}, withReference: true });
    assert.equal(c.getString('muster.system-name'), 'shop');
    assert.equal(c.describeOrigin('muster.system-name'), 'command line -Dmuster.system-name=shop');
  });

  test('an override without = is rejected', async () => {
    await assert.rejects(loadConfig({ overrides: ['-Dfoo'], env: {} }), /invalid override '-Dfoo'/);
  });

  test('inline text may have root braces and comments around them', async () => {
    for (const text of ['{ a = 1 }', '// head\n{\n  a = 1\n}\n# tail', '{\n  a = 1\n} // end', '{ "a}" = 1, a = 1 }']) {
      const c = await loadConfig({ applicationText: text, env: {} });
      assert.equal(c.getInt('a'), 1, text);
      assert.equal(c.getInt('pekko.management.http.port'), 7626, text);
    }
  });

  test('withReference: false loads only the application layer', async () => {
    const c = await loadConfig({ applicationText: 'a = 1', withReference: false, env: {} });
    assert.deepEqual(c.toJSON(), { a: 1 });
  });
});

describe('environment variables', () => {
  test('reference.conf ${?ENV} substitutions use the given environment, not process.env', async () => {
    const c = await loadConfig({
      env: { PEKKO_CLUSTER_BOOTSTRAP_SERVICE_NAME: 'orders', PEKKO_CLUSTER_BOOTSTRAP_PORT_NAME: 'management', KUBERNETES_NAMESPACE: 'shop' },
    });
    const cpd = 'pekko.management.cluster.bootstrap.contact-point-discovery';
    assert.equal(c.getString(`${cpd}.service-name`), 'orders');
    assert.equal(c.getString(`${cpd}.port-name`), 'management');
    assert.equal(c.getString('pekko.discovery.kubernetes-api.pod-namespace'), 'shop');
    assert.deepEqual(c.origin(`${cpd}.service-name`), { kind: 'env', name: 'PEKKO_CLUSTER_BOOTSTRAP_SERVICE_NAME' });
    assert.equal(c.describeOrigin('pekko.discovery.kubernetes-api.pod-namespace'), 'env KUBERNETES_NAMESPACE');
  });

  test('unset variables keep the defaults; an empty variable gives ""', async () => {
    const cpd = 'pekko.management.cluster.bootstrap.contact-point-discovery';
    const unset = await loadConfig({ env: {} });
    assert.equal(unset.getString(`${cpd}.service-name`), '<service-name>');
    assert.equal(unset.describeOrigin(`${cpd}.service-name`), 'reference/pekko-bootstrap.conf:10');
    const empty = await loadConfig({ env: { PEKKO_CLUSTER_BOOTSTRAP_SERVICE_NAME: '' } });
    assert.equal(empty.getString(`${cpd}.service-name`), '');
  });

  test('env values stay strings and convert through typed getters', async () => {
    const c = await loadConfig({ applicationText: 'pekko.remote.artery.canonical.port = ${?PORT}', env: { PORT: '2552' } });
    assert.equal(c.getValue('pekko.remote.artery.canonical.port'), '2552');
    assert.equal(c.getInt('pekko.remote.artery.canonical.port'), 2552);
  });
});

describe('origins', () => {
  test('file and line for application files, reference files, included files and inline text', async () => {
    const t = tempTree({
      'app.conf': '# comment\n\npekko {\n  cluster {\n    min-nr-of-members = 3\n  }\n}\ninclude "sub/more.conf"\n',
      'sub/more.conf': '\nmore.value = 1\n',
    });
    try {
      const c = await loadConfig({ configFile: t.file('app.conf'), cwd: t.dir, env: {} });
      assert.deepEqual(c.origin('pekko.cluster.min-nr-of-members'), { kind: 'file', file: 'app.conf', line: 5 });
      assert.deepEqual(c.origin('more.value'), { kind: 'file', file: path.join('sub', 'more.conf'), line: 2 });
      assert.deepEqual(c.origin('pekko.cluster.seed-nodes'), { kind: 'reference', file: path.join('reference', 'pekko-cluster.conf'), line: 5 });
      const inline = await loadConfig({ applicationText: 'a = 1\n\nb = 2', env: {} });
      assert.deepEqual(inline.origin('b'), { kind: 'file', file: '<application text>', line: 3 });
    } finally {
      t.cleanup();
    }
  });

  test('the last writer wins, and an object value gives its keys its own origin', async () => {
    const c = await loadConfig({ applicationText: 'a { b = 1 }\na.b = 2\nc = { d = 1 }\nc = { e = 2 }\n', withReference: false, env: {} });
    assert.equal(c.describeOrigin('a.b'), '<application text>:2');
    assert.equal(c.describeOrigin('c.d'), '<application text>:3');
    assert.equal(c.describeOrigin('c.e'), '<application text>:4');
  });

  test('a sub-config keeps full names and origins', async () => {
    const c = await loadConfig({ applicationText: 'pekko.management.http.port = "nope"', env: {} });
    const http = c.getConfig('pekko.management.http');
    assert.equal(http.describeOrigin('port'), '<application text>:1');
    assert.throws(() => http.getInt('port'), /pekko\.management\.http\.port: expected a whole number, got "nope" \(set at <application text>:1\)/);
  });
});

describe('errors', () => {
  test('a syntax error names the file, the line and what was expected', async () => {
    const t = tempTree({ 'bad.conf': 'a = 1\nb {\n  c = [1, 2\n}\n' });
    try {
      await assert.rejects(loadConfig({ configFile: t.file('bad.conf'), cwd: t.dir, env: {} }), (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, /^bad\.conf:4:1: expected '\]' to close the array, found '\}'/);
        assert.deepEqual(e.origin, { kind: 'file', file: 'bad.conf', line: 4 });
        return true;
      });
    } finally {
      t.cleanup();
    }
  });

  const malformed: Array<[string, RegExp]> = [
    ['a = 1\nb = }', /:2:5: expected a value after '='/],
    ['a = 1\n}', /:2:1: unexpected '}' with no matching '\{'/],
    ['a = [1, 2]]', /:1:11: unexpected '\]' with no matching '\['/],
    ['a = { b = 1 ]', /:1:13: expected '\}' to close the object, found '\]'/],
    ['a = ${}', /:1:5: empty substitution/],
    ['a = "open', /:1:\d+: expected '"' to close the quoted string/],
    ['a = """open', /:1:\d+: expected '"""' to close the multi-line string/],
    ['a b c', /:1:1: expected '=' or ':' and a value after the key/],
    ['a : : 1', /:1:5: unexpected ':'/],
  ];
  for (const [text, re] of malformed) {
    test(`malformed input ${JSON.stringify(text)} is a syntax error with its position`, async () => {
      await assert.rejects(loadConfig({ applicationText: text, withReference: false, env: {} }), (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, new RegExp(`^<application text>${re.source}`));
        return true;
      });
    });
  }

  test('an unclosed object names where it was opened and the missing brace', async () => {
    await assert.rejects(loadConfig({ applicationText: 'x = 1\ny = {', env: {} }), /^ConfigError: <application text>:2:5: expected '}'/);
  });

  test('a missing required substitution names the variable', async () => {
    await assert.rejects(loadConfig({ applicationText: 'pekko.remote.artery.canonical.hostname = ${HOST}', env: {} }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /<application text>:1:\d+: required substitution \$\{HOST\} is not set/);
      assert.equal(e.path, 'HOST');
      return true;
    });
  });

  test('a substitution cycle is an error', async () => {
    await assert.rejects(loadConfig({ applicationText: 'a = ${b}\nb = ${a}', withReference: false, env: {} }), ConfigError);
  });

  test('a required include that is missing is an error; an optional one is skipped', async () => {
    await assert.rejects(
      loadConfig({ applicationText: 'include required("/nonexistent/x.conf")', env: {} }),
      /required include .*nonexistent\/x\.conf.* was not found/,
    );
    const c = await loadConfig({ applicationText: 'include "/nonexistent/x.conf"\na = 1', withReference: false, env: {} });
    assert.deepEqual(c.toJSON(), { a: 1 });
  });

  test('a wrong type names the key, the value, the expected type and the origin', async () => {
    const t = tempTree({ 'application.conf': '\npekko.cluster.gossip-interval = "often"\n' });
    try {
      const c = await loadConfig({ cwd: t.dir, env: {} });
      assert.throws(() => c.getDurationMs('pekko.cluster.gossip-interval'), (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(
          e.message,
          'pekko.cluster.gossip-interval: expected a duration (e.g. 500ms, 5s, 2 minutes), got "often" (set at application.conf:2)',
        );
        assert.equal(e.path, 'pekko.cluster.gossip-interval');
        return true;
      });
    } finally {
      t.cleanup();
    }
  });
});

describe('security', () => {
  for (const key of ['__proto__', 'constructor', 'prototype']) {
    test(`key ${key} is rejected and pollutes nothing`, async () => {
      for (const text of [`${key} { polluted = 1 }`, `a.${key}.polluted = 1`, `a { ${key} = { polluted = 1 } }`, `"${key}" = 1`]) {
        await assert.rejects(loadConfig({ applicationText: text, withReference: false, env: {} }), (e: unknown) => {
          assert.ok(e instanceof ConfigError);
          assert.match(e.message, new RegExp(`key '${key}' is not allowed`));
          return true;
        });
        assert.equal((({}) as Record<string, unknown>).polluted, undefined);
        assert.equal((Object.prototype as unknown as Record<string, unknown>).polluted, undefined);
      }
    });
  }

  test('overrides with prototype keys are rejected', async () => {
    for (const arg of ['-D__proto__.polluted=1', '-Da.constructor.prototype.polluted=1', '-Dpekko.prototype=1']) {
      await assert.rejects(loadConfig({ overrides: [arg], env: {} }), /is not allowed in configuration/, arg);
      assert.equal((({}) as Record<string, unknown>).polluted, undefined);
    }
  });

  test('substitution paths are plain keys: no expressions, no wildcards, no prototype lookups', async () => {
    const g = globalThis as Record<string, unknown>;
    await assert.rejects(
      loadConfig({ applicationText: 'x = ${"[globalThis.musterPwned = 1]"}', withReference: false, env: {} }),
      /required substitution/,
    );
    assert.equal(g.musterPwned, undefined);
    await assert.rejects(loadConfig({ applicationText: 'a { b = 1 }\nx = ${a."*"}', withReference: false, env: {} }), /required substitution/);
    await assert.rejects(loadConfig({ applicationText: 'x = ${toString}', withReference: false, env: {} }), /required substitution \$\{toString\}/);
  });

  test('include "x.js" never runs JavaScript', async () => {
    const t = tempTree({});
    const marker = t.file('ran');
    const js = `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); module.exports = { injected: 1 };`;
    const t2 = tempTree({ 'evil.js': js, 'app.conf': 'include "evil.js"\nsafe = 1\n' });
    try {
      const c = await loadConfig({ configFile: t2.file('app.conf'), withReference: false, env: {} });
      assert.deepEqual(c.toJSON(), { safe: 1 });
      await assert.rejects(
        loadConfig({ applicationText: `include "script(${t2.file('evil.js')})"`, withReference: false, env: {} }),
        /including JavaScript is not allowed/,
      );
      const { existsSync } = await import('node:fs');
      assert.equal(existsSync(marker), false);
    } finally {
      t.cleanup();
      t2.cleanup();
    }
  });

  test('pushcorn value transforms are refused', async () => {
    const t = tempTree({ 'inc.conf': 'a = 1\n' });
    try {
      for (const transform of ['eval', 'base64-decode', 'invoke', 'query']) {
        await assert.rejects(
          loadConfig({ applicationText: `include required("${transform}(${t.file('inc.conf')})")`, withReference: false, env: {} }),
          (e: unknown) => e instanceof ConfigError && /is not HOCON and is not allowed/.test(e.message),
          transform,
        );
      }
    } finally {
      t.cleanup();
    }
  });

  test('include url(...) is refused unless enabled, then fetched', async () => {
    const http = await import('node:http');
    let requests = 0;
    const server = http.createServer((_req, res) => {
      requests++;
      res.setHeader('content-type', 'text/plain');
      res.end('remote { value = 42 }\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as import('node:net').AddressInfo;
    const text = `include url("http://127.0.0.1:${port}/remote.conf")\nlocal = 1`;
    try {
      await assert.rejects(loadConfig({ applicationText: text, withReference: false, env: {} }), /URL includes are disabled/);
      await assert.rejects(
        loadConfig({ applicationText: `include "http://user:secret@127.0.0.1:${port}/x.conf"`, withReference: false, env: {} }),
        (e: unknown) => e instanceof ConfigError && !/secret/.test(e.message),
      );
      assert.equal(requests, 0);
      const viaOption = await loadConfig({ applicationText: text, withReference: false, env: {}, allowUrlIncludes: true });
      assert.equal(viaOption.getInt('remote.value'), 42);
      const viaOverride = await loadConfig({ applicationText: text, withReference: false, env: {}, overrides: ['-Dmuster.hocon.allow-url-includes=on'] });
      assert.equal(viaOverride.getInt('remote.value'), 42);
      assert.equal(requests, 2);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  test('include paths are resolved relative to the including file, whatever the cwd', async () => {
    const t = tempTree({ 'conf/app.conf': 'include "parts/p.conf"', 'conf/parts/p.conf': 'include "q.conf"\np = 1', 'conf/parts/q.conf': 'q = 2' });
    try {
      const c = await loadConfig({ configFile: t.file('conf/app.conf'), cwd: '/', withReference: false, env: {} });
      assert.deepEqual(c.toJSON(), { p: 1, q: 2 });
    } finally {
      t.cleanup();
    }
  });

  test('a file including itself is an error, not a hang', async () => {
    const t = tempTree({ 'loop.conf': 'include "loop.conf"\na = 1' });
    try {
      await assert.rejects(loadConfig({ configFile: t.file('loop.conf'), withReference: false, env: {} }), ConfigError);
    } finally {
      t.cleanup();
    }
  });
});
