// Command-line entry: parse arguments, open the image, pick the output (TUI, text, JSON, CI).
// Every failure a user can cause ends here as one line on stderr and exit code 2.
import { Command, CommanderError, Option } from 'commander';
import { writeFile } from 'node:fs/promises';
import { InputError, oneLine } from '../core/errors.js';
import { escapeForTerminal, normaliseName } from '../core/paths.js';
import { DEFAULT_LIMITS } from '../core/walk.js';
import { loadAnalysis, type ImageOptions } from './load.js';
import { jsonReport, jsonText, lsRows } from '../report/json.js';
import { textReport } from '../report/text.js';
import { addCiOptions, type CiOptions, ciFormatOf, ciRulesOf, runCi, wantsCi } from './ci.js';
import { addConfigCommand, addConfigOptions, type ConfigOptions, configOf } from './config.js';
import { applyUiConfig } from '../config/apply.js';
import { ciBaseOf } from '../config/print.js';
import { printWarnings, writeLines, writeOut } from './output.js';
import { addStageCommands, pullPrinter } from './build.js';
import { addContentCommands } from './content.js';
import { VERSION } from './version.js';

export const EXIT_OK = 0;
export const EXIT_CI_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

interface MainOptions extends ImageOptions, CiOptions, ConfigOptions {
  json?: string | boolean;
  text?: boolean;
}

function addImageOptions(cmd: Command): Command {
  return cmd
    .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform image (default: this machine)')
    .addOption(new Option('--source <source>', 'where IMAGE comes from').choices(['docker', 'podman', 'docker-archive', 'oci', 'registry']))
    .option('--insecure-registry', 'allow plain HTTP to the registry (always allowed for localhost)')
    .option('--no-cache', 'do not read or write the layer summary cache (~/.cache/layerscope)')
    .option('--max-files <n>', `refuse a layer with more than N entries (default ${DEFAULT_LIMITS.maxEntries})`)
    .option('--max-bytes <size>', 'refuse a layer that unpacks to more than SIZE, e.g. 500GB or 2TiB (default 1TiB)');
}

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('layerscope')
    .description('Explore a container image layer by layer: merged filesystem, who added what, and the bytes hidden in its layers.')
    .argument('[image]', 'engine reference, docker-save tar, OCI layout (dir or tar), or SOURCE://REF; default: the bundled example')
    .option('--json [file]', 'write the JSON report to FILE, or stdout when FILE is omitted or -')
    .option('--text', 'print the text summary (the default when stdout is not a terminal)')
    .version(VERSION, '-V, --version', 'print the version')
    .showHelpAfterError(false)
    // `ls IMAGE --json` must reach the subcommand, not the main command's --json [file].
    .enablePositionalOptions()
    .action(async (image: string | undefined, options: MainOptions) => setExit(await runMain(image, options)));
  addImageOptions(program);
  addCiOptions(program);
  addConfigOptions(program);

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
  addStageCommands(program, setExit, addImageOptions);
  addContentCommands(program, setExit, addImageOptions);
  return program;
}

async function runMain(image: string | undefined, options: MainOptions): Promise<number> {
  // The configuration first: a bad file is one line and exit 2 before any image is opened.
  const config = configOf(options);
  const ci = wantsCi(options);
  const interactive = process.stdout.isTTY === true && !options.json && !options.text && !ci;
  if (interactive) {
    applyUiConfig(config);
    const { runBrowser } = await import('../ui/run.js');
    return runBrowser(image, options);
  }
  // Rules are read before the image so a bad rules file fails fast.
  const rules = ci ? ciRulesOf(options, ciBaseOf(config)) : undefined;
  const analysis = await loadAnalysis(image, options, { onPull: pullPrinter() });
  printWarnings(analysis.warnings);
  if (options.json) {
    const text = `${jsonText(jsonReport(analysis), 2)}\n`;
    if (options.json === true || options.json === '-') await writeOut(text);
    else await writeFile(options.json, text);
  }
  if (options.text || (!options.json && !ci)) await writeOut(textReport(analysis, { width: process.stdout.columns ?? 100 }));
  if (rules)
    return (await runCi(analysis, rules, ciFormatOf(options, process.env, config.ci.format), writeOut)) === 0 ? EXIT_OK : EXIT_CI_FAILED;
  return EXIT_OK;
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
  return EXIT_OK;
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** Ctrl-C (SIGINT), SIGTERM and SIGHUP end the run at once, with 128 + the signal's number as
 *  shells report it (130 for Ctrl-C), through process.exit so that the 'exit' hooks run: temp
 *  files are removed (sources/tempFiles.ts) and a screen restores the terminal (ui/run.ts, which
 *  puts its own handlers first). An error nothing caught becomes one line and exit 2, never a
 *  stack trace. Returns the function that removes the handlers. */
function installProcessHandlers(): () => void {
  const onSignal = (signal: NodeJS.Signals) => process.exit(128 + (SIGNAL_NUMBERS[signal] ?? 1));
  const onFatal = (err: unknown) => {
    process.stderr.write(`layerscope: ${oneLine(err)}\n`);
    if (process.env.LAYERSCOPE_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exit(EXIT_BAD_INPUT);
  };
  const signals = Object.keys(SIGNAL_NUMBERS) as NodeJS.Signals[];
  for (const s of signals) process.on(s, onSignal);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  return () => {
    for (const s of signals) process.off(s, onSignal);
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
  };
}

/** Runs the CLI; resolves to the process exit code. Never throws. */
export async function main(argv: string[]): Promise<number> {
  const uninstall = installProcessHandlers();
  try {
    return await run(argv);
  } finally {
    uninstall();
  }
}

async function run(argv: string[]): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram((code) => (exitCode = code));
  program.exitOverride();
  program.configureOutput({ writeErr: () => undefined, outputError: () => undefined });
  for (const sub of program.commands) {
    sub.exitOverride();
    sub.configureOutput({ writeErr: () => undefined, outputError: () => undefined });
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_OK;
      process.stderr.write(`layerscope: ${oneLine(err.message.replace(/^error: /, ''))} (see layerscope --help)\n`);
      return EXIT_BAD_INPUT;
    }
    process.stderr.write(`layerscope: ${oneLine(err)}\n`);
    if (process.env.LAYERSCOPE_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return EXIT_BAD_INPUT;
  }
}
