#!/usr/bin/env node
// The CLI behind `node dist/main.js`. Commands live in src/cli/; this file only dispatches.
// The exit code is set rather than forced, so a running node keeps the process alive.
import { statSync } from 'node:fs';
import module from 'node:module';

// Node 22.1+ keeps compiled code between runs; older versions have no such function.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

/** The one-file build of the CLI (scripts/bundle-cli.mjs), unless missing or older than the tsc output. */
function bundled(): string | undefined {
  try {
    const bundle = new URL('./cli/dispatch.bundle.js', import.meta.url);
    return statSync(bundle).mtimeMs >= statSync(new URL('./cli/dispatch.js', import.meta.url)).mtimeMs ? bundle.href : undefined;
  } catch {
    return undefined;
  }
}

const { dispatch } = (await import(bundled() ?? './cli/dispatch.js')) as typeof import('./cli/dispatch.js');
process.exitCode = await dispatch(process.argv.slice(2));
