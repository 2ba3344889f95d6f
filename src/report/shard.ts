/** Text for sharded uploads: the manifest written, a shard's share, the finish and the status table. */
import type { FinishShardsResult } from '../operations/shard/finish.js';
import type { ShardStatusResult } from '../operations/shard/status.js';
import type { ShardUploadEvent } from '../operations/shard/upload-shard.js';
import { formatBytes, formatCount, plural } from './format.js';

export function renderManifestWritten(file: string, written: { files: number; bytes: number }): string {
  return `Manifest written: ${file} (${plural(written.files, 'file')}, ${formatBytes(written.bytes)}). Give it to every shard: upload --manifest ${file} --shard i/N.\n`;
}

/** The shard's share before it starts, and how even the split is. */
export function renderShardShare(event: Extract<ShardUploadEvent, { type: 'shard' }>): string {
  const fair = event.shares.reduce((sum, share) => sum + share, 0) / Math.max(1, event.count);
  const spread = fair > 0 ? Math.max(...event.shares.map((share) => Math.abs(share - fair) / fair)) : 0;
  const split = event.splitFiles > 0 ? `; ${plural(event.splitFiles, 'file')} split by blocks across shards (commit with --finish)` : '';
  return `Shard ${event.index} of ${event.count} (counting from 0): ${plural(event.files, 'file')}, ${formatBytes(event.bytes)}; shares within ${(spread * 100).toFixed(1)}% of even${split}.\n`;
}

export function renderFinishResult(result: FinishShardsResult): string {
  if (result.files.length === 0) return 'No file was split across shards: nothing to finish. Check with: kxp-restore verify\n';
  const lines = result.files.map((file) => `  ${file.outcome === 'committed' ? 'committed' : file.outcome === 'already' ? 'already finished' : 'FAILED'}  ${file.path}`);
  for (const error of result.errors) lines.push(`  ${error.code}: ${error.message}`);
  const head = result.ok ? `Finished ${plural(result.files.length, 'split file')}:` : 'Not finished:';
  const next = result.ok ? 'Next: kxp-restore verify (with the same folder and SAS URLs) checks the whole payload.' : 'Let the shards named above finish, then run --finish again.';
  return [head, ...lines, next].join('\n') + '\n';
}

export function renderShardStatus(result: ShardStatusResult): string {
  const width = String(result.shards.length - 1).length;
  const lines = result.shards.map((shard) => {
    const percent = shard.bytes > 0 ? Math.floor((shard.bytesInPlace / shard.bytes) * 100) : 100;
    return `  shard ${String(shard.index).padStart(width)}  ${String(percent).padStart(3)}%  ${formatCount(shard.filesInPlace)} of ${plural(shard.files, 'file')}, ${formatBytes(shard.bytesInPlace)} of ${formatBytes(shard.bytes)}`;
  });
  if (result.splitFiles > 0) lines.push(`  split files committed by --finish: ${formatCount(result.splitFinished)} of ${formatCount(result.splitFiles)}`);
  return [result.complete ? 'Every file of the manifest is in place.' : 'In place, by shard:', ...lines].join('\n') + '\n';
}
