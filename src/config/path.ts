// HOCON path expressions: `a.b."c.d".e` -> ['a', 'b', 'c.d', 'e'].
import { ConfigError } from './types.js';

export function parsePath(path: string): string[] {
  const out: string[] = [];
  let i = 0;
  let cur = '';
  let quotedSegment = false;
  while (i < path.length) {
    const ch = path[i]!;
    if (ch === '"') {
      const end = findQuoteEnd(path, i);
      if (end < 0) throw new ConfigError(`invalid path '${path}': unclosed quote`, path);
      cur += JSON.parse(path.slice(i, end + 1)) as string;
      quotedSegment = true;
      i = end + 1;
    } else if (ch === '.') {
      if (cur === '' && !quotedSegment) throw new ConfigError(`invalid path '${path}': empty segment`, path);
      out.push(cur);
      cur = '';
      quotedSegment = false;
      i++;
    } else {
      cur += ch;
      i++;
    }
  }
  if (cur === '' && !quotedSegment) throw new ConfigError(`invalid path '${path}': empty segment`, path);
  out.push(cur);
  return out;
}

function findQuoteEnd(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i;
  }
  return -1;
}

const PLAIN_SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Render segments back to a path expression, quoting where needed. */
export function renderPath(segments: readonly string[]): string {
  return segments.map((s) => (PLAIN_SEGMENT.test(s) ? s : JSON.stringify(s))).join('.');
}
