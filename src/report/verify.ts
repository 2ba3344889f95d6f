/** Text for the end of `verify`; `--json` prints the core's result fields directly. */
import type { VerifyResult } from '../operations/verify.js';
import { formatCount, formatDuration, plural } from './format.js';

const SHOWN = 20;

export function renderVerifyResult(result: VerifyResult): string {
  if (result.ok) return `Identical: ${plural(result.checked, 'file')} match the remote containers by name, size and Content-MD5 (${formatDuration(result.durationMs / 1000)}).\n`;
  const lines = [`Different: ${formatCount(result.missing.length)} missing, ${formatCount(result.extra.length)} extra, ${formatCount(result.mismatched.length)} mismatched (of ${plural(result.checked, 'file')}).`];
  const list = <T>(label: string, items: T[], line: (item: T) => string) => {
    for (const item of items.slice(0, SHOWN)) lines.push(`  ${label.padEnd(10)} ${line(item)}`);
    if (items.length > SHOWN) lines.push(`  ${label.padEnd(10)} … and ${formatCount(items.length - SHOWN)} more (--json lists them all)`);
  };
  const reasons = new Map(result.details.map((detail) => [detail.blobName, detail.reason]));
  list('missing', result.missing, (name) => `${name}  (not uploaded yet: run upload again)`);
  list('extra', result.extraDetails, ({ blobName, container }) => `${blobName}  (in container ${container}, not in the source: delete it, or it will be restored too)`);
  list('mismatched', result.mismatched, (name) => `${name}  (${reasons.get(name) ?? 'differs'})`);
  return lines.join('\n') + '\n';
}

export function verifyJson(result: VerifyResult): { ok: boolean; missing: string[]; extra: string[]; mismatched: string[] } {
  return { ok: result.ok, missing: result.missing, extra: result.extra, mismatched: result.mismatched };
}
