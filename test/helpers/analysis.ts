// A whole Analysis from synthetic layers (pack → walk → analyse), for tests of what reads one.
import { analyse, type Analysis } from '../../src/core/analysis.js';
import { summariseLayers } from './core.js';
import type { TarSpec } from './tar.js';

/** `commands[i]` becomes layer i's command (default `layer i`); the ID is made from `ref`. */
export async function analysisOf(ref: string, layers: TarSpec[][], commands: string[] = []): Promise<Analysis> {
  const summaries = await summariseLayers(layers);
  const hex = Buffer.from(ref).toString('hex').padEnd(64, '0').slice(0, 64);
  return analyse({
    ref,
    id: `sha256:${hex}`,
    config: { os: 'linux', architecture: 'amd64', history: [] },
    layers: summaries.map((s, index) => ({ index, diffId: s.diffId, command: commands[index] ?? `layer ${index}` })),
    summaries,
    warnings: [],
  });
}
