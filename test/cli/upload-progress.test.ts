import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { StorageSharedKeyCredential } from '@azure/storage-blob';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTransferProgress, progressLine, renderBarLine, shortenMiddle } from '../../src/report/progress.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, createContainerSasUrl } from '../../src/azure/azurite.js';
import { KxpError } from '../../src/errors.js';
import type { UploadEvent } from '../../src/operations/upload.js';
import type { ProgressSnapshot } from '../../src/transfer/events.js';
import { useAzurite } from '../support/azurite.js';
import { binPath, repoRoot, runCli, spawnCli } from '../support/cli.js';
import { closedPort } from '../support/net.js';
import { runInPty, screenLines } from '../support/pty.js';
import { useTempDirs, writeTree } from '../support/tree.js';

const MiB = 1024 * 1024;
const snapshot = (done: number): ProgressSnapshot => ({
  filesTotal: 10, filesUploaded: 3, filesSkipped: 1, filesFailed: 0, bytesTotal: 40 * MiB, bytesDone: done, bytesSent: done, rate: 4 * MiB, etaSeconds: (40 * MiB - done) / (4 * MiB), elapsedMs: 3000,
});

function capture(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 120 });
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

describe('upload progress rendering', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('formats one line with bytes, percent, files, rate, ETA and retries', () => {
    expect(progressLine(snapshot(12 * MiB), 2)).toBe('12.0 MiB of 40.0 MiB (30%) · 4/10 files · 4.00 MiB/s · ETA 7 s · 2 retries');
  });

  it('off a terminal, prints a plain line every interval and nothing after stop', () => {
    vi.useFakeTimers();
    const out = capture(false);
    const view = createTransferProgress(out.stream, { intervalMs: 5000 });
    view.handle({ type: 'transfer-start', files: 10, bytes: 40 * MiB });
    view.handle({ type: 'progress', progress: snapshot(8 * MiB) });
    view.handle({ type: 'retry', blobName: 'db.bacpac', attempt: 1, delayMs: 1500, reason: 'ECONNRESET' });
    vi.advanceTimersByTime(5000);
    view.handle({ type: 'progress', progress: snapshot(20 * MiB) });
    view.handle({ type: 'concurrency', old: 8, new: 16, reason: 'throughput-rising' });
    view.handle({ type: 'concurrency', old: 16, new: 32, reason: 'throughput-rising' });
    vi.advanceTimersByTime(5000);
    view.handle({ type: 'concurrency', old: 32, new: 22, reason: 'throttled' });
    vi.advanceTimersByTime(5000);
    vi.advanceTimersByTime(5000);
    view.stop();
    vi.advanceTimersByTime(20_000);
    expect(out.text().split('\n').filter(Boolean)).toEqual([
      'Retrying db.bacpac (ECONNRESET) in 1.5 s, attempt 2.',
      '8.00 MiB of 40.0 MiB (20%) · 4/10 files · 4.00 MiB/s · ETA 8 s · 1 retry',
      // The adaptive concurrency: where it is, and what changed it since the line before.
      '20.0 MiB of 40.0 MiB (50%) · 4/10 files · 4.00 MiB/s · ETA 5 s · 1 retry · 32 in flight (was 8: throughput rising)',
      '20.0 MiB of 40.0 MiB (50%) · 4/10 files · 4.00 MiB/s · ETA 5 s · 1 retry · 22 in flight (was 32: service busy)',
      '20.0 MiB of 40.0 MiB (50%) · 4/10 files · 4.00 MiB/s · ETA 5 s · 1 retry · 22 in flight',
    ]);
  });

  it('on a terminal, draws a bar for the run and one per large file in flight', () => {
    const out = capture(true);
    const view = createTransferProgress(out.stream);
    view.handle({ type: 'transfer-start', files: 2, bytes: 40 * MiB });
    view.handle({ type: 'file-start', blobName: 'db.bacpac', path: 'migration/db.bacpac', size: 32 * MiB, blocks: 4 });
    view.handle({ type: 'file-start', blobName: 'default/a.txt', path: 'a.txt', size: 10, blocks: 1 });
    view.handle({ type: 'file-progress', blobName: 'db.bacpac', bytesDone: 16 * MiB, size: 32 * MiB });
    view.handle({ type: 'progress', progress: snapshot(16 * MiB) });
    view.stop();
    expect(out.text()).toContain('db.bacpac 16.0 MiB of 32.0 MiB');
    expect(out.text()).toContain('total 16.0 MiB of 40.0 MiB (40%)');
    expect(out.text()).not.toContain('default/a.txt');
  });

  it('fits the total line to 80 columns: the bar goes first, then words; percent, files, rate and ETA stay', () => {
    const GiB = 1024 * MiB;
    const big: ProgressSnapshot = {
      filesTotal: 1_234_567, filesUploaded: 123_456, filesSkipped: 0, filesFailed: 12, bytesTotal: 456 * GiB, bytesDone: 123 * GiB, bytesSent: 123 * GiB, rate: 112 * MiB, etaSeconds: 5025, elapsedMs: 0,
    };
    for (const columns of [200, 120, 80]) {
      const line = renderBarLine(0.27, { kind: 'total', progress: big, retries: 3 }, columns);
      expect(Array.from(line).length, `${columns} columns: ${line}`).toBeLessThan(columns);
      for (const number of ['26%', '123,468/1,234,567', '112 MiB/s', 'ETA 1 h 23 min', '12 failed', '3 retries']) expect(line, `${columns} columns`).toContain(number);
    }
    expect(renderBarLine(0.27, { kind: 'total', progress: big, retries: 3 }, 200)).toMatch(/^█+░+ total 123 GiB of 456 GiB/);
    expect(renderBarLine(0.27, { kind: 'total', progress: big, retries: 3 }, 80)).not.toContain('█');
  });

  it('shortens a long file name in the middle so its line fits', () => {
    const name = 'default/assets/very-long-folder-name-for-product-photos/2024/summer-collection/IMG_0001-final-final.jpg';
    const line = renderBarLine(0.5, { kind: 'file', name, bytesDone: 16 * MiB, size: 32 * MiB }, 80);
    expect(Array.from(line).length).toBeLessThan(80);
    expect(line).toMatch(/^█+░+ default\/assets\/very-.*….*0001-final-final\.jpg 16\.0 MiB of 32\.0 MiB$/);
    expect(shortenMiddle('abcdefghij', 5)).toBe('ab…ij');
    expect(shortenMiddle('short', 10)).toBe('short');
  });

  it('with --no-progress still writes retry, listing and failure notices; --quiet writes nothing', () => {
    let clock = 0;
    const events: UploadEvent[] = [
      { type: 'transfer-start', files: 2, bytes: 10 },
      { type: 'listing-retry', container: 'devstoreaccount1/files', attempt: 1, delayMs: 2000, reason: 'ECONNREFUSED' },
      { type: 'retry', blobName: 'default/a.txt', attempt: 1, delayMs: 500, reason: 'ECONNRESET' },
      { type: 'retry', blobName: 'default/b.txt', attempt: 1, delayMs: 500, reason: 'ECONNRESET' },
      { type: 'retry', blobName: 'default/c.txt', attempt: 1, delayMs: 500, reason: 'ECONNRESET' },
      { type: 'file-done', blobName: 'default/a.txt', path: 'a.txt', size: 5, outcome: 'failed', error: new KxpError('TRANSFER_FAILED', 'gave up after 10 attempts') },
      { type: 'progress', progress: snapshot(5) },
    ];
    const notices = capture(false);
    const view = createTransferProgress(notices.stream, { progress: false, now: () => clock });
    for (const event of events.slice(0, 4)) view.handle(event);
    clock = 5000;
    for (const event of events.slice(4)) view.handle(event);
    view.stop();
    expect(notices.text().split('\n').filter(Boolean)).toEqual([
      'Cannot list devstoreaccount1/files yet (ECONNREFUSED); trying again in 2 s (attempt 2).',
      'Retrying default/a.txt (ECONNRESET) in 0.5 s, attempt 2.',
      'Retrying default/c.txt (ECONNRESET) in 0.5 s, attempt 2; 1 other request retried since the last notice.',
      'failed default/a.txt: gave up after 10 attempts',
    ]);
    const quiet = capture(false);
    const silent = createTransferProgress(quiet.stream, { progress: false, quiet: true });
    for (const event of events) silent.handle(event);
    silent.stop();
    expect(quiet.text()).toBe('');
  });
});

