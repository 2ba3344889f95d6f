/**
 * MD5 off the main thread. Every block of a large file is hashed twice (its own MD5 for the request and
 * the block ID, and the running whole-file MD5 for Content-MD5); doing that on the event loop would stall
 * the sockets for ~20 ms per 8 MiB block. One worker thread hashes blocks in the order they are read,
 * straight from the shared block buffers (no copy), while the main thread keeps sending.
 */
import { Worker } from 'node:worker_threads';

// Plain JS evaluated as the worker (works the same from dist/ and from the TypeScript sources under test).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const files = new Map();
parentPort.on('message', (m) => {
  if (m.type === 'block') {
    const view = Buffer.from(m.shared, m.offset, m.length);
    let whole = files.get(m.file);
    if (!whole) files.set(m.file, (whole = createHash('md5')));
    whole.update(view);
    parentPort.postMessage({ seq: m.seq, md5: createHash('md5').update(view).digest() });
  } else if (m.type === 'end') {
    const whole = files.get(m.file) || createHash('md5');
    files.delete(m.file);
    parentPort.postMessage({ seq: m.seq, md5: whole.digest() });
  } else {
    files.delete(m.file);
  }
});
`;

type Pending = { resolve(md5: Buffer): void; reject(error: unknown): void };

export class Md5Worker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private failed: unknown;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.unref();
    this.worker.on('message', (message: { seq: number; md5: Uint8Array }) => {
      const waiter = this.pending.get(message.seq);
      this.pending.delete(message.seq);
      waiter?.resolve(Buffer.from(message.md5));
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`MD5 worker exited with code ${code}`)));
  }

  /** MD5 of `buffer[0, length)`, also fed into the running MD5 of `file`. The buffer must be backed by a SharedArrayBuffer. */
  block(file: number, buffer: Buffer, length: number): Promise<Buffer> {
    return this.send({ type: 'block', file, shared: buffer.buffer, offset: buffer.byteOffset, length });
  }

  /** The whole-file MD5 of everything fed for `file`, in order. */
  finish(file: number): Promise<Buffer> {
    return this.send({ type: 'end', file });
  }

  /** Forgets a file that will not be finished. */
  drop(file: number): void {
    this.worker.postMessage({ type: 'drop', file });
  }

  async close(): Promise<void> {
    this.pending.clear();
    await this.worker.terminate();
  }

  private send(message: Record<string, unknown>): Promise<Buffer> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.worker.postMessage({ ...message, seq });
    });
  }

  private fail(error: unknown): void {
    this.failed ??= error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}
