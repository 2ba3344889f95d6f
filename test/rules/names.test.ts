import { describe, expect, it } from 'vitest';
import { blobNameProblem, containerNameProblem, hasUppercase, segmentProblem } from '../../src/rules/names.js';

describe('container names', () => {
  it.each(['default', 'abc', 'a-1-b', 'x'.repeat(63), '0ab'])('accepts %s', (name) => {
    expect(containerNameProblem(name)).toBeNull();
  });
  it.each([
    ['ab', 'characters long'],
    ['x'.repeat(64), 'characters long'],
    ['Default', 'lowercase letters'],
    ['my_assets', 'lowercase letters'],
    ['-abc', 'start and end'],
    ['abc-', 'start and end'],
    ['a--b', '"--"'],
  ])('rejects %s', (name, reason) => {
    expect(containerNameProblem(name)).toContain(reason);
  });
});

describe('blob names', () => {
  it('accepts ordinary nested names', () => {
    expect(blobNameProblem('default/assets/a b/ünïcode-файл.png')).toBeNull();
  });
  it.each([
    ['default/' + 'a'.repeat(1020), 'characters long'],
    ['default/a\\b.txt', 'backslash'],
    ['default/a\u0001b.txt', 'control character'],
    ['default/./b.txt', '"." segment'],
    ['default/../b.txt', '".." segment'],
    ['default/name.', 'ends with "."'],
    ['default/folder./b', 'ends with "."'],
    ['default/', 'ends with "/"'],
    ['default//b', 'empty path segment'],
    ['default/' + 'a/'.repeat(254) + 'b', 'path segments'],
  ])('rejects %j', (name, reason) => {
    expect(blobNameProblem(name)).toContain(reason);
  });
  it('flags undecodable names', () => {
    expect(segmentProblem('bad\ufffdname')).toContain('UTF-8');
  });
  it('detects uppercase', () => {
    expect(hasUppercase('Ab')).toBe(true);
    expect(hasUppercase('ab-1')).toBe(false);
    expect(hasUppercase('É')).toBe(true);
  });
});

describe('Unicode: lowercase mapping and collision key', () => {
  it('lowercases code point by code point with the simple mapping', async () => {
    const { lowercaseName } = await import('../../src/rules/names.js');
    expect(lowercaseName('ΟΔΟΣ')).toBe('οδοσ');
    expect(lowercaseName('İstanbul')).toBe('istanbul');
    expect(lowercaseName('İ').length).toBe(1);
    expect(lowercaseName('Default/A.PNG')).toBe('default/a.png');
  });

  it('gives names that are one name one key: NFC/NFD, final sigma, dotless i, sharp s, micro sign', async () => {
    const { collisionKey, isNfc } = await import('../../src/rules/names.js');
    const pairs: Array<[string, string]> = [
      ['caf\u00e9.jpg', 'cafe\u0301.jpg'],
      ['ΟΔΟΣ-1.jpg', 'οδοσ-1.jpg'],
      ['οδος', 'οδοσ'],
      ['ıcon.png', 'Icon.png'],
      ['ẞ', 'ß'],
      ['µ', 'μ'],
      ['A.png', 'a.png'],
    ];
    for (const [a, b] of pairs) expect(collisionKey(a)).toBe(collisionKey(b));
    expect(collisionKey('a.png')).not.toBe(collisionKey('b.png'));
    expect(isNfc('cafe\u0301')).toBe(false);
    expect(isNfc('caf\u00e9')).toBe(true);
  });
});
