// A real headless Chromium for the dashboard tests, driven over CDP by playwright-core (which
// downloads no browser of its own). The OS package is used: `apt-get install chromium` on Debian
// (.ci/run does this), or MUSTER_CHROMIUM=/path/to/chrome. Tests skip with `chromiumMissing()`.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

export function chromiumPath(): string | undefined {
  const configured = process.env.MUSTER_CHROMIUM;
  if (configured) return existsSync(configured) ? configured : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

/** The skip reason when no browser is installed, else false. */
export function chromiumMissing(): string | false {
  if (chromiumPath()) return false;
  return process.env.MUSTER_CHROMIUM
    ? `MUSTER_CHROMIUM=${process.env.MUSTER_CHROMIUM} does not exist`
    : `no Chromium found (${CANDIDATES.join(', ')}); install it with \`apt-get install chromium\` or set MUSTER_CHROMIUM`;
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error(String(chromiumMissing()));
  // --no-sandbox: CI runs the tests as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}
