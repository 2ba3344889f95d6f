import { describe, expect, it } from 'vitest';
import { KxpError } from '../../src/errors.js';
import { error } from '../../src/rules/finding.js';
import { formatError } from '../../src/report/errors.js';
import { renderFindings } from '../../src/report/findings.js';

const LONG = 'No db.bacpac: the payload has storage files only. The restore replaces the environment\'s database with the db.bacpac of the database container, so without one it fails (1234567890).';

/** The words of a text, whatever its line breaks and indents. */
const words = (text: string) => text.split(/\s+/).filter(Boolean);

describe('findings and errors on a terminal of a given width', () => {
  it('a finding message is broken at spaces under its indent, never inside a word or number; without a width it stays one line', () => {
    const finding = error('MISSING_PART', 'migration', LONG);
    const wrapped = renderFindings([finding], [], [], 80).split('\n');
    expect(wrapped[0]).toBe('  error   MISSING_PART  migration');
    for (const line of wrapped.slice(1)) {
      expect(line.length).toBeLessThanOrEqual(79);
      expect(line.startsWith('          ') && !line.startsWith('           ')).toBe(true);
    }
    expect(wrapped.length).toBeGreaterThan(2);
    expect(words(wrapped.slice(1).join(' '))).toEqual(words(LONG));
    expect(renderFindings([finding], [])).toBe(`  error   MISSING_PART  migration\n          ${LONG}`);
  });

  it('an error keeps its "fix:" indent, breaks message and fix at spaces, and never breaks its path', () => {
    const path = '/a/very/long/path/that/is/longer/than/the/terminal/is/wide/because/it/goes/on/and/on/db.bacpac';
    const thrown = new KxpError('VALIDATION_FAILED', LONG, { path, hint: `Fix them (see the list above, or run \`kxp-restore plan\`) and run again; ${LONG}` });
    const lines = formatError(thrown, 60).trimEnd().split('\n');
    expect(lines).toContain(`  path: ${path}`);
    const fix = lines.findIndex((line) => line.startsWith('  fix:  '));
    expect(fix).toBeGreaterThan(0);
    for (const line of lines.filter((line) => !line.startsWith('  path: '))) expect(line.length).toBeLessThanOrEqual(59);
    for (const line of lines.slice(fix + 1)) expect(line.startsWith('        ')).toBe(true);
    expect(formatError(thrown).split('\n')[0]).toBe(`error [VALIDATION_FAILED]: ${LONG}`);
  });
});
