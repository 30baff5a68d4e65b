// The parts of /etc/resolv.conf the resolver needs: nameservers, search list and ndots.
import { readFileSync } from 'node:fs';
import { parseNameserver, type NameserverAddress } from '../settings.js';

export interface ResolvConf {
  readonly nameservers: readonly NameserverAddress[];
  readonly search: readonly string[];
  readonly ndots: number | undefined;
}

/** Parses resolv.conf text; like glibc, the last `search` or `domain` line sets the search list. */
export function parseResolvConf(text: string): ResolvConf {
  const nameservers: NameserverAddress[] = [];
  let search: string[] = [];
  let ndots: number | undefined;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/[#;].*$/, '').trim();
    if (line === '') continue;
    const [keyword, ...args] = line.split(/\s+/);
    if (keyword === 'nameserver' && args[0] !== undefined) {
      const ns = parseNameserver(args[0].replace(/%.*$/, ''));
      if (ns) nameservers.push({ host: ns.host, port: 53 });
    } else if (keyword === 'search' || keyword === 'domain') {
      search = args.map((d) => d.replace(/\.$/, '').toLowerCase()).filter((d) => d !== '');
    } else if (keyword === 'options') {
      for (const opt of args) {
        const m = /^ndots:(\d+)$/.exec(opt);
        if (m) ndots = Math.min(Number(m[1]), 15);
      }
    }
  }
  return { nameservers, search, ndots };
}

export function readResolvConf(path = '/etc/resolv.conf'): ResolvConf {
  try {
    return parseResolvConf(readFileSync(path, 'utf8'));
  } catch {
    return { nameservers: [], search: [], ndots: undefined };
  }
}
