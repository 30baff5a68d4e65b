// Path of the stand-in pod process used by the harness tests (see standin/pod.mjs).
import { fileURLToPath } from 'node:url';

export const STANDIN_POD = fileURLToPath(new URL('./standin/pod.mjs', import.meta.url));
