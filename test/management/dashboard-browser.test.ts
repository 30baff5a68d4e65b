// The dashboard in a real headless Chromium against an in-process management server over HTTPS,
// under a base path, with a FakeCluster whose events the test emits: the page's relative URLs
// resolve under the base path (page, scripts, state, event stream), and each event redraws the
// page in place. Skips when no Chromium is installed.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../support/browser.js';
import { createTestCa } from '../support/certs.js';
import { FakeCluster, member } from '../support/fake-cluster.js';
import { start } from './_support.js';

let browser: Browser | undefined;
after(async () => {
  await browser?.close();
});

async function waitInPage(page: Page, what: string, expression: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`waiting for ${what}\n${String(await page.evaluate('document.body.innerText'))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('dashboard page over HTTPS under a base path', { skip: chromiumMissing() }, () => {
  it('loads everything relative to the base path and redraws on each event', async () => {
    const ca = createTestCa();
    const cert = ca.issue('node', { ips: ['127.0.0.1'] });
    const a = member('127.0.0.1', 17355, 1n, 'Up', { upNumber: 1 });
    const b = member('127.0.0.2', 17355, 2n, 'Up', { upNumber: 2 });
    const cluster = new FakeCluster(a.uniqueAddress);
    cluster.setState({ self: a, members: [a, b], leader: a.uniqueAddress.address });
    const srv = await start(
      {
        dashboard: { enabled: true },
        http: { basePath: 'ops/mgmt' },
        security: {
          https: { enabled: true, certFile: cert.certFile, keyFile: cert.keyFile, caFile: ca.caCertFile },
          basicAuth: { username: '', passwordFile: '' },
        },
      },
      { cluster },
    );
    browser ??= await launchChromium();
    // The test CA is not in Chromium's trust store; what is under test is the page, not the PKI.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      assert.match(srv.url, /^https:\/\/127\.0\.0\.1:\d+\/ops\/mgmt$/);
      const page = await context.newPage();
      const requested: string[] = [];
      page.on('request', (r) => requested.push(new URL(r.url()).pathname));
      assert.equal((await page.goto(`${srv.url}/dashboard`))?.status(), 200);
      await waitInPage(page, 'two Up members', `document.querySelectorAll('#members tr[data-status="Up"]').length === 2`);
      assert.equal(await page.getAttribute('body', 'data-connection'), 'live');
      for (const p of ['/ops/mgmt/dashboard', '/ops/mgmt/dashboard/app.js', '/ops/mgmt/dashboard/render.js', '/ops/mgmt/dashboard/state']) {
        assert.ok(requested.includes(p), `${p} requested (${requested.join(', ')})`);
      }
      // The page follows the event stream under the base path (the metrics observer is the other subscriber).
      const deadline = Date.now() + 30_000;
      while (cluster.subscriberCount < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(cluster.subscriberCount, 2, 'the page subscribed to /ops/mgmt/cluster/domain-events');
      assert.ok(requested.includes('/ops/mgmt/cluster/domain-events'));
      // Each event is logged as it comes and the page redraws from the new state, without a reload.
      await page.evaluate('window.__notReloaded = true');
      const c = member('127.0.0.3', 17355, 3n, 'Joining');
      cluster.setState({ members: [a, b, c] });
      cluster.emit({ type: 'MemberJoined', member: c });
      await waitInPage(page, 'the joining member', `document.querySelector('#members tr[data-status="Joining"]') !== null`);
      await waitInPage(page, 'the log entry', `document.getElementById('events').innerText.includes('127.0.0.3:17355 joined')`);
      cluster.setState({ members: [a, b], unreachable: [] });
      cluster.emit({ type: 'MemberRemoved', member: { ...c, status: 'Removed' }, previousStatus: 'Joining' });
      await waitInPage(page, 'the removal', `document.querySelectorAll('#members tr[data-member]').length === 2`);
      assert.match(await page.innerText('#events'), /127\.0\.0\.3:17355 was removed \(was Joining\)/);
      assert.equal(await page.evaluate('window.__notReloaded'), true);
    } finally {
      await context.close();
      await srv.close();
      ca.dispose();
    }
  });
});
