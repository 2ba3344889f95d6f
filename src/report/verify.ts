/** Text for the end of `verify`; `--json` prints the core's result fields directly. */
import { KEPT_PER_LIST, type VerifyEvent, type VerifyProof, type VerifyResult } from '../operations/verify.js';
import { formatCount, formatDuration, plural } from './format.js';
import { escapeName, escapeText } from './escape.js';

const SHOWN = 20;

/** The note when another run (an upload) holds a container's journal: verify reads it and leaves it as it is. */
export function renderJournalReadOnly(event: Extract<VerifyEvent, { type: 'journal-read-only' }>): string {
  const who = event.holder ? `process ${event.holder.pid} on ${event.holder.host}` : 'another run';
  return `Note: ${who} is using the journal of ${event.container}, so verify reads it and writes nothing to it (the MD5s it computes now are not kept for the next run).\n`;
}

export function renderVerifyResult(result: VerifyResult): string {
  if (result.ok) return `Identical: ${plural(result.checked, 'file')} match the remote containers by name, size and MD5 (${formatDuration(result.durationMs / 1000)}).\n${proofLine(result.proof)}\n`;
  const { counts } = result;
  const lines = [`Different: ${formatCount(counts.missing)} missing, ${formatCount(counts.extra)} extra, ${formatCount(counts.mismatched)} mismatched (of ${plural(result.checked, 'file')}).`];
  for (const wrong of result.wrongContainer) lines.push(`  wrong container  ${escapeText(wrong.message)} Were the database and storage URLs swapped?`);
  const list = <T>(label: string, items: T[], count: number, line: (item: T) => string) => {
    for (const item of items.slice(0, SHOWN)) lines.push(`  ${label.padEnd(10)} ${line(item)}`);
    if (count > SHOWN) lines.push(`  ${label.padEnd(10)} … and ${formatCount(count - SHOWN)} more (${count > items.length ? `--json lists the first ${formatCount(KEPT_PER_LIST)} found` : '--json lists them all'})`);
  };
  const reasons = new Map(result.details.map((detail) => [detail.blobName, detail.reason]));
  list('missing', result.missing, counts.missing, (name) => `${escapeName(name)}  (not uploaded yet: run upload again)`);
  list('extra', result.extraDetails, counts.extra, ({ blobName, container }) => `${escapeName(blobName)}  (in container ${container}, not in the source: delete it, or it will be restored too)`);
  list('mismatched', result.mismatched, counts.mismatched, (name) => `${escapeName(name)}  (${escapeText(reasons.get(name) ?? 'differs')})`);
  // Without --deep every mismatch is one of size or Content-MD5, which a plain upload sees and re-sends; only
  // bytes that differ under a matching Content-MD5 (found by downloading) need upload --deep.
  if (counts.mismatched > 0) {
    lines.push(
      result.proof.remote === 'downloaded'
        ? '  To send the mismatched files again: the same upload command with --deep (it reads each blob in place and re-sends those whose bytes differ).'
        : '  To send the mismatched files again: the same upload command (it re-sends every file whose size or Content-MD5 differs).',
    );
  }
  lines.push(proofLine(result.proof));
  return lines.join('\n') + '\n';
}

/** What the comparison rested on: says plainly when local files were not read (--trust-journal). */
export function proofLine(proof: VerifyProof): string {
  const local =
    proof.local === 'read'
      ? 'every local file read and hashed'
      : `--trust-journal: ${plural(proof.filesFromJournal, 'local MD5')} taken from the journal without reading the file${proof.filesFromJournal === 1 ? '' : 's'}, the others read and hashed`;
  const remote = proof.remote === 'downloaded' ? 'every blob downloaded and hashed (--deep)' : "compared with each blob's Content-MD5, not its bytes (--deep reads them)";
  return `Checked: ${local}; ${remote}.`;
}

type Counts = VerifyResult['counts'];

/** `counts` is there when a list was cut at KEPT_PER_LIST: then the lists hold the first found, and `counts` how many there were. */
export function verifyJson(result: VerifyResult): { ok: boolean; missing: string[]; extra: string[]; mismatched: string[]; counts?: Counts; proof: VerifyProof; wrongContainer?: VerifyResult['wrongContainer'] } {
  const { counts } = result;
  const cut = counts.missing > result.missing.length || counts.extra > result.extra.length || counts.mismatched > result.mismatched.length;
  // Present only when there is something to say, so the common shape stays as it was.
  return {
    ok: result.ok,
    missing: result.missing,
    extra: result.extra,
    mismatched: result.mismatched,
    ...(cut ? { counts } : {}),
    proof: result.proof,
    ...(result.wrongContainer.length > 0 ? { wrongContainer: result.wrongContainer } : {}),
  };
}

/** Before verify compares: what it can prove about blobs copied from remote sources, and whether bytes will move. */
export function verifyStartLine(event: Extract<VerifyEvent, { type: 'verify-start' }>): string {
  if (event.copies === 0) return '';
  return event.hash
    ? `${plural(event.copies, 'blob')} from --storage-from: every copied blob is downloaded from the restore container and hashed here, and compared with the source's Content-MD5 or, where it has none, its downloaded bytes (--hash, --deep: their bytes pass through this machine).\n`
    : `${plural(event.copies, 'blob')} from --storage-from: compared by size, Content-MD5 when both sides have one, else the source ETag each copy recorded (nothing is downloaded; --hash to compare bytes).\n`;
}
