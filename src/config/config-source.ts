// Which application config file a load uses, chosen as Lightbend Config's default load does on
// the JVM: -Dconfig.resource, -Dconfig.file or -Dconfig.url (at most one of them; --config
// counts as config.file), else application.conf. A Node process has no classpath, so resources
// are looked up in the resource directories: $MUSTER_RESOURCE_PATH (a path list) when set,
// otherwise the working directory, ./resources and ./src/main/resources (sbt/Maven layout).
// -D options in $JAVA_OPTS apply like command-line ones (before them), since manifests written
// for Pekko pass `-Dconfig.resource=kubernetes.conf` that way.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './types.js';

export const RESOURCE_PATH_ENV = 'MUSTER_RESOURCE_PATH';
export const JAVA_OPTS_ENV = 'JAVA_OPTS';

/** Directories searched for `-Dconfig.resource` and `include classpath(...)`, in order. */
export function resourceDirs(cwd: string, env: NodeJS.ProcessEnv): string[] {
  const fromEnv = env[RESOURCE_PATH_ENV]?.split(path.delimiter).filter((d) => d.trim() !== '');
  if (fromEnv && fromEnv.length > 0) return fromEnv.map((d) => path.resolve(cwd, d));
  return [cwd, path.join(cwd, 'resources'), path.join(cwd, 'src', 'main', 'resources')];
}

/** The first regular file named `name` in `dirs`, or undefined. */
export function findResource(name: string, dirs: readonly string[]): string | undefined {
  const rel = name.replace(/^\/+/, '');
  if (rel === '' || rel.split(/[\\/]/).includes('..')) return undefined;
  for (const dir of dirs) {
    const file = path.join(dir, rel);
    if (isFile(file)) return file;
  }
  return undefined;
}

/** The `-Dname=value` words of $JAVA_OPTS; other JVM options (-Xmx, -XX:...) are not ours. */
export function javaOptsOverrides(env: NodeJS.ProcessEnv): string[] {
  const text = env[JAVA_OPTS_ENV];
  if (!text) return [];
  return text
    .split(/\s+/)
    .filter((w) => /^-D[^=]+=/.test(w))
    .map((w) => w.replace(/^(-D[^=]+=)(["'])(.*)\2$/, '$1$3'));
}

export interface SourceChoice {
  /** --config FILE */
  readonly configFile: string | undefined;
  /** Last value of each of config.file / config.resource / config.url among the overrides. */
  readonly props: { readonly file?: string; readonly resource?: string; readonly url?: string };
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Inline application text was given (then ./application.conf is not read). */
  readonly hasText: boolean;
}

/** The application file, or undefined for none. A named file or resource must exist. */
export function chooseApplicationFile(c: SourceChoice): string | undefined {
  const sameAsConfig = (v: string) => c.configFile !== undefined && path.resolve(c.cwd, v) === path.resolve(c.cwd, c.configFile);
  const named: Array<[string, string]> = [];
  if (c.configFile !== undefined) named.push(['--config', c.configFile]);
  // --config and -Dconfig.file naming the same file is not a conflict.
  if (c.props.file !== undefined && !sameAsConfig(c.props.file)) named.push(['config.file', c.props.file]);
  if (c.props.resource !== undefined) named.push(['config.resource', c.props.resource]);
  if (c.props.url !== undefined) named.push(['config.url', c.props.url]);
  if (named.length > 1) {
    throw new ConfigError(
      `more than one application config named (${named.map(([k, v]) => `${k}=${v}`).join(', ')}): use only one of --config, -Dconfig.file, -Dconfig.resource, -Dconfig.url`,
    );
  }
  const only = named[0];
  if (!only) {
    const implicit = path.join(c.cwd, 'application.conf');
    return !c.hasText && existsSync(implicit) ? implicit : undefined;
  }
  const [kind, value] = only;
  if (kind === 'config.resource') {
    const dirs = resourceDirs(c.cwd, c.env);
    const file = findResource(value, dirs);
    if (!file) {
      throw new ConfigError(
        `-Dconfig.resource=${value}: no such resource in the resource directories (${dirs.join(', ')}); ` +
          `set ${RESOURCE_PATH_ENV} to the directories holding your .conf files`,
        'config.resource',
      );
    }
    return file;
  }
  if (kind === 'config.url') {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new ConfigError(`-Dconfig.url=${value} is not a URL`, 'config.url');
    }
    if (url.protocol !== 'file:') {
      throw new ConfigError(
        `-Dconfig.url=${value}: only file: URLs are read (fetching configuration over the network at start-up is not supported); use -Dconfig.file`,
        'config.url',
      );
    }
    const file = fileURLToPath(url);
    if (!isFile(file)) throw new ConfigError(`config file ${file} (from -Dconfig.url) was not found`, 'config.url');
    return file;
  }
  const file = path.resolve(c.cwd, value);
  if (!isFile(file)) throw new ConfigError(`config file ${file} was not found`);
  return file;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
