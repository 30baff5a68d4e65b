// Shared paths and small helpers for the config tests.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixtures = path.resolve(repoRoot, '../shared/fixtures');
export const oracleRun = path.resolve(repoRoot, '../shared/tools/hocon-oracle/run');

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
