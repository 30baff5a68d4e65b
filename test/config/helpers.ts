// Shared paths and small helpers for the config tests.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { HOCON_ORACLE, sharedPath } from '../support/shared-fixtures.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// Third-party inputs (Pekko's and Lightbend's files, the oracle) come from ../shared; see
// test/support/shared-fixtures.ts for how tests skip when it is absent.
export const fixtures = sharedPath('fixtures');
export const oracleRun = sharedPath(HOCON_ORACLE);

/** A temporary folder with the given files (relative path -> content); removed by cleanup(). */
export function tempTree(files: Record<string, string>): { dir: string; file: (rel: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'muster-config-'));
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
  return { dir, file: (rel) => path.join(dir, rel), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
