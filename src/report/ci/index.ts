// The `--ci-format` table: a format's name → its pure formatter.
import { ciGithub } from './github.js';
import { ciGitlab } from './gitlab.js';
import { ciJson } from './json.js';
import { ciJunit } from './junit.js';
import { ciMarkdown } from './markdown.js';
import type { CiFormat, CiReport } from './report.js';
import { ciText } from './text.js';

export const CI_FORMATTERS: Readonly<Record<CiFormat, (report: CiReport) => string>> = {
  text: ciText,
  json: ciJson,
  junit: ciJunit,
  github: ciGithub,
  gitlab: ciGitlab,
  markdown: ciMarkdown,
};
