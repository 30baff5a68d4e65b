// `print-config [PATH] [--origins]`: the resolved tree (or the value at PATH) as JSON. With
// --origins the output maps each value's path to { value, origin }.
import { loadConfig } from '../config/load.js';
import { ConfigError, type Config } from '../config/types.js';
import { parsePath, renderPath } from '../config/path.js';
import { expectOnly, loadOptions, type ParsedArgs } from './args.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every non-object value under `segments`, with where it was set. Empty objects count as values. */
export function valuesWithOrigins(config: Config, segments: string[]): Record<string, { value: unknown; origin: string }> {
  const out: Record<string, { value: unknown; origin: string }> = {};
  const walk = (value: unknown, at: string[]): void => {
    if (isObject(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) walk(v, [...at, k]);
      return;
    }
    const p = renderPath(at);
    out[p] = { value, origin: config.describeOrigin(p) };
  };
  walk(segments.length ? config.getValue(renderPath(segments)) : config.toJSON(), segments);
  return out;
}

export async function printConfigCommand(args: ParsedArgs): Promise<number> {
  expectOnly(args, ['origins'], 1);
  const config = await loadConfig(loadOptions(args));
  const pathArg = args.positionals[0];
  const segments = pathArg !== undefined ? parsePath(pathArg) : [];
  if (pathArg !== undefined && config.getValue(pathArg) === undefined) {
    throw new ConfigError(`no value at ${pathArg}`, pathArg);
  }
  const output = args.options.has('origins')
    ? valuesWithOrigins(config, segments)
    : pathArg !== undefined
      ? config.getValue(pathArg)
      : config.toJSON();
  process.stdout.write(JSON.stringify(output, null, 2) + '\n');
  return 0;
}
