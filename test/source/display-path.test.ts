import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { displayPath } from '../../src/source/local-entry.js';

describe('displayPath', () => {
  // POSIX spellings; on Windows the same code runs with its own separator.
  it.skipIf(path.sep !== '/')('shows a path below the working directory relative to it, and anything else whole, whatever the spelling', () => {
    const cwd = '/work/site';
    const shown = (absolute: string, from = cwd) => displayPath(from, absolute);
    expect(shown('/work/site/storage/default/a.txt')).toBe('storage/default/a.txt');
    expect(shown('/work/site')).toBe('.');
    expect(shown('/work/sites/a.txt')).toBe('/work/sites/a.txt');
    expect(shown('/elsewhere/a.txt')).toBe('/elsewhere/a.txt');
    // Spellings the quick path must leave to path.relative.
    expect(shown('/work/site/storage/../db.bacpac')).toBe('db.bacpac');
    expect(shown('/work/site/./storage//a.txt')).toBe('storage/a.txt');
    expect(shown('/work/site/storage/')).toBe('storage');
    expect(shown('/work/site/a.txt', '/work/./site')).toBe('a.txt');
    expect(shown('/work/site/a.txt', '/work/site/')).toBe('a.txt');
    // A name that starts with two dots is shown as before (whole).
    expect(shown('/work/site/...')).toBe('/work/site/...');
    expect(shown('/work/site/.hidden/a..b')).toBe('.hidden/a..b');
  });
});
