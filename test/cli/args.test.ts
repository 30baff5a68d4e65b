// Command-line parsing shared by every command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectOnly, loadOptions, parseArgs, UsageError } from '../../src/cli/args.js';

test('the default command is run; options and overrides in any order', () => {
  const a = parseArgs(['-Da=1', '--config', 'app.conf', '-Db.c=x=y']);
  assert.equal(a.command, 'run');
  assert.equal(a.configFile, 'app.conf');
  assert.deepEqual(a.overrides, ['-Da=1', '-Db.c=x=y']);
  assert.equal(a.help, false);
});

test('commands, positionals, flags and --name=value', () => {
  const p = parseArgs(['print-config', 'pekko.cluster', '--origins', '--config=/etc/muster.conf']);
  assert.equal(p.command, 'print-config');
  assert.deepEqual(p.positionals, ['pekko.cluster']);
  assert.equal(p.options.get('origins'), true);
  assert.equal(p.configFile, '/etc/muster.conf');
  const d = parseArgs(['discover', '--service', 'orders']);
  assert.equal(d.command, 'discover');
  assert.equal(d.options.get('service'), 'orders');
  assert.equal(parseArgs(['run']).command, 'run');
  assert.equal(parseArgs(['--help']).command, 'help');
  assert.equal(parseArgs(['check-config', '-h']).help, true);
});

test('a command name after a positional is a positional', () => {
  const p = parseArgs(['print-config', 'run']);
  assert.equal(p.command, 'print-config');
  assert.deepEqual(p.positionals, ['run']);
});

test('usage errors', () => {
  for (const argv of [['--config'], ['--config', '-Dx=1'], ['--service'], ['-Dnovalue'], ['-D=1'], ['-x'], ['--origins=yes']]) {
    assert.throws(() => parseArgs(argv), UsageError, argv.join(' '));
  }
  assert.throws(() => expectOnly(parseArgs(['check-config', '--origins']), [], 0), /check-config does not take --origins/);
  assert.throws(() => expectOnly(parseArgs(['print-config', 'a', 'b']), ['origins'], 1), /unexpected argument 'b'/);
});

test('loadOptions carries config file, overrides, env and cwd', () => {
  const env = { A: '1' };
  assert.deepEqual(loadOptions(parseArgs(['--config', 'x.conf', '-Da=1']), env, '/srv'), {
    configFile: 'x.conf', overrides: ['-Da=1'], env, cwd: '/srv',
  });
  assert.deepEqual(loadOptions(parseArgs([]), env, '/srv'), { overrides: [], env, cwd: '/srv' });
});
