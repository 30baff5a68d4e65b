#!/usr/bin/env node
// The CLI behind `node dist/main.js`. Commands live in src/cli/; this file only dispatches.
console.error('muster: CLI not wired yet');
process.exit(2);