describe('upload progress in a real terminal of 80 columns', () => {
  const remote = useAzurite();
  const tempDir = useTempDirs();

  it('draws bars and notices that fit: a long name shortened in the middle, the total with every number', async () => {
    // The renderer from dist/, fed the events of a run, on the stderr of a real pseudo-terminal.
    const script = `
      const { createTransferProgress } = await import(${JSON.stringify(path.join(repoRoot, 'dist/report/progress.js'))});
      const MiB = 1024 * 1024;
      const name = 'default/assets/very-long-folder-name-for-product-photos/2024/summer-collection/IMG_0001-final.jpg';
      const view = createTransferProgress(process.stderr);
      view.handle({ type: 'transfer-start', files: 123456, bytes: 400 * 1024 * MiB });
      view.handle({ type: 'file-start', blobName: name, path: name, size: 64 * MiB, blocks: 8 });
      view.handle({ type: 'file-progress', blobName: name, bytesDone: 24 * MiB, size: 64 * MiB });
      view.handle({ type: 'listing-retry', container: 'devstoreaccount1/files', attempt: 1, delayMs: 2000, reason: 'ECONNRESET' });
      view.handle({ type: 'progress', progress: { filesTotal: 123456, filesUploaded: 23456, filesSkipped: 0, filesFailed: 0, bytesTotal: 400 * 1024 * MiB, bytesDone: 100 * 1024 * MiB, bytesSent: 100 * 1024 * MiB, rate: 95 * MiB, etaSeconds: 3300, elapsedMs: 1000 } });
      view.stop();
    `;
    const run = runInPty([process.execPath, '--input-type=module', '-e', script], { columns: 80 });
    const { exitCode, output } = await run.done;
    expect(exitCode, output).toBe(0);
    const lines = screenLines(output);
    // Bars are redrawn in place, so they must fit; a notice is a plain line and may wrap like any text.
    for (const line of lines.filter((text) => /[█░]|\d% · /.test(text))) expect(Array.from(line).length, line).toBeLessThanOrEqual(80);
    expect(lines.some((line) => /default\/assets\/very-.*….*0001-final\.jpg 24\.0 MiB of 64\.0 MiB/.test(line)), output).toBe(true);
    expect(lines.some((line) => /25% · 23,456\/123,456 files · 95\.0 MiB\/s · ETA 55 min/.test(line)), output).toBe(true);
    expect(lines.some((line) => line.includes('Cannot list devstoreaccount1/files yet (ECONNRESET)'))).toBe(true);
  });

  it('wraps a notice longer than the terminal at spaces: the bars turn line wrapping off, so it would be cut mid-number', async () => {
    const reason = 'HTTP 503 ServerBusy: The server is busy (operation 1234567890 retried; 98765 ms elapsed, 4321 requests waiting)';
    const script = `
      const { createTransferProgress } = await import(${JSON.stringify(path.join(repoRoot, 'dist/report/progress.js'))});
      const view = createTransferProgress(process.stderr);
      view.handle({ type: 'transfer-start', files: 10, bytes: 1024 });
      view.handle({ type: 'listing-retry', container: 'devstoreaccount1/files', attempt: 1, delayMs: 2000, reason: ${JSON.stringify(reason)} });
      view.stop();
    `;
    const run = runInPty([process.execPath, '--input-type=module', '-e', script], { columns: 80 });
    const { exitCode, output } = await run.done;
    expect(exitCode, output).toBe(0);
    // Line wrapping is off while the bars run (ESC [?7l): every line written must fit on its own.
    expect(output).toContain('\x1b[?7l');
    const notice = screenLines(output).filter((line) => !/[█░]/.test(line) && !/\d% · /.test(line));
    for (const line of notice) expect(Array.from(line).length, line).toBeLessThanOrEqual(80);
    const words = notice.join(' ').split(/\s+/);
    for (const number of ['1234567890', '98765', '4321']) expect(words.some((word) => word.includes(number)), notice.join('\n')).toBe(true);
  });

  it('an upload run in it ends with a total line of 80 columns or less', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'alpha', 'storage/default/sub/b.bin': randomBytes(300_000) });
    const url = await remote.containerSasUrl('pty-upload');
    const run = runInPty([process.execPath, binPath, 'upload', dir, '--storage-only', '--block-size', '0.0625'], { columns: 80, env: { KXP_STORAGE_SAS_URL: url } });
    const { exitCode, output } = await run.done;
    expect(exitCode, output).toBe(0);
    // Bars are redrawn in place, so they must fit; plain lines (the destinations) may wrap like any text.
    const bars = screenLines(output).filter((line) => /[█░]|\d%\)? · /.test(line));
    expect(bars.length).toBeGreaterThan(0);
    for (const line of bars) expect(Array.from(line).length, line).toBeLessThanOrEqual(80);
    expect(bars.some((line) => /100%\)? · 2\/2 files · .+\/s · ETA 0(\.0)? s/.test(line)), output).toBe(true);
  });
});

