// GET /dashboard on a real management server over a FakeCluster: off unless configured, served
// under the base path with relative URLs only, behind basic auth, read-only, and the state JSON
// it polls (members, reachability, bootstrap, split brain resolver decisions).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { managementSettingsFromConfig } from '../../src/management/settings.js';
import { DEFAULT_MANAGEMENT_SETTINGS } from '../../src/management/settings.js';
import { dashboardStateJson, MAX_SBR_DECISIONS, type DashboardSources } from '../../src/management/dashboard-json.js';
import { basicAuthHeader } from '../../src/management/security.js';
import { repoRoot } from '../support/muster-process.js';
import { address, FakeCluster, member } from '../support/fake-cluster.js';
import { call, start, upCluster } from './_support.js';

const on = { dashboard: { enabled: true } };

/** A three-member cluster seen from .1: .3 is unreachable from .1 and .2, .2 has role web and version 1.2.0. */
function threeMembers(): FakeCluster {
  const a = member('127.0.0.1', 17355, 11n, 'Up', { upNumber: 1 });
  const b = { ...member('127.0.0.2', 17355, 22n, 'Up', { upNumber: 2, roles: ['web'] }), appVersion: '1.2.0' };
  const c = member('127.0.0.3', 17355, -33n, 'Joining');
  const cluster = new FakeCluster(a.uniqueAddress);
  cluster.setState({
    self: a,
    members: [a, b, c],
    leader: a.uniqueAddress.address,
    roleLeaders: new Map([['web', b.uniqueAddress.address]]),
    unreachable: [{ subject: c.uniqueAddress, observedBy: [a.uniqueAddress, b.uniqueAddress] }],
    seenBy: [a.uniqueAddress.address],
  });
  return cluster;
}

test('settings: muster.management.dashboard.enabled is off by default and read from config', async () => {
  assert.equal(DEFAULT_MANAGEMENT_SETTINGS.dashboard.enabled, false);
  assert.equal(managementSettingsFromConfig(await loadConfig({ applicationText: '' })).dashboard.enabled, false);
  const s = managementSettingsFromConfig(await loadConfig({ applicationText: 'muster.management.dashboard.enabled = on' }));
  assert.equal(s.dashboard.enabled, true);
  await assert.rejects(async () => {
    const { validateAllKeys } = await import('../../src/checked-keys.js');
    validateAllKeys(await loadConfig({ applicationText: 'muster.management.dashboard.enabled = maybe' }));
  }, /muster\.management\.dashboard\.enabled/);
});

test('off by default: /dashboard is a 404 like any unknown path', async () => {
  const srv = await start({}, { cluster: upCluster() });
  try {
    for (const p of ['/dashboard', '/dashboard/app.js', '/dashboard/state']) assert.equal((await call(`${srv.url}${p}`)).status, 404, p);
  } finally {
    await srv.close();
  }
});

