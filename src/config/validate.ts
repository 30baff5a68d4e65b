// Type checks of the keys Muster reads, run once after loading so that a wrong value fails at
// start-up (before any port is bound) with key, value, expected type and origin. Each layer lists
// its own keys (<layer>/config-keys.ts) and the caller passes the tables; the layers' settings
// readers do the finer, key-specific checks. This table catches type mistakes early and lets
// `check-config` report them without starting anything.
import { ConfigError, type Config } from './types.js';

export type KeyKind = 'duration' | 'duration-or-off' | 'int' | 'port' | 'boolean' | 'number' | 'string' | 'string-list' | 'object';
export type KeyTable = ReadonlyArray<readonly [string, KeyKind]>;

/** The keys of configuration loading and logging themselves. */
export const CONFIG_KEYS: KeyTable = [
  ['muster.hocon.allow-url-includes', 'boolean'],
  ['muster.log.format', 'string'],
  ['muster.accept-akka-namespace', 'boolean'],
  ['muster.strict-config', 'boolean'],
];

function check(config: Config, path: string, kind: KeyKind): void {
  switch (kind) {
    case 'duration': config.getDurationMs(path); return;
    case 'duration-or-off': config.getOptionalDurationMs(path); return;
    case 'int': config.getInt(path); return;
    case 'number': config.getNumber(path); return;
    case 'boolean': config.getBoolean(path); return;
    case 'string': config.getString(path); return;
    case 'string-list': config.getStringList(path); return;
    case 'object': config.getObject(path); return;
    case 'port': {
      const port = config.getInt(path);
      if (port < 0 || port > 65535) {
        throw new ConfigError(
          `${path}: expected a port number 0..65535, got ${port} (set at ${config.describeOrigin(path)})`,
          path,
          config.origin(path),
        );
      }
    }
  }
}

/**
 * Check the type of every key Muster reads. A key that is absent is skipped (the layer's reader
 * decides whether it is required); a present key of the wrong type throws a ConfigError.
 */
export function validateConfig(config: Config, tables: readonly KeyTable[]): void {
  for (const table of tables) {
    for (const [path, kind] of table) {
      if (!config.has(path)) continue;
      check(config, path, kind);
    }
  }
}
