// Third-party test inputs that the project does not carry: Pekko's and Pekko Management's
// reference and example files, Lightbend Config's HOCON test data and the Lightbend Config
// oracle. They live in ../shared next to the checkout (CI has it; a fresh clone does not).
// Tests that need them ask `missingShared(...)` and skip with its reason when it is not
// undefined, so a clone passes or skips, never fails, by where it sits.
//
//   const skip = missingShared('fixtures/pekko');
//   test('...', { skip }, () => { ... sharedPath('fixtures/pekko/cluster-reference.conf') ... });
//
// MUSTER_SHARED_DIR points elsewhere than ../shared.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The folder of third-party inputs: $MUSTER_SHARED_DIR, else ../shared beside the checkout. */
export const sharedRoot = path.resolve(repoRoot, process.env.MUSTER_SHARED_DIR ?? '../shared');

/** Absolute path of a file or folder under the shared root. */
export function sharedPath(rel: string): string {
  return path.join(sharedRoot, rel);
}

/** A skip reason naming the first missing path, or undefined when every one exists. */
export function missingShared(...rels: string[]): string | undefined {
  const missing = rels.map(sharedPath).find((p) => !existsSync(p));
  return missing && `needs third-party test input ${missing} (not part of the project; set MUSTER_SHARED_DIR or check out ../shared)`;
}

/** Pekko's and Pekko Management's files (reference.conf of each module, example application.conf). */
export const PEKKO_FIXTURES = 'fixtures/pekko';
/** Lightbend Config's own HOCON test files. */
export const LIGHTBEND_FIXTURES = 'fixtures/hocon-lightbend';
/** Lightbend Config run as a differential-test oracle (needs a JDK). */
export const HOCON_ORACLE = 'tools/hocon-oracle/run';
