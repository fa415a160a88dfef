// `--ci-format json`: the verdict and what it was measured on, for scripts.
import { jsonText } from '../json.js';
import type { CiReport } from './report.js';
import { statusCounts } from './report.js';

export function ciJson(report: CiReport): string {
  const { verdict } = report;
  return `${jsonText(
    {
      passed: verdict.passed,
      counts: statusCounts(verdict),
      image: report.image,
      files: report.files,
      ignore: report.ignore,
      allowSecrets: report.allowSecrets,
      rules: verdict.results.map((r) => ({
        rule: r.rule,
        status: r.status,
        level: r.level,
        measured: r.measured,
        threshold: r.limit,
        message: r.message,
        ...(r.findings ? { findings: r.findings } : {}),
      })),
      hidden: report.hidden.map(({ copies: _copies, ...h }) => h),
    },
    2,
  )}\n`;
}
