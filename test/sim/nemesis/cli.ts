// `npm run sim -- --scenario FILE.json`: runs one scenario and prints a JSON verdict on its last
// line; exit status 0 when the checker holds, 1 when it does not, 2 on a bad file or usage.
// `npm run sim -- --strategy keep-majority --seed 42` runs the nemesis schedule for that seed
// instead and, when it fails, prints a shrunk scenario file that replays the failure.
import { readFileSync } from 'node:fs';
import { STRATEGY_NAMES, type StrategyName } from '../../../src/cluster/sbr/strategy.js';
import { generateScenario } from './generate.js';
import { runScenario } from './run.js';
import { formatScenarioFile, parseScenario, ScenarioError } from './scenario.js';
import { shrink } from './shrink.js';

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: npm run sim -- --scenario FILE.json\n       npm run sim -- --strategy NAME --seed N [--shrink]\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<number> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const file = arg('--scenario');
  let scenario;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      usage(`cannot read ${file}: ${(e as Error).message}`);
    }
    try {
      scenario = parseScenario(JSON.parse(text));
    } catch (e) {
      if (e instanceof ScenarioError || e instanceof SyntaxError) usage(`${file}: ${e.message}`);
      throw e;
    }
  } else {
    const strategy = arg('--strategy') as StrategyName | undefined;
    const seed = Number(arg('--seed'));
    if (!strategy || !STRATEGY_NAMES.includes(strategy) || !Number.isInteger(seed)) usage('need --scenario, or --strategy and --seed');
    scenario = generateScenario(strategy, seed);
  }
  const verdict = await runScenario(scenario);
  if (verdict.violations.length > 0 && !file) {
    const small = await shrink(scenario);
    process.stdout.write(`Failing schedule, shrunk to ${small.steps.length} steps (save as a .json file and replay with --scenario):\n`);
    process.stdout.write(formatScenarioFile(small));
  }
  process.stdout.write(`${JSON.stringify(verdict)}\n`);
  return verdict.violations.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(2);
  },
);
