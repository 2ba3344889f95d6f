/** Text and JSON of `rehearse`: one line per step with its time, then the outcome. */
import type { RehearseEvent, RehearseReport } from '../operations/rehearse.js';
import { findingJson, renderFindings } from './plan.js';
import { formatDuration } from './format.js';
import { renderRestoreEvent } from './restore.js';

/** Live lines while the rehearsal runs (step results and the restore's progress). */
export function renderRehearseEvent(event: RehearseEvent): string {
  if (event.type === 'step-done') {
    const { step } = event;
    return `${step.ok ? '✓' : '✗'} ${step.name.padEnd(18)} ${formatDuration(step.durationMs / 1000).padStart(8)}${step.detail ? `  ${step.detail}` : ''}\n`;
  }
  if (event.type === 'restore' && event.event.type === 'restore-status') return renderRestoreEvent(event.event);
  return '';
}

export function renderRehearsal(report: RehearseReport): string {
  const lines: string[] = [];
  const errors = report.findings.filter((finding) => finding.severity === 'error');
  const warnings = report.findings.filter((finding) => finding.severity === 'warning');
  if (errors.length || warnings.length) lines.push('', renderFindings(errors, warnings));
  lines.push('');
  if (report.ok) {
    lines.push(`Rehearsal passed in ${formatDuration(report.durationMs / 1000)}: uploaded, verified, restored to ${report.env}, and ${report.env} holds exactly the source files.`);
    lines.push('Next, for real: kxp-restore session create --manual, then upload, verify and restore --env … with --manual, then session close --manual (README, "A real custom restore").');
  } else {
    lines.push(`Rehearsal failed${report.error ? ` [${report.error.code}]: ${report.error.message}` : '.'}`);
    const environment = report.environment;
    if (environment && !environment.ok) {
      for (const [label, names] of [['missing', environment.missing], ['extra', environment.extra], ['mismatched', environment.mismatched]] as const) {
        if (names.length) lines.push(`  ${label}: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ` and ${names.length - 10} more` : ''}`);
      }
    }
  }
  return lines.join('\n') + '\n';
}

export function rehearsalJson(report: RehearseReport) {
  return { ...report, findings: report.findings.map(findingJson) };
}
