// Where build output goes while stages build: plain lines on stderr (not a terminal, or
// --json/--text), or the live view on a terminal (src/ui/runStages.ts). Both take the same events.
import type { BuildEvent } from '../sources/engineBuild.js';
import { escapeForTerminal } from '../core/paths.js';

export interface BuildProgressView {
  event(event: BuildEvent): void;
  /** The build failed: show the failing step and the last output lines (resolves once shown). */
  fail(step: string | undefined, lastLines: string[]): void | Promise<void>;
  close(): Promise<void>;
}

/** Build output as plain stderr lines: the stage headers, every step, every output line. */
export function plainBuildProgress(out: (text: string) => void = (t) => process.stderr.write(t)): BuildProgressView {
  // Steps and output come from the Dockerfile and the build: make each line terminal-safe.
  const write = (text: string) => out(`${escapeForTerminal(text.replace(/\n$/, ''), { keepTabs: true })}\n`);
  /** Whether the build's output lines were printed as they came. */
  let streamed = false;
  return {
    event(event) {
      switch (event.type) {
        case 'stage':
          write(`layerscope: building stage ${event.label} (${event.position + 1}/${event.total})${event.tag ? ` as ${event.tag}` : ''}\n`);
          break;
        case 'builder':
          write(
            `layerscope: building with ${event.builder === 'buildkit' ? 'BuildKit' : 'the classic builder'}${event.reason ? ` (${event.reason})` : ''}\n`,
          );
          break;
        case 'step':
          if (event.status === undefined) write(`  ${event.text}\n`);
          else if (event.status === 'cached') write(`  CACHED ${event.text}\n`);
          else if (event.status === 'running') write(`  ${event.text}\n`);
          else if (event.status === 'done') write(`  done ${((event.durationMs ?? 0) / 1000).toFixed(1)}s ${event.text}\n`);
          else write(`  FAILED ${event.text}\n`);
          break;
        case 'output':
          streamed = true;
          write(`    ${event.text}\n`);
          break;
        case 'built':
          write(`layerscope: built ${event.tag} (${event.imageId.replace(/^sha256:/, '').slice(0, 12)})\n`);
          break;
      }
    },
    fail(_step, lastLines) {
      // The error line that ends the run names the step. Its output was printed as it came (just
      // above, under FAILED): printed again it would be the error twice. A view that showed
      // nothing (a screen that closed) shows the last lines here, once.
      if (streamed || lastLines.length === 0) return;
      write("layerscope: the failing step's last output:\n");
      for (const line of lastLines) write(`  | ${line}\n`);
    },
    async close() {},
  };
}
