// The `docker build` flags `layerscope build` accepts (what dive users pass to `dive build`):
// -t/--tag, -f, --build-arg, --target, --platform, --no-cache, --pull, --secret, plus --builder.
// Anything else is commander's one-line "unknown option" error, exit 2.
import { Option, type Command } from 'commander';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function addBuildFlags(cmd: Command): Command {
  return cmd
    .option('-f, --file <Dockerfile>', 'the Dockerfile (default: CONTEXT/Dockerfile)')
    .option('-t, --tag <name:tag>', 'also tag the built target stage NAME:TAG (repeatable)', collect, [] as string[])
    .option(
      '--build-arg <NAME=VALUE>',
      'build-time variable (repeatable; NAME alone takes it from the environment)',
      collect,
      [] as string[],
    )
    .option('--target <stage>', 'build only this stage and the stages it needs (default: every stage)')
    .option('--platform <os/arch[/variant]>', 'build for this platform')
    .option('--pull', 'always try to pull a newer version of the base images')
    .option(
      '--secret <id=ID,src=PATH|env=VAR>',
      'a secret for RUN --mount=type=secret (repeatable; BuildKit only; never written anywhere)',
      collect,
      [] as string[],
    )
    .addOption(
      new Option('--builder <builder>', 'buildkit (the default when the engine has it) or the deprecated classic builder')
        .choices(['auto', 'buildkit', 'classic'])
        .default('auto'),
    )
    .addOption(
      new Option('--source <engine>', 'the engine that builds: docker (default) or podman (Buildah)').choices(['docker', 'podman']),
    )
    .option('--no-cache', "build without the engine's build cache (like docker build --no-cache); layer summaries are not cached either");
}
