/** Text and JSON for the end of an upload, and the resume command after a stop. */
import type { Destination } from '../operations/destinations/types.js';
import { uploadResult, type UploadEvent, type UploadResult } from '../operations/upload.js';
import type { Finding } from '../rules/finding.js';
import type { ProgressSnapshot } from '../transfer/events.js';
import { formatBytes, formatCount, formatDuration, formatRate, plural } from './format.js';
import { escapeName, escapeText } from './escape.js';

export function renderUploadResult(result: UploadResult): string {
  const seconds = result.durationMs / 1000;
  const lines = [
    `${result.ok ? 'Upload complete' : 'Upload finished with failures'}: ${plural(result.files.uploaded, 'file')} uploaded, ${formatCount(result.files.skipped)} already in place, ${formatCount(result.files.failed)} failed.`,
    `Sent ${formatBytes(result.bytes.sent)} of ${formatBytes(result.bytes.total)} in ${formatDuration(seconds)}${seconds > 0 ? ` (${formatRate(Math.round(result.bytes.sent / seconds))})` : ''}.`,
  ];
  if (result.files.copied > 0) {
    lines.push(`Of the uploaded, ${plural(result.files.copied, 'blob')} (${formatBytes(result.bytes.copied)}) were copied by Azure Storage from the remote source: none of those bytes passed through this machine.`);
  }
  lines.push(...notUploadedLines(result.notUploaded, result.notUploadedUnlisted, result.warnings));
  const range = result.concurrency;
  if (range && range.min !== range.max) lines.push(`Requests in flight: ${range.final} at the end (adaptive, between ${range.min} and ${range.max}).`);
  for (const error of result.errors) lines.push(`  failed ${error.code}  ${escapeName(error.path ?? '')}`, `         ${escapeText(error.message)}`);
  if (!result.ok) lines.push('Run the same command again to retry the failed files; everything else is skipped.');
  else lines.push('Check it with `kxp-restore verify` (same arguments) before restoring.');
  return lines.join('\n') + '\n';
}

const NOT_UPLOADED_SHOWN = 10;

const NOT_UPLOADED_LABEL = { SYMLINK: 'link   ', SYSTEM_FILE: 'system ', IGNORED: 'ignored' } as const;

/**
 * What the run left out of the payload on purpose (links, OS files, anything else in the migration folder), so a
 * missing file is never a surprise at restore time; said even when nothing was. Upload and rehearse end with it.
 */
export function notUploadedLines(entries: UploadResult['notUploaded'], unlisted: UploadResult['notUploadedUnlisted'] = {}, warnings: ReadonlyArray<{ code: string; path: string }> = []): string[] {
  // --storage-from blobs no --map covers were skipped: never "nothing was left out" right after that warning.
  const unmapped = warnings.filter((warning) => warning.code === 'UNMAPPED').map((warning) => warning.path);
  const skipped = unmapped.length > 0 ? [`Not copied: the --storage-from blobs no --map covers, in ${unmapped.join(', ')} (see the UNMAPPED warning).`] : [];
  if (entries.length === 0) return [...skipped, unmapped.length > 0 ? 'Not uploaded: nothing else was left out of the payload.' : 'Not uploaded: nothing was left out of the payload.'];
  return [...skipped, ...leftOutLines(entries, unlisted)];
}

function leftOutLines(entries: UploadResult['notUploaded'], unlisted: UploadResult['notUploadedUnlisted'] = {}): string[] {
  const count = (code: keyof typeof NOT_UPLOADED_LABEL) => entries.filter((entry) => entry.code === code).length + (unlisted[code] ?? 0);
  const links = count('SYMLINK');
  const system = count('SYSTEM_FILE');
  const ignored = count('IGNORED');
  const parts = [
    ...(links > 0 ? [`${plural(links, 'symbolic link')} (links are not followed; copy the file in place to send it)`] : []),
    ...(system > 0 ? [`${plural(system, 'operating-system file')} (Thumbs.db, desktop.ini, .DS_Store, ._*; --include-system-files sends them)`] : []),
    ...(ignored > 0 ? [`${plural(ignored, 'entry', 'entries')} of the migration folder besides db.bacpac and storage/ (see the IGNORED warnings)`] : []),
  ];
  const lines = [`Not uploaded: ${parts.join('; ')}:`];
  for (const entry of entries.slice(0, NOT_UPLOADED_SHOWN)) lines.push(`  ${NOT_UPLOADED_LABEL[entry.code]}  ${escapeName(entry.path)}`);
  const more = links + system + ignored - Math.min(entries.length, NOT_UPLOADED_SHOWN);
  const where = Object.keys(unlisted).length > 0 ? 'the first 100 of each kind in --json' : 'all in --json';
  if (more > 0) lines.push(`  … and ${formatCount(more)} more (${where})`);
  return lines;
}

