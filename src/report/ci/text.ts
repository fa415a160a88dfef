// `--ci-format text` (the default): dive's report, line for line, made terminal-safe.
import { escapeForTerminal } from '../../core/paths.js';
import { formatCiVerdict } from '../ci.js';
import type { CiReport } from './report.js';

export function ciText(report: CiReport): string {
  return `${formatCiVerdict(report.verdict)
    .split('\n')
    .map((line) => escapeForTerminal(line))
    .join('\n')}\n`;
}
