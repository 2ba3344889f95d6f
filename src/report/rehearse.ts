/** Text and JSON of `rehearse`: one line per step with its time, then the outcome. */
import { notUploadedOf } from '../operations/upload.js';
import type { RehearseEvent, RehearseReport, RehearseStep, RehearseStepFacts, VersionCheckFacts } from '../operations/rehearse.js';
import { findingJson, renderFindings } from './findings.js';
import { formatCount, formatDuration, plural } from './format.js';
import { notUploadedLines, renderDestinations } from './upload.js';

/** Live lines while the rehearsal runs (step results; the restore's progress is createRestoreProgress's). */
export function renderRehearseEvent(event: RehearseEvent): string {
  if (event.type === 'step-done') {
    const { step } = event;
    const detail = stepDetail(step);
    return `${step.ok ? '✓' : '✗'} ${step.name.padEnd(18)} ${formatDuration(step.durationMs / 1000).padStart(8)}${detail ? `  ${detail}` : ''}\n`;
  }
  if (event.type === 'upload' && event.event.type === 'destinations') return renderDestinations(event.event, 'Uploading to');
  return '';
}

/** The step's one line: what it found or did, or the message of the error that stopped it. */
export function stepDetail(step: RehearseStep): string | undefined {
  if (!step.ok) return step.error.message;
  return step.facts ? describeFacts(step.facts) : undefined;
}

/** Step details keep plain digits (as the JSON facts beside them). */
const count = (value: number, word: string) => plural(value, word, undefined, { digits: 'plain' });
const bytes = (value: number) => plural(value, 'byte', undefined, { digits: 'plain' });

function describeFacts(facts: RehearseStepFacts): string {
  switch (facts.kind) {
    case 'plan':
      return `${count(facts.files, 'file')}, ${bytes(facts.bytes)}, no errors`;
    case 'version':
      return describeVersionCheck(facts);
    case 'emulator':
      return `${facts.url}, ${facts.env} on Xperience ${facts.environmentVersion}, storage ${facts.storageDir === null ? 'in memory' : `in ${facts.storageDir}`}`;
    case 'source':
      return `${count(facts.blobs, 'blob')}, ${bytes(facts.bytes)} of the --storage-from sources copied into the emulator's Azurite (through this machine; rehearsal only)`;
    case 'session':
      return facts.sessionId;
    case 'access':
      return `valid until ${facts.expiresOn}`;
    case 'upload':
      return `${count(facts.filesUploaded, 'file')} uploaded, ${bytes(facts.bytesSent)} sent`;
    case 'verify':
      return `${count(facts.identicalFiles, 'file')} identical`;
    case 'restore':
      return `restore ${facts.restoreId} ${facts.state}`;
    case 'environment':
      return `${count(facts.identicalBlobs, 'blob')} identical to the source${facts.xperienceVersion ? `, Xperience ${facts.xperienceVersion}` : ''}`;
    case 'package':
      return `${facts.assemblyName ?? '?'} ${facts.applicationVersion ?? '?'} on Xperience ${facts.xperienceVersion ?? '?'}${facts.bacpacVersion ? ` = database ${facts.bacpacVersion}` : ''}`;
    case 'deployment':
      return `deployment ${facts.deploymentId} succeeded, ${facts.env} now on Xperience ${facts.xperienceVersion ?? '?'}`;
  }
}

function describeVersionCheck({ env, bacpac }: VersionCheckFacts): string {
  if (bacpac === null) return 'no database in this payload';
  if (bacpac.version === null) return `${bacpac.path}: not an Xperience database (version not checked; see the warning)`;
  return `Xperience ${bacpac.version} = ${env}`;
}

/** Names of each list shown when the rehearsal failed on a difference (--json has up to KEPT_PER_LIST). */
const SHOWN_NAMES = 10;

export function renderRehearsal(report: RehearseReport): string {
  const lines: string[] = [];
  const errors = report.findings.filter((finding) => finding.severity === 'error');
  const warnings = report.findings.filter((finding) => finding.severity === 'warning');
  if (errors.length || warnings.length) lines.push('', renderFindings(errors, warnings));
  lines.push('', ...notUploadedLines(report.upload?.notUploaded ?? notUploadedOf(report.findings), report.upload?.notUploadedUnlisted, warnings));
  if (report.ok) {
    const deployed = report.deployment ? `package deployed (Xperience ${report.deployment.xperienceVersion ?? '?'}), ` : '';
    const holds = report.deployment ? `${report.env} runs the package's version and holds the restored database and exactly the source files` : `${report.env} holds exactly the source files`;
    lines.push(`Rehearsal passed in ${formatDuration(report.durationMs / 1000)}: ${deployed}uploaded, verified, restored to ${report.env}, and ${holds}.`);
    if (report.deployment) lines.push('First, for real: kxp-restore package upload <zip> --env qa --project-guid-file FILE --token-file FILE (docs/package.md).');
    lines.push('Next, for real: kxp-restore session create --manual, then upload, verify and restore --env … with --manual, then session close --manual (README, "A real migration, start to finish").');
  } else {
    lines.push(`Rehearsal failed${report.error ? ` [${report.error.code}]: ${report.error.message}` : '.'}`);
    // The step that failed named only counts; here are the first names (the restore's check, else verify's).
    const differences = report.environment && !report.environment.ok ? report.environment : report.verify && !report.verify.ok ? report.verify : null;
    if (differences) {
      for (const label of ['missing', 'extra', 'mismatched'] as const) {
        const names = differences[label];
        const count = differences.counts[label];
        if (count > 0) lines.push(`  ${label}: ${names.slice(0, SHOWN_NAMES).join(', ')}${count > SHOWN_NAMES ? ` and ${formatCount(count - SHOWN_NAMES)} more` : ''}`);
      }
    }
  }
  return lines.join('\n') + '\n';
}

export function rehearsalJson(report: RehearseReport) {
  // `detail` keeps the step line for readers of the JSON; the facts (or the error) are beside it.
  const steps = report.steps.map((step) => {
    const { name, ok, durationMs, ...result } = step;
    return { name, ok, durationMs, detail: stepDetail(step), ...result };
  });
  return { ...report, steps, findings: report.findings.map(findingJson) };
}
