// node dist/scripts/bench/gen-cli.js SCENARIO [ROOT]
import { generate, SCENARIOS } from './generate.js';
const scenario = SCENARIOS[process.argv[2] ?? 'small'];
if (!scenario) throw new Error('unknown scenario');
const out = await generate(scenario, process.argv[3] ?? 'bench/data');
console.log(JSON.stringify(out, null, 1));
