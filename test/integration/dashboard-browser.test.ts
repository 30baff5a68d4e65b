// The /dashboard page in a real headless Chromium against real node processes on loopback:
// it shows a three-node cluster form (3 Up members), shows a member leave after SIGTERM without a
// reload, says so when the node it talks to is gone and picks it up again once restarted, shows
// a frozen member as unreachable in the matrix and the split brain resolver's decision to down
// it, and with basic auth on it needs the credentials. Skips when no Chromium is installed.
// MUSTER_UPDATE_SCREENSHOT=1 also keeps the screenshots it takes in docs/images/.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../support/browser.js';
import {
  allocateNodes,
  clusterConf,
  ProcessGroup,
  repoRoot,
  tempDir,
  waitForOneCluster,
  type MusterProcess,
} from '../support/muster-process.js';

const skip = chromiumMissing();
let group = new ProcessGroup();
let dirs: ReturnType<typeof tempDir>[] = [];
let browser: Browser | undefined;
afterEach(async () => {
  await group.stopAll();
  group = new ProcessGroup();
  for (const d of dirs) d.remove();
  dirs = [];
});
after(async () => {
  await browser?.close();
});

async function openBrowser(): Promise<Browser> {
  browser ??= await launchChromium();
  return browser;
}

/**
 * Polls `expression` in the page until it is truthy. Polled from here, not with waitForFunction:
 * the page's Content-Security-Policy (no eval) rightly stops in-page string predicates.
 * The bound only turns a hang into a failure.
 */
