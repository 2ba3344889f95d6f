/**
 * One local file through the engine: a single Put Blob for a small file, or its blocks (the ones the service
 * does not hold yet) and a Put Block List for a large one; a shard's run of blocks is staged, never committed.
 * Every request holds a slot of the engine's, so the concurrency and the memory budget cover it.
 */
import { hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { BlockBlobClient, BlockBlobUploadOptions } from '@azure/storage-blob';
import mime from 'mime-types';
import { KxpError } from '../errors.js';
import { statusOf } from '../azure/errors.js';
import { md5OfBlobBytes } from '../azure/blob-hash.js';
import { blobWriterFor } from '../azure/put-blob.js';
import type { RemoteBlob } from '../azure/listing.js';
import type { PayloadFile } from '../source/types.js';
import type { Accounting } from './accounting.js';
import type { CopyContext } from './copy.js';
import { BLOCK_ID_BYTES, blockIdScheme, decodedIdLength, layoutFor, type BlockIdScheme, type BlockLayout } from './blocks.js';
import type { FileOutcome, TransferEvent } from './events.js';
import { md5OfHandle } from '../fs/file-hash.js';
import type { Journal } from './journal.js';
import { paced, type PaceOptions, type RetryPolicy } from './pacer.js';
import { requestOptions, type ContainerTarget } from './target.js';
import type { Md5Worker } from './hasher.js';
import type { Slot, Slots } from './slots.js';
import { assertUnchanged, changedWhile, openSourceFile, type SourceFile, type SyncReads, type WholeFile } from './source-file.js';

/** Tells apart the files whose running MD5 the hash worker holds. */
let fileKeys = 0;

export interface TransferItem {
  file: PayloadFile;
  target: ContainerTarget;
  /** Stage only these blocks of the file and commit nothing (one shard's run of a split file; `finishSplit` commits). */
  blocks?: BlockRun;
}

/** A run of whole blocks of a file: `first` and `count` in the file's block layout at `blockSize`. */
export interface BlockRun {
  first: number;
  count: number;
  blockSize: number;
}

export interface FileContext extends CopyContext {
  slots: Slots;
  /** The plan's largest file, which the block buffers were sized for. */
  largestFile: number;
  hasher(): Md5Worker;
  accounting: Accounting;
  signal: AbortSignal;
  retry: Partial<RetryPolicy> | undefined;
  emit(event: TransferEvent): void;
  progress(): void;
  /** Read the bytes of blobs whose Content-MD5 matches before skipping them (upload --deep). */
  deep: boolean;
  /** Which small files are read whole with synchronous calls. */
  syncReads: SyncReads;
}

export async function transferFile(item: TransferItem, requestedBlockSize: number, context: FileContext): Promise<void> {
  const { file } = item;
  if (!item.blocks && !context.deep && file.size <= context.largestFile && layoutFor(file.size, requestedBlockSize).single && context.syncReads.take(file.size)) {
    // A small file: its slot first (the buffer it is read into), then read whole and checked in one go.
    const slot = await context.slots.acquire(file.size, context.signal);
    try {
      await transferOpenFile(item, context.syncReads.readWhole(file, slot.buffer, 'uploaded'), requestedBlockSize, context, slot);
    } finally {
      slot.release();
    }
    return;
  }
  // One open per file, checked against the scan; its fstat is the state the journal and the change checks refer to.
  const source = await openSourceFile(file, 'uploaded');
  try {
    await transferOpenFile(item, source, requestedBlockSize, context);
  } finally {
    await source.handle.close();
  }
}

/** `slot`: the slot a whole file was read into, held for its Put Blob. */
async function transferOpenFile(item: TransferItem, source: SourceFile | WholeFile, requestedBlockSize: number, context: FileContext, slot?: Slot): Promise<void> {
  const { file, target } = item;
  const { state } = source;
  // Block buffers were sized from the plan's largest file; a file that grew past it since is a changed file.
  if (state.size > context.largestFile) {
    throw new KxpError('SOURCE_CHANGED', `The file grew to ${state.size} bytes after the check (the largest file then had ${context.largestFile}); it was not uploaded.`, {
      path: file.displayPath,
      hint: 'Stop whatever writes to it and run the same command again.',
    });
  }
  const layout = layoutFor(state.size, item.blocks?.blockSize ?? requestedBlockSize);
  context.emit({ type: 'file-start', blobName: file.blobName, path: file.displayPath, size: state.size, blocks: item.blocks?.count ?? (layout.single ? 1 : layout.blockCount) });
  if (item.blocks) {
    await putBlocks(target.client.getBlockBlobClient(file.blobName), opened(source), file, layout, target.journal, context, item.blocks);
    finish(context, file, state.size, 'uploaded', 0);
    return;
  }
  const remote = target.remote.get(file.blobName);
  const sameSizeRemote = remote !== undefined && remote.size === state.size && remote.md5 !== null ? remote : undefined;
  // The journal tells whether this version of the file hashed to the blob's MD5 (null: it did not hash it).
  const vouched = sameSizeRemote ? target.journal.sameMd5(file.blobName, state, sameSizeRemote.md5) : null;
  let known = vouched === true && sameSizeRemote ? sameSizeRemote.md5 : null;
  if (sameSizeRemote && vouched === null && !layout.single) {
    // Worth one local read to avoid sending a large file the service already holds.
    known = await md5OfHandle(opened(source).handle, context.signal, state.size);
    await assertUnchanged(opened(source), file, 'uploaded');
    target.journal.record('hash', file.blobName, state, known);
  }
  // Made when needed: most small files only need a Put Blob, sent without one (put-blob.ts).
  const blob = () => target.client.getBlockBlobClient(file.blobName);
  if (sameSizeRemote && context.deep && known === null && vouched === null) {
    known = await md5OfHandle(opened(source).handle, context.signal, state.size);
    await assertUnchanged(opened(source), file, 'uploaded');
  }
  // --deep: a Content-MD5 that matches is only the uploader's word; the bytes decide, and a blob that differs is sent again.
  const inPlace = sameSizeRemote !== undefined && known !== null && known === sameSizeRemote.md5 && (!context.deep || (await bytesMatch(blob(), known, file, context)));
  if (inPlace) {
    finish(context, file, state.size, 'skipped', state.size);
    return;
  }
  const outcome = layout.single
    ? await putSingle(target, source, file, context.deep ? undefined : sameSizeRemote, context, slot)
    : await putBlocks(blob(), opened(source), file, layout, target.journal, context);
  finish(context, file, state.size, outcome, outcome === 'skipped' ? state.size : 0);
}

/** The open file behind a source: a file read whole (small, never --deep) never needs one. */
function opened(source: SourceFile | WholeFile): SourceFile {
  if ('handle' in source) return source;
  throw new KxpError('INTERNAL', 'A file read whole was sent down the path of an open file.');
}

function finish(context: FileContext, file: PayloadFile, size: number, outcome: FileOutcome, foundBytes: number): void {
  context.accounting.fileDone(outcome, foundBytes);
  context.emit({ type: 'file-done', blobName: file.blobName, path: file.displayPath, size, outcome });
  context.progress();
}

/** A file that fits one block: one Put Blob with transactional and stored MD5. `held`: the slot a whole file is already in. */
async function putSingle(target: ContainerTarget, source: SourceFile | WholeFile, file: PayloadFile, remote: RemoteBlob | undefined, context: FileContext, held?: Slot): Promise<FileOutcome> {
  const { state } = source;
  const { journal } = target;
  const slot = held ?? (await context.slots.acquire(state.size, context.signal));
  try {
    // The MD5 and the body come from the same bytes, so the blob is always one consistent version of the file;
    // and those bytes are the version the journal will name: a write while reading is caught as for large files.
    const body = 'bytes' in source ? source.bytes : await readChecked(source, slot.buffer, file);
    const md5 = hash('md5', body, 'buffer');
    const md5Text = md5.toString('base64');
    if (remote && remote.md5 === md5Text) {
      journal.record('hash', file.blobName, state, md5Text);
      return 'skipped';
    }
    const contentType = contentTypeOf(file.blobName);
    const writer = blobWriterFor(target.client);
    await paced(
      (signal) => (writer ? writer.putBlob({ blobName: file.blobName, body, md5, contentType, signal }) : sdkPutBlob(target, file.blobName, body, md5, contentType, signal)),
      fileRequest(context, file, body.length),
    );
    context.accounting.sent(body.length);
    journal.record('committed', file.blobName, state, md5Text);
    return 'uploaded';
  } finally {
    if (!held) slot.release();
  }
}

/** Reads an open small file whole, then checks it is still the version it was when opened. */
async function readChecked(source: SourceFile, buffer: Buffer, file: PayloadFile): Promise<Buffer> {
  const body = await readExactly(source.handle, buffer, 0, source.state.size, file);
  await assertUnchanged(source, file, 'uploaded');
  return body;
}

/** Put Blob through the SDK, for a client that put-blob.ts cannot send beside (not made by createPooledContainerClient). */
async function sdkPutBlob(target: ContainerTarget, blobName: string, body: Buffer, md5: Buffer, contentType: string, signal: AbortSignal): Promise<void> {
  // transactionalContentMD5 is read by the SDK's upload() at run time but missing from its option type.
  const options: BlockBlobUploadOptions & { transactionalContentMD5: Uint8Array } = { blobHTTPHeaders: { blobContentType: contentType, blobContentMD5: md5 }, transactionalContentMD5: md5, abortSignal: signal };
  await target.client.getBlockBlobClient(blobName).upload(body, body.length, options);
}

/**
 * A large file: Put Block for every block the service lacks, then Put Block List with the whole-file MD5.
 * With `run`, only that run of blocks is staged and nothing is committed (a shard's part of a split file).
 */
async function putBlocks(blob: BlockBlobClient, source: SourceFile, file: PayloadFile, layout: BlockLayout, journal: Journal, context: FileContext, run?: BlockRun): Promise<FileOutcome> {
  const { handle, state } = source;
  const held = await blocksHeld(blob, file, layout, context);
  const hasher = context.hasher();
  const fileKey = ++fileKeys;
  const ids: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let fileBytesDone = 0;
  const fileProgress = (bytes: number) => {
    fileBytesDone += bytes;
    context.emit({ type: 'file-progress', blobName: file.blobName, bytesDone: fileBytesDone, size: state.size });
    context.progress();
  };
  try {
    // Reading stays sequential (one pass over the file); hashing and sending overlap with it.
    const end = run ? Math.min(layout.blockCount, run.first + run.count) : layout.blockCount;
    for (let index = run?.first ?? 0; index < end && failure === undefined; index++) {
      const offset = index * layout.blockSize;
      const length = Math.min(layout.blockSize, state.size - offset);
      const slot = await context.slots.acquire(length, context.signal);
      let chunk: Buffer;
      try {
        chunk = await readExactly(handle, slot.buffer, offset, length, file);
      } catch (error) {
        slot.release();
        throw error;
      }
      const work = hasher
        .block(fileKey, slot.buffer, length)
        .then(async (md5) => {
          const id = held.scheme.id(index, md5);
          ids[index] = id;
          if (held.sizes.get(id) === length) {
            context.accounting.found(length);
            fileProgress(length);
            return;
          }
          await paced((signal) => blob.stageBlock(id, chunk, length, { transactionalContentMD5: md5, abortSignal: signal }), fileRequest(context, file, length));
          context.accounting.sent(length);
          fileProgress(length);
        })
        .catch((error: unknown) => {
          failure ??= error;
        })
        .finally(() => {
          slot.release();
          inFlight.delete(work);
        });
      inFlight.add(work);
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
  } catch (error) {
    hasher.drop(fileKey);
    throw error;
  } finally {
    await Promise.allSettled(inFlight);
  }
  if (run) {
    // The running MD5 of a part of a file means nothing; `finishSplit` commits the blocks every shard staged.
    hasher.drop(fileKey);
    await assertUnchanged(source, file, 'uploaded');
    return 'uploaded';
  }
  const md5 = await hasher.finish(fileKey);
  // What is committed must be one version of the file.
  await assertUnchanged(source, file, 'uploaded');
  await withSlot(context, () =>
    paced(
      (signal) => blob.commitBlockList(ids, { blobHTTPHeaders: { blobContentType: contentTypeOf(file.blobName), blobContentMD5: md5 }, abortSignal: signal }),
      fileRequest(context, file, 0),
    ),
  );
  await journal.recordDurably('committed', file.blobName, state, md5.toString('base64'));
  return 'uploaded';
}

/** The blocks this blob may reuse (id → size), and the IDs to stage the others under. */
interface HeldBlocks {
  scheme: BlockIdScheme;
  sizes: Map<string, number>;
}

/**
 * The blocks the service already holds for this blob, committed or not. Blocks another tool left uncommitted
 * are never cleared (that would mean committing over the blob that is there): our IDs take their length,
 * which the service requires, and our Put Block List later discards them.
 */
async function blocksHeld(blob: BlockBlobClient, file: PayloadFile, layout: BlockLayout, context: FileContext): Promise<HeldBlocks> {
  let list;
  try {
    list = await withSlot(context, () => paced((signal) => blob.getBlockList('all', { abortSignal: signal }), fileRequest(context, file, 0)));
  } catch (error) {
    if (error instanceof KxpError && statusOf(error) === 404) return { scheme: blockIdScheme(), sizes: new Map() };
    throw error;
  }
  const foreign = (list.uncommittedBlocks ?? []).find((block) => decodedIdLength(block.name) !== BLOCK_ID_BYTES);
  const scheme = blockIdScheme(foreign ? decodedIdLength(foreign.name) : BLOCK_ID_BYTES);
  if (layout.blockCount > scheme.capacity) {
    throw new KxpError('TRANSFER_FAILED', `Another tool left uncommitted blocks with ${scheme.bytes}-byte IDs on this blob, too short to name ${layout.blockCount} blocks; nothing was changed.`, {
      path: file.displayPath,
      hint: 'Let that tool finish or delete the blob yourself (the service also discards uncommitted blocks after 7 days), then run again.',
    });
  }
  if (!scheme.resumable) return { scheme, sizes: new Map() };
  const blocks = [...(list.committedBlocks ?? []), ...(list.uncommittedBlocks ?? [])];
  return { scheme, sizes: new Map(blocks.filter((block) => decodedIdLength(block.name) === scheme.bytes).map((block) => [block.name, block.size])) };
}

/** Whether the blob's bytes hash to `md5` (one download, holding a slot like any request). */
async function bytesMatch(blob: BlockBlobClient, md5: string, file: PayloadFile, context: FileContext): Promise<boolean> {
  // Sized like a request of the file's bytes, so its timeout allows the download.
  return (await withSlot(context, () => paced((signal) => md5OfBlobBytes(blob, signal), requestOptions(context, file, { bytes: file.size })))) === md5;
}

/** A request without a body still counts against the concurrency (and gets a connection of its own). */
export async function withSlot<T>(context: FileContext, request: () => Promise<T>): Promise<T> {
  const slot = await context.slots.acquire(0, context.signal);
  try {
    return await request();
  } finally {
    slot.release();
  }
}

/** A request for a file: sized for its timeout, and watched by the adaptive controller. */
function fileRequest(context: FileContext, file: PayloadFile, bytes: number): PaceOptions {
  return requestOptions(context, file, { bytes, onAttempt: context.observe });
}

async function readExactly(handle: FileHandle, buffer: Buffer, position: number, length: number, file: PayloadFile): Promise<Buffer> {
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) throw changedWhile(file, 'uploaded');
    filled += bytesRead;
  }
  return buffer.subarray(0, length);
}

export function contentTypeOf(blobName: string): string {
  return mime.lookup(blobName) || 'application/octet-stream';
}
