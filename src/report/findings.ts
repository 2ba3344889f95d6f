/** Findings as text (grouped by severity then code) and as JSON: shared by plan, upload, verify, rehearse and package check. */
import { KEPT_PER_CODE, type Finding, type OmittedFindings } from '../rules/finding.js';
import { formatCount, wrapText } from './format.js';
import { escapeName, escapeText } from './escape.js';

/** How many findings of one code are listed before the rest are summarised. */
const SHOWN_PER_CODE = 20;

export function findingJson(finding: Finding): { code: string; path: string; message: string } {
  return { code: finding.code, path: finding.path, message: finding.message };
}

/**
 * Findings grouped by severity then code, each with its path and fix; long runs of one code are cut short
 * (`omitted`: those the report only counted).
 */
/** Where a finding's message starts, under its code. */
const MESSAGE_INDENT = ' '.repeat(10);

/** `columns`: the terminal's width, to break each message at spaces under its indent (none when the output is not a terminal). */
export function renderFindings(errors: Finding[], warnings: Finding[], omitted: readonly OmittedFindings[] = [], columns?: number): string {
  const message = (text: string) =>
    columns === undefined
      ? MESSAGE_INDENT + text
      : wrapText(text, columns - 1 - MESSAGE_INDENT.length, '')
          .split('\n')
          .map((line) => MESSAGE_INDENT + line)
          .join('\n');
  const lines: string[] = [];
  for (const [label, findings] of [
    ['error', errors],
    ['warning', warnings],
  ] as const) {
    const byCode = new Map<string, Finding[]>();
    for (const finding of findings) {
      const list = byCode.get(finding.code);
      if (list) list.push(finding);
      else byCode.set(finding.code, [finding]);
    }
    for (const [code, list] of byCode) {
      for (const finding of list.slice(0, SHOWN_PER_CODE)) {
        lines.push(`  ${label.padEnd(7)} ${code}  ${escapeName(finding.path)}`);
        lines.push(message(escapeText(finding.message)));
      }
      const uncounted = omitted.find((other) => other.code === code && other.severity === label)?.count ?? 0;
      const more = list.length - Math.min(list.length, SHOWN_PER_CODE) + uncounted;
      const where = uncounted > 0 ? `--json lists the first ${KEPT_PER_CODE}` : '--json lists them all';
      if (more > 0) lines.push(`  ${label.padEnd(7)} ${code}  … and ${formatCount(more)} more (${where})`);
    }
  }
  return lines.join('\n');
}
