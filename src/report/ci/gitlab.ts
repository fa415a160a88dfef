// `--ci-format gitlab`: a GitLab Code Quality report (artifacts:reports:codequality), the subset of
// the Code Climate issue format GitLab reads: description, check_name, fingerprint, severity,
// location.path and location.lines.begin. One issue per failed or warning rule: FAIL is `major`
// (`critical` for secrets), WARN is `minor`. The location is the rules file that set the rule
// (else `Dockerfile`), at the line that names it when there is one. The fingerprint is stable for
// the same rule on the same image, so GitLab can tell new findings from old ones.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { escapeForTerminal } from '../../core/paths.js';
import { jsonText } from '../json.js';
import type { CiReport } from './report.js';

export interface CodeQualityIssue {
  description: string;
  check_name: string;
  fingerprint: string;
  severity: 'info' | 'minor' | 'major' | 'critical' | 'blocker';
  location: { path: string; lines: { begin: number } };
}

/** The 1-based line of `rule:` in a rules file (any spelling dive accepts), else 1. */
export function ruleLine(text: string, rule: string): number {
  const want = rule.toLowerCase();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const key = /^\s*([A-Za-z_-]+)\s*:/.exec(lines[i]!)?.[1];
    if (key && key.toLowerCase().replace(/[-_]/g, '') === want) return i + 1;
  }
  return 1;
}

/** `readText` reads a rules file to find the rule's line (the CLI passes readRulesFileText;
 *  without it every issue points at line 1, and this stays pure). */
export function codeQualityIssues(report: CiReport, readText: (path: string) => string | undefined = () => undefined): CodeQualityIssue[] {
  const issues: CodeQualityIssue[] = [];
  for (const r of report.verdict.results) {
    if (r.status !== 'FAIL' && r.status !== 'WARN') continue;
    const origin = report.origins[r.rule];
    const path = origin?.source === 'file' ? origin.origin : 'Dockerfile';
    const text = origin?.source === 'file' ? readText(origin.origin) : undefined;
    issues.push({
      description: escapeForTerminal(`${r.rule}: ${r.message} (image ${report.image.ref})`),
      check_name: `layerscope/${r.rule}`,
      fingerprint: createHash('sha256').update(`layerscope\0${r.rule}\0${report.image.ref}`).digest('hex').slice(0, 32),
      severity: r.status === 'WARN' ? 'minor' : r.rule === 'secrets' ? 'critical' : 'major',
      location: { path, lines: { begin: text === undefined ? 1 : ruleLine(text, r.rule) } },
    });
  }
  return issues;
}

export function readRulesFileText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function ciGitlab(report: CiReport, readText?: (path: string) => string | undefined): string {
  return `${jsonText(codeQualityIssues(report, readText), 2)}\n`;
}
