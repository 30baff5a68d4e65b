#!/usr/bin/env node
// The CLI behind `node dist/main.js`. Commands live in src/cli/; this file only dispatches.
// The exit code is set rather than forced, so a running node keeps the process alive.
import { dispatch } from './cli/dispatch.js';

process.exitCode = await dispatch(process.argv.slice(2));
