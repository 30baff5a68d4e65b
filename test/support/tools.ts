// System programs some tests need (dnsmasq, openssl, a JDK). A test whose program is missing
// skips with a reason naming it and the Debian package that provides it, instead of failing.
//   test('...', { skip: missingCommand('dnsmasq') }, ...)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const PROGRAMS: Record<string, { readonly args: readonly string[]; readonly pkg: string }> = {
  dnsmasq: { args: ['--version'], pkg: 'dnsmasq-base' },
  openssl: { args: ['version'], pkg: 'openssl' },
  java: { args: ['-version'], pkg: 'a JDK, e.g. default-jdk-headless' },
  javac: { args: ['-version'], pkg: 'a JDK, e.g. default-jdk-headless' },
  keytool: { args: ['-help'], pkg: 'a JDK, e.g. default-jdk-headless' },
};

const cache = new Map<string, string | undefined>();

/** A skip reason when `name` cannot be run from PATH, else undefined. */
export function missingCommand(name: keyof typeof PROGRAMS & string): string | undefined {
  if (!cache.has(name)) {
    const p = PROGRAMS[name]!;
    let reason: string | undefined;
    try {
      execFileSync(name, [...p.args], { stdio: 'ignore', timeout: 30_000 });
    } catch {
      reason = `needs \`${name}\` on PATH (Debian: ${p.pkg})`;
    }
    cache.set(name, reason);
  }
  return cache.get(name);
}

/** The first skip reason of several requirements, or undefined when all are met. */
export function firstMissing(...reasons: (string | undefined)[]): string | undefined {
  return reasons.find((r) => r !== undefined);
}

/** A skip reason when this host has no IPv6 loopback address (::1), e.g. a container without IPv6. */
export function missingIpv6Loopback(): string | undefined {
  try {
    const text = readFileSync('/proc/net/if_inet6', 'utf8');
    if (/^0{31}1\s/m.test(text)) return undefined;
  } catch {
    // no IPv6 in this kernel, or not Linux
  }
  return 'needs the IPv6 loopback address ::1';
}