test('the page and its assets: HTML with relative URLs only, each asset with its type, no third-party origin', async () => {
  const srv = await start(on, { cluster: upCluster() });
  try {
    const page = await call(`${srv.url}/dashboard`);
    assert.equal(page.status, 200);
    assert.equal(page.type, 'text/html; charset=utf-8');
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'/);
    const refs = [...page.text.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
    assert.deepEqual(refs.sort(), ['dashboard/app.js', 'dashboard/dashboard.css', 'data:,'].sort());
    const types: Record<string, string> = {
      'app.js': 'text/javascript; charset=utf-8',
      'render.js': 'text/javascript; charset=utf-8',
      'dashboard.css': 'text/css; charset=utf-8',
    };
    for (const [name, type] of Object.entries(types)) {
      const r = await call(`${srv.url}/dashboard/${name}`);
      assert.equal(r.status, 200, name);
      assert.equal(r.type, type, name);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      // Nothing is fetched from elsewhere: clusters often have no internet.
      assert.doesNotMatch(r.text, /https?:\/\/|\/\/cdn|import\s+[^;]*from\s+['"](?!\.\/)/, name);
    }
    // The scripts import each other relatively, and fetch relative to the page.
    const app = (await call(`${srv.url}/dashboard/app.js`)).text;
    assert.match(app, /from '\.\/render\.js'/);
    assert.match(app, /fetch\('dashboard\/state'/);
    assert.match(app, /new EventSource\('cluster\/domain-events'\)/);
    // The slash form would break the relative URLs, so it redirects; unknown files are 404s.
    const slash = await fetch(`${srv.url}/dashboard/`, { redirect: 'manual' });
    assert.equal(slash.status, 301);
    assert.equal(slash.headers.get('location'), '../dashboard');
    for (const p of ['/dashboard/index.html', '/dashboard/render.d.ts', '/dashboard/..%2Fpackage.json', '/dashboard/../package.json']) {
      assert.equal((await call(`${srv.url}${p}`)).status, 404, p);
    }
  } finally {
    await srv.close();
  }
});

test('read-only: only GET is served (HEAD answers 405 as on every management route, as in Pekko)', async () => {
  const srv = await start(on, { cluster: upCluster() });
  try {
    for (const p of ['/dashboard', '/dashboard/state', '/dashboard/app.js']) {
      const r = await call(`${srv.url}${p}`, 'POST', { body: 'x', contentType: 'text/plain' });
      assert.equal(r.status, 405, p);
      assert.equal(r.allow, 'GET');
      assert.equal((await call(`${srv.url}${p}`, 'HEAD')).status, 405, p);
    }
  } finally {
    await srv.close();
  }
});

test('base-path: the page and its data live under it', async () => {
  const srv = await start({ ...on, http: { basePath: 'admin/mgmt' } }, { cluster: upCluster() });
  try {
    assert.ok(srv.url.endsWith('/admin/mgmt'));
    assert.equal((await call(`${srv.url}/dashboard`)).status, 200);
    assert.equal((await call(`${srv.url}/dashboard/app.js`)).status, 200);
    assert.equal((await call(`${srv.url}/dashboard/state`)).status, 200);
    // the event stream is under the base path too (405 to HEAD there, 404 outside it)
    assert.equal((await call(`${srv.url}/cluster/domain-events`, 'HEAD')).status, 405);
    assert.equal((await call(srv.url.replace('/admin/mgmt', '/dashboard'))).status, 404);
  } finally {
    await srv.close();
  }
});

test('basic auth: the page, its assets and its data all need the credentials', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'muster-dash-'));
  const passwordFile = path.join(dir, 'password');
  writeFileSync(passwordFile, 'pw\n');
  const security = { https: { enabled: false, certFile: '', keyFile: '', caFile: '' }, basicAuth: { username: 'ops', passwordFile } };
  const srv = await start({ ...on, security }, { cluster: upCluster() });
  try {
    for (const p of ['/dashboard', '/dashboard/app.js', '/dashboard/state']) {
      const anonymous = await call(`${srv.url}${p}`);
      assert.equal(anonymous.status, 401, p);
      assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic realm="secured"/);
      assert.equal((await call(`${srv.url}${p}`, 'GET', { headers: { authorization: basicAuthHeader('ops', 'wrong') } })).status, 401);
      assert.equal((await call(`${srv.url}${p}`, 'GET', { headers: { authorization: basicAuthHeader('ops', 'pw') } })).status, 200, p);
    }
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dashboard/state: members with up-number and app-version, who observes whom, leader, oldest, role leaders', async () => {
  const cluster = threeMembers();
  const srv = await start(on, { cluster });
  try {
    const r = await call(`${srv.url}/dashboard/state`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const s = JSON.parse(r.text);
    assert.equal(s.selfNode, 'pekko://Main@127.0.0.1:17355');
    assert.equal(s.selfUid, '11');
    assert.equal(s.selfStatus, 'Up');
    assert.equal(s.leader, 'pekko://Main@127.0.0.1:17355');
    assert.equal(s.oldest, 'pekko://Main@127.0.0.1:17355');
    assert.deepEqual(s.roleLeaders, { web: 'pekko://Main@127.0.0.2:17355' });
    assert.deepEqual(s.members, [
      { node: 'pekko://Main@127.0.0.1:17355', nodeUid: '11', status: 'Up', roles: [], dataCenter: 'default', upNumber: 1, appVersion: '0.0.0' },
      { node: 'pekko://Main@127.0.0.2:17355', nodeUid: '22', status: 'Up', roles: ['web'], dataCenter: 'default', upNumber: 2, appVersion: '1.2.0' },
      { node: 'pekko://Main@127.0.0.3:17355', nodeUid: '-33', status: 'Joining', roles: [], dataCenter: 'default', upNumber: null, appVersion: '0.0.0' },
    ]);
    assert.deepEqual(s.unreachable, [
      { node: 'pekko://Main@127.0.0.3:17355', observedBy: ['pekko://Main@127.0.0.1:17355', 'pekko://Main@127.0.0.2:17355'] },
    ]);
    assert.deepEqual(s.seenBy, ['pekko://Main@127.0.0.1:17355']);
    assert.equal(s.events, true);
    assert.equal(s.bootstrap, null);
    assert.equal(s.splitBrainResolver, null);
  } finally {
    await srv.close();
  }
  // Without the cluster-management provider there is no event stream: the page then only polls.
  const quiet = await start({ ...on, http: { routes: [{ name: 'health-checks', className: 'health-checks' }] } }, { cluster });
  try {
    assert.equal(JSON.parse((await call(`${quiet.url}/dashboard/state`)).text).events, false);
  } finally {
    await quiet.close();
  }
});

test('dashboard/state: bootstrap status with the stable margin, SBR decisions newest first with their age', () => {
  const cluster = threeMembers();
  const decisions = Array.from({ length: MAX_SBR_DECISIONS + 5 }, (_, i) => ({
    at: 1000 * i,
    decision: { type: 'DownUnreachable' as const },
    downed: [{ address: address('127.0.0.3'), uid: BigInt(i) }],
    ...(i === MAX_SBR_DECISIONS + 4 ? { leaseAcquired: true } : {}),
  }));
  const sources: DashboardSources = {
    bootstrapStatus: () => ({ phase: 'bootstrapping', contactPoints: ['127.0.0.1:7626'], contactPointsStableForMs: 1200 }),
    stableMarginMs: 5000,
    splitBrainResolver: () => ({ strategy: 'keep-majority', stableAfterMs: 20_000, decisions, now: 30_500 }),
  };
  const s = dashboardStateJson(cluster.state(), sources, true);
  assert.deepEqual(s.bootstrap, { phase: 'bootstrapping', contactPoints: ['127.0.0.1:7626'], contactPointsStableForMs: 1200, stableMarginMs: 5000 });
  assert.equal(s.splitBrainResolver?.strategy, 'keep-majority');
  assert.equal(s.splitBrainResolver?.stableAfterMs, 20_000);
  const sent = s.splitBrainResolver!.decisions;
  assert.equal(sent.length, MAX_SBR_DECISIONS);
  assert.deepEqual(sent[0], { agoMs: 6500, decision: 'DownUnreachable', downed: ['pekko://Main@127.0.0.3:17355'], leaseAcquired: true });
  assert.deepEqual(sent.map((d) => d.agoMs), Array.from({ length: MAX_SBR_DECISIONS }, (_, i) => 6500 + 1000 * i));
  // A source that has nothing to say yet is shown as absent.
  const none = dashboardStateJson(cluster.state(), { bootstrapStatus: () => undefined, splitBrainResolver: () => undefined }, true);
  assert.equal(none.bootstrap, null);
  assert.equal(none.splitBrainResolver, null);
});

test('the page ships in the npm package (files in package.json)', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, encoding: 'utf8' });
  const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  // The page's four files, and not the type declarations and tsconfig that only the tests use.
  assert.deepEqual(
    files.filter((f) => f.startsWith('dashboard/')).sort(),
    ['dashboard/app.js', 'dashboard/dashboard.css', 'dashboard/index.html', 'dashboard/render.js'],
  );
});
