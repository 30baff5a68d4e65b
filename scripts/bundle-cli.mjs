// Bundles the CLI (dist/cli/dispatch.js and everything it imports) into one file,
// dist/cli/dispatch.bundle.js, which dist/main.js loads when it is at least as new as the tsc
// output. Start-up of `node dist/main.js` is dominated by resolving, reading and compiling ~300
// modules; one file cuts that CPU by about 40 % (BENCHMARKS.md). The library (dist/index.js)
// stays the plain tsc output. Kept external: @kubernetes/client-node (large, loaded only when
// kubernetes-api discovery is used) and @pushcorn/hocon-parser (it requires its own files by
// computed paths, which a bundler cannot follow).
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli/dispatch.js'],
  outfile: 'dist/cli/dispatch.bundle.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['@kubernetes/client-node', '@pushcorn/hocon-parser'],
  // CommonJS dependencies call require(); an ES module has none, so give it one.
  banner: { js: "import { createRequire as __musterRequire } from 'node:module'; const require = __musterRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