async function waitInPage(page: Page, what: string, expression: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) {
      const body = await page.evaluate('document.body.innerText').catch(() => '(page gone)');
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n--- page text ---\n${String(body)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Takes a full-page screenshot; MUSTER_UPDATE_SCREENSHOT=1 keeps it as docs/images/<name>. */
async function screenshot(page: Page, name: string): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'muster-dashboard-'));
  try {
    const file = path.join(dir, name);
    await page.screenshot({ path: file, fullPage: true });
    const png = readFileSync(file);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG screenshot');
    if (process.env.MUSTER_UPDATE_SCREENSHOT) copyFileSync(file, path.join(repoRoot, 'docs', 'images', name));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Three free endpoints and, in a temporary directory removed after the test, an application.conf for a
 * cluster "shop" of them with the dashboard on, role web and the split brain resolver, plus `more` lines.
 */
async function threeNodeDashboardCluster(more?: string): Promise<{ nodes: Awaited<ReturnType<typeof allocateNodes>>; conf: string }> {
  const nodes = await allocateNodes(3);
  const dir = tempDir();
  dirs.push(dir);
  const conf = dir.write(
    'application.conf',
    clusterConf({
      endpoints: nodes,
      systemName: 'shop',
      extra: `muster.management.dashboard.enabled = on
pekko.cluster.roles = ["web"]
pekko.cluster.downing-provider-class = "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"${more === undefined ? '' : `\n${more}`}`,
    }),
  );
  return { nodes, conf };
}

const memberRows = (status: string) => `document.querySelectorAll('#members tr[data-status="${status}"]').length`;
const rowCount = `document.querySelectorAll('#members tr[data-member]').length`;
const logText = `document.getElementById('events').innerText`;

describe('dashboard in a headless browser', { skip, concurrency: false }, () => {
  it('shows the cluster form, a member leave on SIGTERM and its own node go and come back, without reloading', async () => {
    const { nodes, conf } = await threeNodeDashboardCluster();
    const spawn = (i: number) => group.spawn({ node: nodes[i]!, configFile: conf, name: `node${i + 1}` });
    const procs: MusterProcess[] = [spawn(0), spawn(1), spawn(2)];
    const b = await openBrowser();
    const context = await b.newContext({ viewport: { width: 1280, height: 960 } });
    try {
      // The page is open on node 1 before the cluster has formed: it must fill in live.
      await procs[0]!.waitForLog('management bound', (l) => l.marker === 'pekkoManagementBound');
      const first = await context.newPage();
      const errors: string[] = [];
      first.on('pageerror', (e) => errors.push(String(e)));
      const response = await first.goto(procs[0]!.url('/dashboard'));
      assert.equal(response?.status(), 200);
      await waitInPage(first, '3 Up members', `${memberRows('Up')} === 3`);
      await waitForOneCluster(procs, 60_000, group);
      const self = `pekko://shop@${nodes[0]!.host}:${nodes[0]!.remotePort}`;
      assert.equal(await first.getAttribute('#members tr.self', 'data-member'), self);
      assert.equal(await first.getAttribute('body', 'data-connection'), 'live');
      // Leader and oldest are marked, the matrix is all reachable, bootstrap says how it joined.
      assert.equal(await first.locator('#members .t-leader').count(), 1);
      assert.equal(await first.locator('#members .t-oldest').count(), 1);
      // All reachable (waited for: a loaded machine may show a passing unreachable observation).
      await waitInPage(first, 'an all-reachable matrix', `document.querySelectorAll('#reachability td.cell.ok').length === 6`);
      assert.equal(await first.locator('#reachability td.cell.self').count(), 3);
      assert.match(await first.innerText('#bootstrap'), /phase\s+joined/);
      assert.match(await first.innerText('#sbr'), /keep-majority/);

      await screenshot(first, 'dashboard.png');

      // A second page on node 3, then SIGTERM to node 3: node 1's page shows it leave, with no
      // reload (a marker set in the page survives), and node 3's page says its node is gone.
      const third = await context.newPage();
      await third.goto(procs[2]!.url('/dashboard'));
      await waitInPage(third, '3 Up members on node 3', `${memberRows('Up')} === 3`);
      await first.evaluate('window.__notReloaded = true');
      const exit = await procs[2]!.stop('SIGTERM');
      assert.deepEqual(exit, { code: 0, signal: null }, procs[2]!.tail());
      await waitInPage(first, 'node 3 gone from the members', `${rowCount} === 2 && ${memberRows('Up')} === 2`);
      const short3 = `${nodes[2]!.host}:${nodes[2]!.remotePort}`;
      await waitInPage(first, 'the removal in the event log', `${logText}.includes(${JSON.stringify(`${short3} was removed`)})`);
      assert.equal(await first.evaluate('window.__notReloaded'), true, 'the page was not reloaded');
      await waitInPage(third, 'the banner on the page of the stopped node', `document.body.dataset.connection === 'gone'`);
      assert.equal(await third.isVisible('#banner'), true);
      assert.match(await third.innerText('#banner'), /has not answered since/);

      // Node 3 restarts on the same address: its page reconnects by itself and says so.
      procs[2] = spawn(2);
      await waitInPage(third, 'node 3 back with 3 Up members', `document.body.dataset.connection === 'live' && ${memberRows('Up')} === 3`, 90_000);
      assert.match(await third.evaluate<string>(logText), /restarted \(new uid/);
      assert.equal(await third.isVisible('#banner'), false);
      await waitInPage(first, 'node 1 sees node 3 back', `${memberRows('Up')} === 3`);
      assert.deepEqual(errors, [], 'no script errors in the page');
    } finally {
      await context.close();
    }
  });

  it('shows a frozen member turn unreachable in the matrix and the split brain resolver down it', async () => {
    const { nodes, conf } = await threeNodeDashboardCluster('pekko.cluster.split-brain-resolver.stable-after = 5s');
    const procs = nodes.map((n, i) => group.spawn({ node: n, configFile: conf, name: `node${i + 1}` }));
    await waitForOneCluster(procs, 60_000, group);
    const b = await openBrowser();
    const context = await b.newContext({ viewport: { width: 1280, height: 960 } });
    try {
      const page = await context.newPage();
      await page.goto(procs[0]!.url('/dashboard'));
      await waitInPage(page, '3 Up members', `${memberRows('Up')} === 3`);
      const frozen = `pekko://shop@${nodes[2]!.host}:${nodes[2]!.remotePort}`;
      const short3 = `${nodes[2]!.host}:${nodes[2]!.remotePort}`;
      // SIGSTOP: node 3 stops answering heartbeats without leaving, as in a network partition.
      procs[2]!.signal('SIGSTOP');
      const seenBy = (observer: number) =>
        `document.querySelector('#reachability td.cell.bad[data-subject="${frozen}"][data-observer="pekko://shop@${nodes[observer]!.host}:${nodes[observer]!.remotePort}"]') !== null`;
      await waitInPage(page, 'node 1 and node 2 see node 3 as unreachable in the matrix', `${seenBy(0)} && ${seenBy(1)}`);
      assert.equal(await page.locator(`#members tr[data-member="${frozen}"] .t-unreachable`).count(), 1);
      await screenshot(page, 'dashboard-split.png');
      // The leader's resolver (node 1 has the lowest address) downs the unreachable side.
      await waitInPage(page, 'the SBR decision', `document.querySelector('#sbr .decisions') !== null`);
      assert.match(await page.innerText('#sbr .decisions'), new RegExp(`DownUnreachable\\s+${short3.replace(/\./g, '\\.')}`));
      await waitInPage(page, 'node 3 removed', `${rowCount} === 2`);
      await waitInPage(page, 'unreachable, then removed, in the event log', `${logText}.includes(${JSON.stringify(`${short3} is unreachable`)}) && ${logText}.includes(${JSON.stringify(`${short3} was removed`)})`);
      await waitInPage(page, 'the matrix healed', `document.getElementById('reachability').innerText.includes('Every member sees every other member as reachable')`);
    } finally {
      await context.close();
    }
  });

  it('with basic auth on, the page and its data need the credentials', async () => {
    const [node] = await allocateNodes(1);
    const dir = tempDir();
    dirs.push(dir);
    const passwordFile = path.join(dir.dir, 'password');
    writeFileSync(passwordFile, 'let-me-in\n');
    const conf = dir.write(
      'application.conf',
      clusterConf({
        endpoints: [node!],
        extra: `muster.management.dashboard.enabled = on
muster.management.basic-auth { username = "ops", password-file = "${passwordFile}" }
pekko.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr = 1`,
      }),
    );
    const p = group.spawn({ node: node!, configFile: conf });
    await p.waitForLog('management bound', (l) => l.marker === 'pekkoManagementBound');
    const b = await openBrowser();
    const anonymous = await b.newContext();
    const wrong = await b.newContext({ httpCredentials: { username: 'ops', password: 'guess' } });
    const right = await b.newContext({ httpCredentials: { username: 'ops', password: 'let-me-in' } });
    try {
      // Refused either way: Chromium shows the 401, or (when the challenge is answered and
      // refused again) reports the navigation as failed.
      for (const ctx of [anonymous, wrong]) {
        const page = await ctx.newPage();
        const outcome = await page.goto(p.url('/dashboard')).then(
          (r) => r?.status(),
          (e: Error) => /ERR_INVALID_AUTH_CREDENTIALS/.exec(e.message)?.[0] ?? e.message,
        );
        assert.ok(outcome === 401 || outcome === 'ERR_INVALID_AUTH_CREDENTIALS', `refused, got ${outcome}`);
        assert.equal(await page.locator('#members').count(), 0, 'no page without the right credentials');
      }
      const ok = await right.newPage();
      assert.equal((await ok.goto(p.url('/dashboard')))?.status(), 200);
      // The page's own requests (state, assets, the event stream) carry the credentials too.
      await waitInPage(ok, 'the single member Up', `document.body.dataset.connection === 'live' && ${memberRows('Up')} === 1`);
    } finally {
      await Promise.all([anonymous.close(), wrong.close(), right.close()]);
    }
  });
});
