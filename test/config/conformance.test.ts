// Conformance with Lightbend's own test data and with Pekko's config files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { fixtures } from './helpers.js';
import { LIGHTBEND_FIXTURES, PEKKO_FIXTURES, missingShared } from '../support/shared-fixtures.js';

const noLightbend = missingShared(LIGHTBEND_FIXTURES);
const noPekko = missingShared(PEKKO_FIXTURES);
const equivRoot = path.join(fixtures, 'hocon-lightbend');
const groups = noLightbend ? [] : readdirSync(equivRoot).filter((d) => /^equiv\d+$/.test(d)).sort();

test('there are five lightbend equivalence groups', { skip: noLightbend }, () => {
  assert.deepEqual(groups, ['equiv01', 'equiv02', 'equiv03', 'equiv04', 'equiv05']);
});

for (const group of groups) {
  const dir = path.join(equivRoot, group);
  const expected = JSON.parse(readFileSync(path.join(dir, 'original.json'), 'utf8'));
  const variants = readdirSync(dir).filter((f) => /\.(conf|json)$/.test(f) && f !== 'original.json').sort();
  test(`${group}: every variant resolves to original.json (${variants.length} variants)`, async () => {
    assert.ok(variants.length > 0);
    for (const v of variants) {
      const config = await loadConfig({ configFile: path.join(dir, v), withReference: false, env: {} });
      assert.deepStrictEqual(config.toJSON(), expected, `${group}/${v}`);
    }
  });
}

const pekkoDir = path.join(fixtures, 'pekko');
const pekkoConfs = noPekko ? [] : readdirSync(pekkoDir).filter((f) => f.endsWith('.conf')).sort();
// Files that refer to keys or variables they do not define themselves: loaded on top of Muster's
// reference.conf with the variables the integration tests set in their pods.
const podEnv = {
  HOST: '10.0.0.5',
  MARATHON_APP_ID: '/muster-test',
  REQUIRED_CONTACT_POINT_NR: '3',
};

// remote's reference.conf copies pekko.stream.materializer, which lives in pekko-stream's
// reference.conf (no fixture carries it and Muster has no streams): stand in an empty object.
const standIns: Record<string, string> = { 'remote-reference.conf': 'pekko.stream.materializer {}' };

test('every Pekko .conf fixture loads on top of the reference config', { skip: noPekko }, async () => {
  assert.ok(pekkoConfs.length >= 20);
  for (const f of pekkoConfs) {
    const applicationText = standIns[f];
    const config = await loadConfig({ configFile: path.join(pekkoDir, f), env: podEnv, ...(applicationText ? { applicationText } : {}) });
    assert.equal(typeof config.getString('pekko.management.http.port'), 'string', f);
  }
});

test('every standalone Pekko reference.conf fixture loads on its own', { skip: noPekko }, async () => {
  const refs = pekkoConfs.filter((f) => f.endsWith('-reference.conf') && !['remote-reference.conf', 'discovery-reference.conf'].includes(f));
  for (const f of refs) {
    const config = await loadConfig({ configFile: path.join(pekkoDir, f), withReference: false, env: {} });
    assert.ok(config.has('pekko'), f);
  }
});

test('Pekko numbers such as 0.8 come back as numbers', { skip: noPekko }, async () => {
  const config = await loadConfig({ configFile: path.join(pekkoDir, 'cluster-reference.conf'), withReference: false, env: {} });
  assert.equal(config.getValue('pekko.cluster.gossip-different-view-probability'), 0.8);
  assert.equal(config.getValue('pekko.cluster.multi-data-center.cross-data-center-gossip-probability'), 0.2);
});
