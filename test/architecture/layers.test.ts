// The layering of src/ (docs/architecture.md), checked over the real import graph: a module may
// import its own layer or a lower one, never a higher one and never a peer of the same rank.
// Type-only imports count too: they couple the layers just as much.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

interface Layer {
  readonly name: string;
  readonly rank: number;
  /** Paths relative to src/: a file (`runtime.ts`) or a folder (`cluster/`). */
  readonly members: readonly string[];
}

/**
 * Lowest first. Discovery and cluster are peers: neither may import the other (bootstrap joins
 * them). Management serves HTTP over the cluster; bootstrap registers its routes on it and so sits
 * above it. The runtime wires everything; the CLI and the package entry points sit on top.
 */
const LAYERS: readonly Layer[] = [
  { name: 'base', rank: 0, members: ['address.ts', 'clock.ts', 'json.ts', 'logging.ts', 'metrics.ts', 'config/'] },
  { name: 'discovery', rank: 1, members: ['discovery/'] },
  { name: 'cluster', rank: 1, members: ['cluster/'] },
  { name: 'management', rank: 2, members: ['management/'] },
  { name: 'rollingupdate', rank: 2, members: ['rollingupdate/'] },
  { name: 'bootstrap', rank: 3, members: ['bootstrap/'] },
  { name: 'runtime', rank: 4, members: ['runtime.ts', 'runtime-metrics.ts', 'preflight.ts', 'checked-keys.ts'] },
  { name: 'cli', rank: 5, members: ['cli/'] },
  { name: 'entry', rank: 6, members: ['main.ts', 'index.ts'] },
];

function layerOf(file: string, layers: readonly Layer[]): Layer | undefined {
  return layers.find((l) => l.members.some((m) => (m.endsWith('/') ? file.startsWith(m) : file === m)));
}

/** Relative import specifiers of one module (static, `export ... from`, dynamic, type-only). */
function relativeImports(source: string): string[] {
  return ts
    .preProcessFile(source, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((s) => s.startsWith('./') || s.startsWith('../'));
}

/**
 * Every broken rule in a set of modules (paths relative to src/, POSIX separators), one line each
 * naming the importing file, the import as written and the rule.
 */
function layerViolations(sources: ReadonlyMap<string, string>, layers: readonly Layer[] = LAYERS): string[] {
  const out: string[] = [];
  for (const [file, source] of sources) {
    const from = layerOf(file, layers);
    if (!from) {
      out.push(`src/${file}: belongs to no layer (add it to LAYERS in test/architecture/layers.test.ts)`);
      continue;
    }
    for (const spec of relativeImports(source)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, '.ts');
      if (target.startsWith('../')) continue; // outside src/ (package.json and the like)
      const to = layerOf(target, layers);
      if (!to || to === from) continue; // an unlisted target is reported as its own file
      if (to.rank > from.rank) {
        out.push(`src/${file} imports '${spec}': ${from.name} (rank ${from.rank}) must not import the higher layer ${to.name} (rank ${to.rank})`);
      } else if (to.rank === from.rank) {
        out.push(`src/${file} imports '${spec}': ${from.name} and ${to.name} are peers (rank ${from.rank}) and must not import each other`);
      }
    }
  }
  return out;
}

function readSources(dir: string): Map<string, string> {
  const sources = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (/\.[cm]?ts$/.test(entry.name) && !entry.name.endsWith('.d.ts')) sources.set(child, readFileSync(path.join(dir, child), 'utf8'));
    }
  };
  walk('');
  return sources;
}

const srcDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../src');

test('no module in src/ imports a higher layer or a peer', () => {
  const sources = readSources(srcDir);
  // The scan must see the graph it guards: the runtime reaches every layer below it.
  assert.ok(sources.has('runtime.ts') && relativeImports(sources.get('runtime.ts')!).some((s) => s.startsWith('./cluster/')));
  assert.deepEqual(layerViolations(sources), []);
});

test('the check names the file, the import and the rule it breaks', () => {
  const sources = new Map([
    ['config/load.ts', "import { x } from '../cluster/settings.js';"],
    ['cluster/node.ts', "import type { Lookup } from '../discovery/types.js';\nimport { a } from './member.js';"],
    ['discovery/registry.ts', "export * from '../address.js';\nconst m = await import('../bootstrap/start.js');"],
    ['bootstrap/routes.ts', "import { h } from '../management/http.js';"],
    ['stray.ts', ''],
  ]);
  assert.deepEqual(layerViolations(sources), [
    "src/config/load.ts imports '../cluster/settings.js': base (rank 0) must not import the higher layer cluster (rank 1)",
    "src/cluster/node.ts imports '../discovery/types.js': cluster and discovery are peers (rank 1) and must not import each other",
    "src/discovery/registry.ts imports '../bootstrap/start.js': discovery (rank 1) must not import the higher layer bootstrap (rank 3)",
    'src/stray.ts: belongs to no layer (add it to LAYERS in test/architecture/layers.test.ts)',
  ]);
});
