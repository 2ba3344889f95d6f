/** Text and JSON for the end of an upload, and the resume command after a stop. */
import { uploadResult, type UploadResult } from '../operations/upload.js';
import type { ProgressSnapshot } from '../transfer/events.js';
import { formatBytes, formatCount, formatDuration, formatRate, plural } from './format.js';

export function renderUploadResult(result: UploadResult): string {
  const seconds = result.durationMs / 1000;
  const lines = [
    `${result.ok ? 'Upload complete' : 'Upload finished with failures'}: ${plural(result.files.uploaded, 'file')} uploaded, ${formatCount(result.files.skipped)} already in place, ${formatCount(result.files.failed)} failed.`,
    `Sent ${formatBytes(result.bytes.sent)} of ${formatBytes(result.bytes.total)} in ${formatDuration(seconds)}${seconds > 0 ? ` (${formatRate(Math.round(result.bytes.sent / seconds))})` : ''}.`,
  ];
  for (const error of result.errors) lines.push(`  failed ${error.code}  ${error.path ?? ''}`, `         ${error.message}`);
  if (!result.ok) lines.push('Run the same command again to retry the failed files; everything else is skipped.');
  else lines.push('Check it with `kxp-restore verify` (same arguments) before restoring.');
  return lines.join('\n') + '\n';
}

/** The `--json` object when the run stopped before its end (counts so far; zeros if nothing started). */
export function stoppedUploadJson(progress: ProgressSnapshot | undefined, errors: UploadResult['errors'], durationMs: number): UploadResult {
  const snapshot: ProgressSnapshot = progress ?? {
    filesTotal: 0, filesUploaded: 0, filesSkipped: 0, filesFailed: 0, bytesTotal: 0, bytesDone: 0, bytesSent: 0, rate: 0, etaSeconds: null, elapsedMs: durationMs,
  };
  return { ...uploadResult(snapshot, errors, durationMs), ok: false };
}

export function renderResumeCommand(words: string[]): string {
  const line = words.map(shellQuote).join(' ');
  const note = words.some((word) => word.includes('sig=REDACTED'))
    ? '\n  (replace each redacted URL with the full SAS URL, a new one from "Get access" if it expired or was revoked;' +
      '\n   or pass it with --db-sas-url-file / --storage-sas-url-file or KXP_DB_SAS_URL / KXP_STORAGE_SAS_URL)'
    : '';
  return `Progress is kept. To resume, run:\n  ${line}${note}\n`;
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
