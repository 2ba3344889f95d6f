import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { RestoreFlowEvent } from '../../src/portal/restore-flow.js';
import type { RestoreInfo } from '../../src/portal/types.js';
import { createRestoreProgress } from '../../src/report/restore.js';

const status = (state: RestoreInfo['state'], step: string): RestoreFlowEvent => ({ type: 'restore-status', restore: { id: 'r1', env: 'qa', state, startedAt: '2026-01-01T00:00:00.000Z', step } });

function capture(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 80 });
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

/** A restore as the emulator reports it: set-up steps, then one status per copied blob, one every 100 ms. */
function restoreOf(blobs: number): Array<[atMs: number, event: RestoreFlowEvent]> {
  const events: Array<[number, RestoreFlowEvent]> = [
    [0, { type: 'restore-started', env: 'qa', restoreId: 'r1' }],
    [0, status('validating', 'checking the uploaded data')],
    [100, status('running', 'starting')],
    [200, status('running', 'replacing the database')],
    [300, status('running', 'deleting the storage containers')],
  ];
  for (let copied = 0; copied <= blobs; copied++) events.push([400 + copied * 100, status('running', `copying storage: ${copied}/${blobs} blobs`)]);
  events.push([500 + blobs * 100, status('succeeded', 'done')]);
  return events;
}

describe('restore progress', () => {
  it('off a terminal, prints a line per step, per 10% and per 5 s, not one per poll', () => {
    let clock = 0;
    const out = capture(false);
    const view = createRestoreProgress(out.stream, { now: () => clock });
    for (const [atMs, event] of restoreOf(500)) {
      clock = atMs;
      view.handle(event);
    }
    view.stop();
    const lines = out.text().split('\n').filter(Boolean);
    const copying = lines.filter((line) => line.includes('copying storage'));
    // 0%, every 10% (50 blobs, 5 s apart here) and nothing else: 11 lines for 501 statuses.
    expect(copying).toEqual(Array.from({ length: 11 }, (_, tenth) => `  running: copying storage: ${tenth * 50}/500 blobs`));
    expect(lines.slice(0, 5)).toEqual([
      'Restore r1 to qa started; qa is unavailable while it runs.',
      '  validating: checking the uploaded data',
      '  running: starting',
      '  running: replacing the database',
      '  running: deleting the storage containers',
    ]);
    expect(lines).toHaveLength(16);
  });

  it('off a terminal, a slow step still gets a line every 5 s', () => {
    let clock = 0;
    const out = capture(false);
    const view = createRestoreProgress(out.stream, { now: () => clock });
    // 1000 blobs, one status a second: 10% is 100 s, so the 5-second rule is what shows it moving.
    for (let copied = 0; copied <= 20; copied++) {
      clock = copied * 1000;
      view.handle(status('running', `copying storage: ${copied}/1000 blobs`));
    }
    expect(out.text().split('\n').filter(Boolean)).toEqual(['0', '5', '10', '15', '20'].map((copied) => `  running: copying storage: ${copied}/1000 blobs`));
  });

  it('on a terminal, updates one line in place and clears it before the next message', () => {
    const out = capture(true);
    const view = createRestoreProgress(out.stream);
    for (const [, event] of restoreOf(30)) view.handle(event);
    view.stop();
    const text = out.text();
    // Every status rewrites the same line: no newline after any of them.
    expect(text.split('\n').filter((line) => line.includes('copying storage'))).toHaveLength(1);
    expect(text).toContain('\r\x1b[2K  running: copying storage: 30/30 blobs');
    expect(text.endsWith('\r\x1b[2K')).toBe(true);
  });
});
