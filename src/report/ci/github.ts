// `--ci-format github` (the default under GitHub Actions, GITHUB_ACTIONS=true): one workflow
// command per failed (`::error`) or warning (`::warning`) rule, which GitHub shows as annotations
// on the run and the pull request, then dive's report for the log. A rule set in a rules file
// points at that file. The step summary (`$GITHUB_STEP_SUMMARY`) gets the Markdown report.
//
// Escaping, as GitHub's runner reads commands (actions/toolkit `command.ts`): in the message
// `%` → %25, CR → %0D, LF → %0A; in property values also `:` → %3A and `,` → %2C. Image names
// and paths come from the image (hostile): they are made terminal-safe first, so nothing they
// hold can end the command, start another one, or reach the log as an escape sequence.
import { escapeForTerminal } from '../../core/paths.js';
import type { CiReport } from './report.js';
import { ciText } from './text.js';

export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function ciGithub(report: CiReport): string {
  const lines: string[] = [];
  const image = escapeForTerminal(report.image.ref);
  for (const r of report.verdict.results) {
    if (r.status !== 'FAIL' && r.status !== 'WARN') continue;
    const command = r.status === 'FAIL' ? 'error' : 'warning';
    const origin = report.origins[r.rule];
    const props = [
      ...(origin?.source === 'file' ? [`file=${escapeProperty(origin.origin)}`] : []),
      `title=${escapeProperty(`layerscope ${r.rule} (${image})`)}`,
    ];
    lines.push(`::${command} ${props.join(',')}::${escapeData(escapeForTerminal(r.message))}`);
  }
  return lines.join('\n') + (lines.length > 0 ? '\n' : '') + ciText(report);
}
