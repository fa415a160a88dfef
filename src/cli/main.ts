// Command-line entry: parse arguments, then hand the work to the application layer (src/app):
// open the image, write the reports asked for (the output table) or open a screen. Every
// failure a user can cause ends here as one line on stderr and exit 2; a bug as exit 70.
import { Command, CommanderError, Option } from 'commander';
import { EXIT } from '../app/exitCodes.js';
import { reportFailure } from '../app/failure.js';
import { loadAnalysis, type ImageOptions } from '../app/open.js';
import { OutputRun, prepareOutputs, wantsScreen, writeOutputs } from '../app/outputs.js';
import type { ScreensLoader } from '../app/screens.js';
import { printWarnings, writeLines } from '../app/write.js';
import { InputError, oneLine } from '../core/errors.js';
import { escapeForTerminal, normaliseName } from '../core/paths.js';
import { DEFAULT_LIMITS } from '../core/walk.js';
import { jsonText, lsRows } from '../report/json.js';
import { SharedLayers } from '../app/sharedLayers.js';
import { addStageCommands, pullPrinter } from './build.js';
import { addContentCommands } from './content.js';
import { addOutputOptions } from './options.js';
import { addConfigCommand, addConfigOptions, loadConfigFirst } from './config.js';
import { VERSION } from './version.js';

type MainOptions = ImageOptions & Record<string, unknown>;

function addImageOptions(cmd: Command): Command {
  return cmd
    .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform image (default: this machine)')
    .addOption(new Option('--source <source>', 'where IMAGE comes from').choices(['docker', 'podman', 'docker-archive', 'oci', 'registry']))
    .option('--insecure-registry', 'allow plain HTTP to the registry (always allowed for localhost)')
    .option('--context <name>', 'Docker context to reach the engine through, as docker --context (default: as the docker CLI chooses)')
    .option('--no-cache', 'do not read or write the layer summary cache (~/.cache/layerscope)')
    .option('--max-files <n>', `refuse a layer with more than N entries (default ${DEFAULT_LIMITS.maxEntries})`)
    .option('--max-bytes <size>', 'refuse a layer that unpacks to more than SIZE, e.g. 500GB or 2TiB (default 1TiB)')
    .option(
      '--secrets-max-bytes <size>',
      'scan the content of files up to SIZE for secrets, larger ones by name only (default 1MiB; 0: names only)',
    );
}

function buildProgram(setExit: (code: number) => void, screens: ScreensLoader): Command {
  const program = new Command('layerscope')
    .description('Explore a container image layer by layer: merged filesystem, who added what, and the bytes hidden in its layers.')
    .argument(
      '[images...]',
      'engine reference, docker-save tar, OCI layout (dir or tar), or SOURCE://REF; default: the bundled example. Several: one report each (--json: an array), layers they share read once',
    )
    .version(VERSION, '-V, --version', 'print the version')
    .showHelpAfterError(false)
    // `ls IMAGE --json` must reach the subcommand, not the main command's --json [file].
    .enablePositionalOptions()
    .action(async (images: string[], options: MainOptions) =>
      setExit(images.length > 1 ? await runMany(images, options) : await runMain(images[0], options, screens)),
    );
  addOutputOptions(program, 'image');
  addImageOptions(program);
  addConfigOptions(program);
  loadConfigFirst(program);

  const ls = program
    .command('ls')
    .description('list every path of the merged filesystem (one JSON object a line with --json)')
    .argument('<image>', 'the image, as for the main command')
    .argument('[path]', 'only this path and what is below it')
    .option('--json', 'one JSON object a line: {"path","type","size","layer"}')
    .action(async (image: string, path: string | undefined, options: ImageOptions & { json?: boolean }) =>
      setExit(await runLs(image, path, options)),
    );
  addImageOptions(ls);
  // dive users type `dive version`.
  program
    .command('version')
    .description('print the version')
    .action(() => {
      process.stdout.write(`${VERSION}\n`);
    });
  addConfigCommand(program, setExit);
  addStageCommands(program, setExit, addImageOptions, screens);
  addContentCommands(program, setExit, addImageOptions);
  return program;
}

async function runMain(image: string | undefined, options: MainOptions, screens: ScreensLoader): Promise<number> {
  if (wantsScreen('image', options)) return (await screens()).browse(image, options);
  // Prepared before the image is read, so a bad rules file fails fast.
  const outputs = prepareOutputs('image', options);
  const analysis = await loadAnalysis(image, options, { onPull: pullPrinter() });
  printWarnings(analysis.warnings);
  return writeOutputs({ kind: 'image', analysis }, options, outputs);
}

/** Several images in one run: a report each, in the order given (`--json`: one array of them);
 *  a layer two images share is read once (sharedLayers). The exit code is the worst one. */
async function runMany(images: string[], options: MainOptions): Promise<number> {
  if (wantsScreen('image', options)) {
    throw new InputError('the browser opens one image at a time: add --json or --text to report on several, or use compare A B');
  }
  const run = new OutputRun(options, prepareOutputs('image', options));
  const shared = new SharedLayers();
  for (const image of images) {
    const analysis = await loadAnalysis(image, options, { onPull: pullPrinter(), shared: (disk) => shared.behind(disk) });
    printWarnings(analysis.warnings);
    await run.add({ kind: 'image', analysis });
  }
  return run.finish();
}

async function runLs(image: string, path: string | undefined, options: ImageOptions & { json?: boolean }): Promise<number> {
  const analysis = await loadAnalysis(image, options, { onPull: pullPrinter() });
  printWarnings(analysis.warnings);
  let under = '';
  if (path !== undefined) {
    const normalised = normaliseName(path);
    const id = normalised.ok ? analysis.tree.idOf(normalised.path) : undefined;
    if (!normalised.ok || id === undefined || !analysis.tree.stateAt(id)) throw new InputError(`no such path in the image: ${path}`);
    under = normalised.path;
  }
  const rows = lsRows(analysis.tree, under);
  await writeLines(
    (function* () {
      for (const row of rows) {
        yield options.json
          ? jsonText(row)
          : `${row.type.padEnd(8)} ${String(row.size).padStart(12)}  L${String(row.layer).padEnd(3)} ${escapeForTerminal(row.path)}`;
      }
    })(),
  );
  return EXIT.ok;
}

/** Runs the CLI; resolves to the process exit code. Never throws. `screens`: the terminal
 *  screens (src/main.ts gives src/ui's), loaded when a command opens one. The process
 *  handlers are src/main.ts's. */
export async function main(argv: string[], screens: ScreensLoader): Promise<number> {
  return run(argv, screens);
}

async function run(argv: string[], screens: ScreensLoader): Promise<number> {
  let exitCode: number = EXIT.ok;
  try {
    const program = buildProgram((code) => {
      exitCode = code;
    }, screens);
    program.exitOverride();
    program.configureOutput({ writeErr: () => undefined, outputError: () => undefined });
    for (const sub of program.commands) {
      sub.exitOverride();
      sub.configureOutput({ writeErr: () => undefined, outputError: () => undefined });
    }
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      process.stderr.write(`layerscope: ${oneLine(err.message.replace(/^error: /, ''))} (see layerscope --help)\n`);
      return EXIT.badInput;
    }
    return reportFailure(err);
  }
}
