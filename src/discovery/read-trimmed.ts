// Reading a mounted file such as the service account's namespace or token: its text trimmed, or
// undefined when the file is empty or cannot be read.
import { readFileSync } from 'node:fs';

export function readTrimmed(path: string): string | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}
