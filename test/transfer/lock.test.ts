import { readFile, readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, journalLockFile, lockJournal, type LockOwner } from '../../src/transfer/lock.js';
import { deadPid } from '../support/dead-pid.js';
import { useTempDirs } from '../support/tree.js';

describe('run lock (one writer per journal)', () => {
  const tempDir = useTempDirs();

  it('is exclusive: a second taker gets LOCKED naming pid, host and start time; after release it is free again', async () => {
    const stateDir = await tempDir();
    const first = await lockJournal(stateDir, 'acct/files');
    expect(JSON.parse(await readFile(first.file, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname(), startedAt: first.owner.startedAt });
    const refused = await lockJournal(stateDir, 'acct/files').catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'LOCKED', exitCode: 2, path: first.file });
    expect((refused as Error).message).toContain(`process ${process.pid} on ${hostname()}, started ${first.owner.startedAt}`);
    // Another container's journal is another lock.
    const other = await lockJournal(stateDir, 'acct/db');
    await other.release();
    await first.release();
    await first.release(); // twice is harmless
    const again = await lockJournal(stateDir, 'acct/files');
    await again.release();
    expect(await readdir(stateDir)).toEqual([]);
  });

  it('takes over a lock left by a process that is gone (same host, pid not running), and says so', async () => {
    const stateDir = await tempDir();
    const file = journalLockFile(stateDir, 'acct/files');
    const stale: LockOwner = { pid: await deadPid(), host: hostname(), startedAt: '2026-01-02T03:04:05.000Z', token: 'feedfeedfeedfeed' };
    await writeFile(file, JSON.stringify(stale));
    const notes: LockOwner[] = [];
    const lock = await lockJournal(stateDir, 'acct/files', { onTakeOver: (owner) => notes.push(owner) });
    expect(notes).toEqual([stale]);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ pid: process.pid, token: lock.owner.token });
    await lock.release();
    expect(await readdir(stateDir)).toEqual([]);
  });

  it('never takes over a lock of a live process, nor one from another host it cannot check', async () => {
    const stateDir = await tempDir();
    const file = path.join(stateDir, 'x.lock');
    const elsewhere: LockOwner = { pid: await deadPid(), host: `not-${hostname()}`, startedAt: '2026-01-02T03:04:05.000Z', token: 'aaaaaaaaaaaaaaaa' };
    await writeFile(file, JSON.stringify(elsewhere));
    await expect(acquireLock(file)).rejects.toMatchObject({ code: 'LOCKED', hint: expect.stringContaining(`delete ${file}`) });
    const live: LockOwner = { pid: process.ppid, host: hostname(), startedAt: '2026-01-02T03:04:05.000Z', token: 'bbbbbbbbbbbbbbbb' };
    await writeFile(file, JSON.stringify(live));
    await expect(acquireLock(file)).rejects.toMatchObject({ code: 'LOCKED' });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(live);
  });

  it('release leaves alone a lock that is no longer its own', async () => {
    const stateDir = await tempDir();
    const file = path.join(stateDir, 'x.lock');
    const lock = await acquireLock(file);
    const successor = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), token: 'cccccccccccccccc' };
    await writeFile(file, JSON.stringify(successor));
    await lock.release();
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(successor);
  });
});
