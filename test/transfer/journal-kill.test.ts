/** Needs dist/ built (`npm test` builds first; alone: `npx tsc -p tsconfig.build.json`): the child runs the built journal. */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Journal, type FileState } from '../../src/transfer/journal.js';
import { repoRoot } from '../support/cli.js';
import { useTempDirs } from '../support/tree.js';

const md5 = (i: number) => createHash('md5').update(String(i)).digest('base64');
const stateOf = (i: number): FileState => ({ path: `/data/f${i}`, size: i, dev: 66n, ino: BigInt(i), mtimeNs: 1_000_000n, ctimeNs: 1_000_000n, seenAtMs: 1_000_000 });

// Appends records forever, 200 at a time delayed and then one durably; after each durable one it prints
// how many records are on disk for sure.
const CHILD = `
import { createHash } from 'node:crypto';
const { Journal } = await import(process.argv[2]);
const journal = await Journal.open(process.argv[3], 'acct/files', { racyWindowMs: 0 });
const md5 = (i) => createHash('md5').update(String(i)).digest('base64');
const stateOf = (i) => ({ path: '/data/f' + i, size: i, dev: 66n, ino: BigInt(i), mtimeNs: 1000000n, ctimeNs: 1000000n, seenAtMs: 1000000 });
for (let i = 0; ; i++) {
  if (i % 201 === 200) {
    await journal.recordDurably('committed', 'default/f' + i, stateOf(i), md5(i));
    process.stdout.write('durable ' + (i + 1) + '\\n');
  } else {
    journal.record('committed', 'default/f' + i, stateOf(i), md5(i));
  }
}
`;

describe('journal killed with SIGKILL while appending', () => {
  const tempDir = useTempDirs();

  it('keeps every record written durably before the kill, reopens, and appends after the torn tail', async () => {
    const dir = await tempDir();
    const script = path.join(dir, 'child.mjs');
    await writeFile(script, CHILD);
    const journalModule = pathToFileURL(path.join(repoRoot, 'dist', 'transfer', 'journal.js')).href;
    const child = spawn(process.execPath, [script, journalModule, path.join(dir, 'state')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // Kill once 20,000 records are durable, wherever the child is then (most likely inside a write or an fsync).
    const durable = await new Promise<number>((resolve, reject) => {
      let seen = 0;
      let buffered = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        buffered += chunk;
        for (const match of buffered.matchAll(/durable (\d+)\n/g)) seen = Number(match[1]);
        buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
        if (seen >= 20_000) {
          child.kill('SIGKILL');
          resolve(seen);
        }
      });
      child.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`child ended (${code ?? signal}) before the kill: ${stderr}`));
      });
    });
    await new Promise((resolve) => child.once('close', resolve));
    expect(child.signalCode).toBe('SIGKILL');

    const reopened = await Journal.open(path.join(dir, 'state'), 'acct/files', { racyWindowMs: 0 });
    for (let i = 0; i < durable; i++) expect(reopened.sameMd5(`default/f${i}`, stateOf(i), md5(i))).toBe(true);
    await reopened.recordDurably('committed', 'default/after', stateOf(-1), md5(-1));
    await reopened.close();
    const again = await Journal.open(path.join(dir, 'state'), 'acct/files', { racyWindowMs: 0 });
    expect(again.sameMd5('default/after', stateOf(-1), md5(-1))).toBe(true);
    expect(again.sameMd5(`default/f${durable - 1}`, stateOf(durable - 1), md5(durable - 1))).toBe(true);
    await again.close();
  });
});
