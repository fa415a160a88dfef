// `layerscope config` and the global --config / --theme options: the configuration is read
// before anything else so a bad file fails fast (one line, exit 2).
import type { Command } from 'commander';
import { Option } from 'commander';
import { loadConfig } from '../config/load.js';
import { ciBaseOf, formatConfig } from '../config/print.js';
import type { EffectiveConfig } from '../config/schema.js';
import { THEMES } from '../config/schema.js';
import { jsonText } from '../report/json.js';
import { ciFormatSourced, ciRulesOf, type CiOptions } from '../report/ci/run.js';
import { writeOut } from '../app/write.js';
import { setCurrentConfig } from '../config/current.js';
import { applyUiConfig } from '../config/apply.js';

export interface ConfigOptions {
  config?: string;
  theme?: string;
  /** false with --no-mouse */
  mouse?: boolean;
  /** --secrets-max-bytes SIZE, where the command has it */
  secretsMaxBytes?: string;
}

export function addConfigOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'configuration file (default: $XDG_CONFIG_HOME/layerscope/config.yaml, ~/.config when unset)')
    .addOption(new Option('--theme <name>', 'colour theme (NO_COLOR turns colours off whatever the theme)').choices(THEMES))
    .option('--no-mouse', 'no mouse in the browser (the wheel scrolls, a click selects; config: mouse: false)');
}

export function configOf(options: ConfigOptions & CiOptions): EffectiveConfig {
  return loadConfig({
    flags: {
      config: options.config,
      theme: options.theme,
      ciFormat: options.ciFormat,
      ...(options.mouse === false ? { mouse: false } : {}),
      ...(options.secretsMaxBytes !== undefined ? { secretsMaxBytes: options.secretsMaxBytes } : {}),
    },
  });
}

/** Loads the configuration before any command runs (a bad file: one line, exit 2, before any
 *  image is opened), and applies what it says to the screens (theme, keys, starting state). */
export function loadConfigFirst(program: Command): void {
  program.hook('preAction', (root, action) => {
    const options = { ...root.opts(), ...action.opts() } as ConfigOptions & CiOptions;
    const config = configOf(options);
    setCurrentConfig(config);
    applyUiConfig(config);
  });
}

export function addConfigCommand(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('config')
    .description('print the effective configuration and where each value came from')
    .option('--json', 'as JSON: every setting with its value, source and origin')
    .action(async (options: ConfigOptions & { json?: boolean }) => {
      const config = configOf(options);
      setCurrentConfig(config);
      const rules = ciRulesOf({}, ciBaseOf(config));
      const format = ciFormatSourced({}, process.env, config.ci.format);
      if (options.json) {
        await writeOut(
          `${jsonText(
            {
              file: config.file,
              diveFile: config.diveFile,
              defaults: config.defaults,
              keys: config.keys,
              ci: {
                format,
                files: rules.files,
                ignore: rules.ignore,
                allowSecrets: rules.allowSecrets,
                rules: Object.fromEntries(
                  Object.values(rules.rules).map((r) => [r.name, { value: r.value, level: r.level, source: r.source, origin: r.origin }]),
                ),
              },
              notes: config.notes,
            },
            2,
          )}\n`,
        );
      } else await writeOut(formatConfig(config, rules, format));
      setExit(0);
    });
  addConfigOptions(cmd);
}
