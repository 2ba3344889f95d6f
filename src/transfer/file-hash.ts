/** Whole-file MD5 by streaming the file once (for skip decisions and verify when the journal cannot tell). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export async function md5OfFile(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('md5');
  const stream = createReadStream(file, { highWaterMark: 1024 * 1024, signal });
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('base64');
}
