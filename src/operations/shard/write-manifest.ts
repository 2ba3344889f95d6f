/**
 * `plan --manifest FILE`: after the plan has passed, the payload's file list as every shard will read it.
 * Local files are fingerprinted (size and the first and last 64 KiB) so a shard on another machine can
 * tell that its copy is the one planned; remote source blobs carry their listed ETag.
 */
import type { PayloadSource } from '../../source/types.js';
import { sampleFingerprint } from '../../fs/sample-fingerprint.js';
import { writeManifest, type ManifestEntry } from '../../transfer/manifest.js';
import type { PlanReport } from '../plan.js';
import type { Payload } from '../../source/payload.js';
import { openSourcePayload } from '../remote.js';
import { manifestPath, partRoots } from './roots.js';
import { inOrder } from './in-order.js';
import type { RetryPolicy } from '../../transfer/pacer.js';
import { DEFAULT_BLOCK_SIZE } from '../../transfer/blocks.js';
import { KxpError } from '../../errors.js';

export interface WriteManifestOptions {
  cwd?: string;
  /** Requested block size in bytes; every shard cuts large files by it. Default 8 MiB. */
  blockSize?: number;
  /** The payload, opened (with its --storage-from sources); else opened from `source`. */
  payload?: Payload;
  retry?: Partial<RetryPolicy>;
  signal?: AbortSignal;
}

/** Files fingerprinted at once: two small reads each, so a handful keeps a disk busy without flooding it. */
const FINGERPRINTS_IN_FLIGHT = 16;

export async function writePayloadManifest(file: string, source: PayloadSource, plan: PlanReport, options: WriteManifestOptions = {}): Promise<{ files: number; bytes: number }> {
  if (!plan.ok) throw new KxpError('VALIDATION_FAILED', 'The plan found problems: no manifest was written.', { path: file });
  const cwd = options.cwd ?? process.cwd();
  const roots = await partRoots(source, cwd);
  let files = 0;
  let bytes = 0;
  const payload = options.payload ?? (await openSourcePayload(source, { cwd, retry: options.retry, signal: options.signal }));
  async function* entries(): AsyncGenerator<ManifestEntry> {
    // Read again under the plan's rules (a source changed since stops here); local files fingerprinted a few at a time, in order.
    const listed = inOrder(payload.entries({ signal: options.signal }), FINGERPRINTS_IN_FLIGHT, async (entry): Promise<ManifestEntry> => {
      if (entry.kind === 'remote') return { kind: 'remote', role: 'storage', blob: entry.blobName, size: entry.size, source: entry.source, sourceName: entry.name, etag: entry.etag };
      const role = entry.kind === 'bacpac' ? 'database' : 'storage';
      const { size, fingerprint } = await sampleFingerprint(entry.absolutePath);
      return { kind: 'local', role, blob: entry.blobName, size, path: manifestPath(roots, role, entry.absolutePath), fingerprint };
    });
    for await (const entry of listed) {
      files += 1;
      bytes += entry.size;
      yield entry;
    }
  }
  await writeManifest(
    file,
    {
      payload: { description: describe(source) },
      layout: plan.layout,
      blockSize: options.blockSize ?? DEFAULT_BLOCK_SIZE,
      files: plan.totals.files,
      bytes: plan.totals.bytes,
      parts: { database: plan.bacpac !== null, storage: plan.totals.files > (plan.bacpac ? 1 : 0) },
    },
    entries(),
  );
  if (files !== plan.totals.files || bytes !== plan.totals.bytes) {
    throw new KxpError('SOURCE_CHANGED', `The payload changed while the manifest was written (${files} files, ${bytes} bytes; the plan counted ${plan.totals.files} and ${plan.totals.bytes}).`, {
      path: file,
      hint: 'Stop whatever writes to the payload and run plan --manifest again.',
    });
  }
  return { files, bytes };
}

/** The payload as the user named it; source URLs reduced to account/container (never a SAS). */
function describe(source: PayloadSource): string {
  const parts: string[] = [];
  if (source.dir !== undefined) parts.push(source.dir);
  if (source.bacpac !== undefined) parts.push(`--bacpac ${source.bacpac}`);
  if (source.storage !== undefined) parts.push(`--storage ${source.storage}`);
  if (source.project !== undefined) parts.push(`--project ${source.project}`);
  for (const url of source.storageFrom ?? []) {
    try {
      const parsed = new URL(url);
      parts.push(`--storage-from ${parsed.host}${parsed.pathname}`);
    } catch {
      parts.push('--storage-from (unreadable URL)');
    }
  }
  return parts.join(' ');
}
