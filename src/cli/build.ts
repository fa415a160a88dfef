// `layerscope build [CONTEXT]` and `layerscope compare A B` on the command line. The work is in
// stages.ts and src/app/build.ts, loaded only when one of these commands runs (they bring
// dockerode and the Dockerfile parser, which the other commands do not need).
import type { Command } from 'commander';
import type { BuildOptions, CompareOptions } from '../app/build.js';
import type { ScreensLoader } from '../app/screens.js';
import { addBuildFlags } from './buildFlags.js';
import { addOutputOptions } from './options.js';
export { pullPrinter } from './progress.js';

/** Adds `build` and `compare` to the program; each action reports its exit code through setExit. */
export function addStageCommands(
  program: Command,
  setExit: (code: number) => void,
  addImageOptions: (cmd: Command) => Command,
  screens: ScreensLoader,
): void {
  const build = program
    .command('build')
    .description('build every stage of a Dockerfile (BuildKit), tag each, compare the final stage with the stages it copies from')
    .argument('[context]', 'build context directory', '.');
  addOutputOptions(build, 'build');
  addBuildFlags(build).action(async (context: string, options: BuildOptions) =>
    setExit(await (await import('./stages.js')).runBuild(context, options, screens)),
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
    .action(async (a: string, b: string, options: CompareOptions) =>
      setExit(await (await import('./stages.js')).runCompare(a, b, options, screens)),
    );
  addOutputOptions(compare, 'compare');
  addImageOptions(compare);
}
