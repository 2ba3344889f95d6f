/**
 * One shard's share of a manifest, found again on this machine: every local file checked against the
 * manifest (kind, size, fingerprint) before anything is sent, and every remote blob ready to be copied.
 */
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { KxpError } from '../../errors.js';
import { sampleFingerprint } from '../../fs/sample-fingerprint.js';
import type { PayloadFile } from '../../source/types.js';
import type { ManifestEntry, ManifestHeader } from '../../transfer/manifest.js';
import { assignShards, type ShardPiece, type ShardSpec } from '../../transfer/shard-assign.js';
import { localPath, type PartRoots } from './roots.js';
import { inOrder } from './in-order.js';

export type NumberedEntry = ManifestEntry & { ordinal: number };

export interface ShardShare {
  /** This shard's pieces, in sending order, each with its manifest entry. */
  pieces: Array<{ piece: ShardPiece; entry: NumberedEntry }>;
  /** Bytes each shard sends. */
  shares: number[];
  /** Manifest entries split across shards (their blocks are committed by --finish). */
  split: NumberedEntry[];
}

/** The key the assignment sorts and balances by: role and blob name, unique in a manifest. */
export function entryKey(entry: ManifestEntry): string {
  return `${entry.role}:${entry.blob}`;
}

/** Three passes over the manifest (large files, small files, then this shard's entries): memory holds one shard's share. */
export async function shardShare(manifest: { header: ManifestHeader; entries: () => AsyncIterable<NumberedEntry> }, shard: ShardSpec): Promise<ShardShare> {
  const { header, entries } = manifest;
  async function* keyed() {
    for await (const entry of entries()) yield { ordinal: entry.ordinal, key: entryKey(entry), size: entry.size, splittable: entry.kind === 'local' };
  }
  const assignment = await assignShards(keyed, { count: shard.count, totalBytes: header.bytes, blockSize: header.blockSize, shard: shard.index });
  const mine = assignment.pieces ?? [];
  const wanted = new Set(mine.map((piece) => piece.ordinal));
  const found = new Map<number, NumberedEntry>();
  const split: NumberedEntry[] = [];
  for await (const entry of entries()) {
    if (wanted.has(entry.ordinal)) found.set(entry.ordinal, entry);
    if (assignment.split.has(entry.ordinal)) split.push(entry);
  }
  const pieces = mine.map((piece) => {
    const entry = found.get(piece.ordinal);
    if (!entry) throw new KxpError('INTERNAL', `Manifest entry ${piece.ordinal} vanished between two readings.`);
    return { piece, entry };
  });
  return { pieces, shares: assignment.shares, split };
}

/** Checks at once, this many files; each check is a stat and two small reads. */
const CHECKS_IN_FLIGHT = 16;
/** Mismatches named in the error before "and N more". */
const NAMED = 5;

/** This machine's files for the local entries, refused whole if any no longer matches the manifest. */
export async function localFiles(share: ShardShare, roots: PartRoots, manifestFile: string, cwd: string): Promise<Map<number, PayloadFile>> {
  const files = new Map<number, PayloadFile>();
  const problems: string[] = [];
  async function* locals() {
    for (const { entry } of share.pieces) if (entry.kind === 'local') yield entry;
  }
  const checked = inOrder(locals(), CHECKS_IN_FLIGHT, async (entry) => {
    const absolutePath = localPath(roots, entry.role, entry.path);
    if (!absolutePath) return { entry, problem: `${entry.path}: this run names no ${entry.role === 'database' ? 'database export (give the folder or --bacpac)' : 'storage folder (give the folder, --storage or --project)'}` };
    const stats = await lstat(absolutePath).catch(() => null);
    if (!stats?.isFile()) return { entry, problem: `${entry.path}: missing here (${absolutePath})` };
    const sample = await sampleFingerprint(absolutePath);
    if (sample.size !== entry.size) return { entry, problem: `${entry.path}: ${sample.size} bytes here, ${entry.size} in the manifest` };
    if (sample.fingerprint !== entry.fingerprint) return { entry, problem: `${entry.path}: its content differs from the file planned` };
    const file: PayloadFile = {
      kind: entry.role === 'database' ? 'bacpac' : 'storage',
      absolutePath,
      displayPath: path.relative(cwd, absolutePath).split(path.sep).join('/') || absolutePath,
      sourceName: entry.path,
      blobName: entry.blob,
      container: entry.role === 'database' ? null : (entry.blob.split('/')[0] ?? null),
      size: entry.size,
      mtimeMs: stats.mtimeMs,
      dev: stats.dev,
      ino: stats.ino,
    };
    return { entry, file };
  });
  let mismatched = 0;
  for await (const result of checked) {
    if ('problem' in result) {
      mismatched += 1;
      if (problems.length < NAMED) problems.push(result.problem ?? '');
    } else files.set(result.entry.ordinal, result.file);
  }
  if (mismatched > 0) {
    const more = mismatched > NAMED ? `; and ${mismatched - NAMED} more` : '';
    throw new KxpError('MANIFEST_MISMATCH', `${mismatched} file${mismatched === 1 ? '' : 's'} of this shard no longer match${mismatched === 1 ? 'es' : ''} the manifest, so nothing was sent: ${problems.join('; ')}${more}.`, {
      path: manifestFile,
      hint: 'Give every shard the same copy of the payload that was planned, or plan again with --manifest and restart every shard with the new manifest.',
    });
  }
  return files;
}
