// `layerscope build [CONTEXT]` and `layerscope compare A B` on the command line. The work is in
// buildRun.ts, loaded only when one of these commands runs (it brings dockerode and the
// Dockerfile parser, which the other commands do not need).
import type { Command } from 'commander';
import type { BuildOptions, CompareCliOptions } from './buildRun.js';
import { addBuildFlags } from './buildFlags.js';
export { pullPrinter } from './progress.js';

/** Adds `build` and `compare` to the program; each action reports its exit code through setExit. */
export function addStageCommands(program: Command, setExit: (code: number) => void, addImageOptions: (cmd: Command) => Command): void {
  const build = program
    .command('build')
    .description('build every stage of a Dockerfile (BuildKit), tag each, compare the final stage with the stages it copies from')
    .argument('[context]', 'build context directory', '.')
    .option('--json [file]', 'per-stage reports, the comparison and the advice as JSON, to FILE or stdout')
    .option('--text', 'print the text summary (the default when stdout is not a terminal)');
  addBuildFlags(build).action(async (context: string, options: BuildOptions) =>
    setExit(await (await import('./buildRun.js')).runBuild(context, options)),
  );

  const compare = program
    .command('compare')
    .description('compare two images side by side (A = builder, B = final): sizes, shared base, what only one has, what crossed')
    .argument('<a>', 'image A (the builder), as for the main command')
    .argument('<b>', 'image B (the final image)')
    .option('-f, --file <Dockerfile>', 'the Dockerfile that built them: COPY --from lines trace the copied files')
    .option(
      '--stages <A,B>',
      'with -f: the stages (names or indexes) A and B are (default: B = the last stage, A = the first stage it copies from)',
    )
    .option('--json [file]', 'the comparison as JSON, to FILE or stdout')
    .option('--text', 'print the text comparison (the default when stdout is not a terminal)')
    .action(async (a: string, b: string, options: CompareCliOptions) =>
      setExit(await (await import('./buildRun.js')).runCompare(a, b, options)),
    );
  addImageOptions(compare);
}