/** Where a container is, short enough for 80 columns: an Azure account's own host says nothing the name does not. */
function whereIs(target: Destination): string {
  const host = new URL(target.endpoint).host;
  if (target.loopback) return ` (this computer, ${host})`;
  return host === `${target.identity.split('/')[0]}.blob.core.windows.net` ? '' : ` at ${target.endpoint}`;
}

/** Names every container (and the Portal that granted access) before the first request, so a wrong one shows. */
export function renderDestinations(event: Extract<UploadEvent, { type: 'destinations' }>, verb: 'Uploading to' | 'Verifying against'): string {
  const name = (role: string, target: Destination) => `  ${role}  ${target.identity}${whereIs(target)}`;
  const lines = [`${verb}:`];
  if (event.db) lines.push(name('database', event.db));
  if (event.storage) lines.push(name('storage ', event.storage));
  if (event.grantedBy) lines.push(`  access granted by ${event.grantedBy}`);
  return lines.join('\n') + '\n';
}

/** The note for a SAS URL of a part the payload lacks, whose container is empty. */
export function renderUnusedDestination(event: Extract<UploadEvent, { type: 'unused-destination' }>): string {
  return `Note: the ${event.role} SAS URL is not used: this payload has no ${event.role === 'database' ? 'db.bacpac' : 'storage files'}, and ${event.container} is empty, so the restore takes nothing from it.\n`;
}

/** The note for a lock taken over from a run that is gone. */
export function renderLockTakenOver(event: Extract<UploadEvent, { type: 'lock-taken-over' }>): string {
  return `Note: took over the lock of ${event.container} from process ${event.pid} on ${event.host} (started ${event.startedAt}), which is no longer running.\n`;
}

/** The `--json` object when the run stopped before its end (counts so far; zeros if nothing started). */
export function stoppedUploadJson(progress: ProgressSnapshot | undefined, errors: UploadResult['errors'], durationMs: number, planWarnings: readonly Finding[] = []): UploadResult {
  const snapshot: ProgressSnapshot = progress ?? {
    filesTotal: 0, filesUploaded: 0, filesSkipped: 0, filesFailed: 0, bytesTotal: 0, bytesDone: 0, bytesSent: 0, rate: 0, etaSeconds: null, elapsedMs: durationMs,
  };
  return { ...uploadResult(snapshot, errors, durationMs, planWarnings), ok: false };
}

/**
 * How to resume. One line for POSIX shells and PowerShell alike when single quotes can carry every word (they
 * mean the same in both); otherwise a line for each. URLs given as flags are never repeated: `sasVariables`
 * names the environment variables to set instead, shown in both shells' syntax.
 */
export function renderResumeCommand(words: string[], sasVariables: readonly string[] = []): string {
  const posix = words.map(posixQuote).join(' ');
  const powershell = words.map(powershellQuote).join(' ');
  const lines = ['Progress is kept. To resume, run:'];
  if (posix === powershell) lines.push(`  ${posix}`);
  else lines.push(`  POSIX shells: ${posix}`, `  PowerShell:   ${powershell}`);
  if (sasVariables.length > 0) {
    lines.push(
      `  after putting the SAS URL${sasVariables.length > 1 ? 's' : ''} (${renewalAdvice(sasVariables)}) where the process list cannot show ${sasVariables.length > 1 ? 'them' : 'it'}:`,
      ...sasVariables.map((name) => `    POSIX shells: read -rs ${name} && export ${name}     PowerShell 7: $env:${name} = Read-Host -MaskInput`),
      `  or save it in a file and add ${sasVariables.map((name) => `--${name.replace(/^KXP_/, '').toLowerCase().replace(/_/g, '-')}-file FILE`).join(' and ')}.`,
    );
  }
  return lines.join('\n') + '\n';
}

/** The variable that carries --storage-from URLs (the old site's account, not the restore session's). */
const SOURCE_VARIABLE = 'KXP_STORAGE_FROM';

/** Where a new URL comes from: the Portal's "Get access" for the restore containers, the source account for --storage-from. */
function renewalAdvice(sasVariables: readonly string[]): string {
  const advice: string[] = [];
  if (sasVariables.some((name) => name !== SOURCE_VARIABLE)) advice.push(`${sasVariables.includes(SOURCE_VARIABLE) ? 'for the restore containers, ' : ''}a new one from "Get access" if it expired or was revoked`);
  if (sasVariables.includes(SOURCE_VARIABLE)) advice.push(`for ${SOURCE_VARIABLE}, a new SAS of the source account if the old one expired`);
  return advice.join('; ');
}

const PLAIN_WORD = /^[\w+=:./-]+$/;

function posixQuote(word: string): string {
  return PLAIN_WORD.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** PowerShell: single quotes are literal, a quote inside is doubled; `$`, `@`, `,` and backticks are harmless there. */
function powershellQuote(word: string): string {
  return PLAIN_WORD.test(word) ? word : `'${word.replace(/'/g, "''")}'`;
}