describe('upload notices with --no-progress', () => {
  const remote = useAzurite();
  const tempDir = useTempDirs();

  it('a SAS URL to a closed port is not silent: the listing retries are on stderr; Ctrl-C then says how to resume', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'alpha' });
    const account = { blobEndpoint: `http://127.0.0.1:${await closedPort()}/${AZURITE_ACCOUNT}`, credential: new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY) };
    await writeFile(path.join(dir, 'files.url'), createContainerSasUrl(account, 'closed'));
    const run = spawnCli(['upload', dir, '--storage-only', '--storage-sas-url-file', path.join(dir, 'files.url'), '--no-progress']);
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (run.stderr.includes('Cannot list')) resolve();
      };
      run.child.stderr.on('data', check);
      run.child.once('error', reject);
      run.child.once('exit', () => reject(new Error(`exited before any notice: ${run.stderr}`)));
    });
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.stderr).toMatch(new RegExp(`Cannot list ${AZURITE_ACCOUNT}/closed yet \\(.+\\); trying again in .+ \\(attempt 2\\)\\.`));
    expect(result.exitCode).toBe(3);
  });

  it('--quiet leaves out the plan\'s warnings that are shown otherwise', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'alpha' });
    // An empty folder is a warning (EMPTY_FOLDER); the payload is sent anyway.
    await mkdir(path.join(dir, 'storage/default/empty'));
    const loud = await runCli(['upload', dir, '--storage-only', '--no-progress'], { env: { KXP_STORAGE_SAS_URL: await remote.containerSasUrl('loud') } });
    const quiet = await runCli(['upload', dir, '--storage-only', '--no-progress', '--quiet'], { env: { KXP_STORAGE_SAS_URL: await remote.containerSasUrl('quiet') } });
    expect(loud.exitCode).toBe(0);
    expect(quiet.exitCode).toBe(0);
    expect(loud.stderr).toContain('EMPTY_FOLDER');
    expect(quiet.stderr).not.toContain('EMPTY_FOLDER');
  });
});
