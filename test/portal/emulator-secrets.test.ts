/** Issue 10 points 4 and 7: the emulator's secrets owner-only, its tokens never quoted, its clock and state bounded. */
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmulatorClock } from '../../src/portal/emulator/clock.js';
import { startPortalEmulator } from '../../src/portal/emulator/start.js';
import { readTokensFile } from '../../src/portal/emulator/tokens.js';
import { HttpPortal } from '../../src/portal/http-portal.js';
import { useTempDirs } from '../support/tree.js';

const DAY = 24 * 60 * 60 * 1000;
const mode = async (target: string) => (await stat(target)).mode & 0o777;

/** A first run that changes the state, so the state file exists. */
async function startAndOpenSession(dataDir: string): Promise<void> {
  const first = await startPortalEmulator({ dataDir, readBacpacVersion: async () => null });
  try {
    await new HttpPortal({ url: first.url, token: first.tokenFor('devops') }).createSession();
  } finally {
    await first.stop();
  }
}

describe('emulator secrets and limits', () => {
  const tempDir = useTempDirs();

  it('makes the token folder, token files and state file owner-only even when they existed readable, and refuses a folder others may write to', async () => {
    const dataDir = await tempDir();
    await startAndOpenSession(dataDir);
    const tokenDir = path.join(dataDir, 'tokens');
    const stateFile = path.join(dataDir, 'portal-state.json');
    await chmod(dataDir, 0o755);
    await chmod(tokenDir, 0o755);
    await chmod(path.join(tokenDir, 'devops.token'), 0o644);
    await chmod(stateFile, 0o644);
    const second = await startPortalEmulator({ dataDir, readBacpacVersion: async () => null });
    try {
      expect(await mode(dataDir)).toBe(0o700);
      expect(await mode(tokenDir)).toBe(0o700);
      expect(await mode(path.join(tokenDir, 'devops.token'))).toBe(0o600);
      expect(await mode(stateFile)).toBe(0o600);
    } finally {
      await second.stop();
    }
    await chmod(tokenDir, 0o777);
    await expect(startPortalEmulator({ dataDir, readBacpacVersion: async () => null })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining(tokenDir) });
    await chmod(tokenDir, 0o700);
    await chmod(dataDir, 0o770);
    await expect(startPortalEmulator({ dataDir, readBacpacVersion: async () => null })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('can be written by other users') });
  });

  it('refuses a loaded state that cannot be valid', async () => {
    const dataDir = await tempDir();
    await startAndOpenSession(dataDir);
    const stateFile = path.join(dataDir, 'portal-state.json');
    const good = JSON.parse(await readFile(stateFile, 'utf8')) as Record<string, unknown>;
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...good, clockOffsetMs: -5 }, /clockOffsetMs is negative/],
      [{ ...good, clockOffsetMs: 1e300 }, /clockOffsetMs is more than/],
      [{ ...good, clockOffsetMs: 'soon' }, /clockOffsetMs is not a finite number/],
      [{ ...good, environments: {} }, /environment qa has no valid version/],
      [{ ...good, session: { id: 's1', createdAt: '2026-01-08T00:00:00Z', uploadUntil: '2026-01-01T00:00:00Z', restoreUntil: '2026-07-01T00:00:00Z' } }, /session ends before it starts/],
    ];
    for (const [state, message] of cases) {
      await writeFile(stateFile, JSON.stringify(state));
      await expect(startPortalEmulator({ dataDir, readBacpacVersion: async () => null })).rejects.toMatchObject({ code: 'UNREADABLE', exitCode: 2, message: expect.stringMatching(message) });
    }
  });

  it('refuses absurd clock moves: negative, not a number, beyond 400 days at once', async () => {
    expect(() => new EmulatorClock(-1)).toThrow(RangeError);
    const clock = new EmulatorClock();
    expect(() => clock.advance(401 * DAY)).toThrow(/at most 400 days/);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    const running = await startPortalEmulator({ readBacpacVersion: async () => null });
    try {
      const admin = new HttpPortal({ url: running.url, token: running.tokenFor('tenant-administrator') });
      for (const ms of [-1, 401 * DAY, Number.POSITIVE_INFINITY]) {
        await expect(admin.advanceClock(ms)).rejects.toMatchObject({ code: 'USAGE' });
      }
      const before = running.emulator.clock.now().getTime();
      await admin.advanceClock(400 * DAY);
      expect(running.emulator.clock.now().getTime() - before).toBeGreaterThanOrEqual(400 * DAY);
    } finally {
      await running.stop();
    }
  });

  it('never quotes a tokens file that is not JSON (a plain token given by mistake)', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'devops.token');
    await mkdir(dir, { recursive: true });
    await writeFile(file, 'kxp-emu-devops-SECRETSECRETSECRET\n');
    const refused = readTokensFile(file);
    await expect(refused).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('is not JSON') });
    const text = await refused.catch((error: Error & { hint?: string }) => `${error.message} ${error.hint}`);
    expect(text).not.toMatch(/kxp-emu|SECRET/);
  });
});
