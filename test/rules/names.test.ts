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
  // Names are built from code points so the test reads the same in any editor.
  const cyrillicIe = String.fromCodePoint(0x435);
  it('names each character it may not hold: an ASCII one as itself, a space as a space', () => {
    expect(containerNameProblem('my_assets')).toContain("not '_'");
    expect(containerNameProblem('my assets')).toContain("not ' ' (a space)");
    expect(containerNameProblem('a.b_c d!e')).toMatch(/not '\.', '_', ' ' \(a space\) and 1 more$/);
  });
  it('names a lookalike letter by its code point and says what the name reads as', () => {
    const problem = containerNameProblem(`d${cyrillicIe}fault`);
    expect(problem).toContain(`not '${cyrillicIe}' (U+0435 CYRILLIC SMALL LETTER IE, which looks like 'e')`);
    expect(problem).toContain('it reads as "default", which is valid');
  });
  it('names an invisible character, and fullwidth letters read as their plain ones', () => {
    expect(containerNameProblem(`de${String.fromCodePoint(0x200b)}fault`)).toContain('not U+200B ZERO WIDTH SPACE (invisible); it reads as "default"');
    const fullwidth = [...'media'].map((letter) => String.fromCodePoint(letter.charCodeAt(0) - 0x61 + 0xff41)).join('');
    expect(containerNameProblem(fullwidth)).toContain('it reads as "media"');
  });
  it('says nothing of what a name reads as when that is not a valid name either', () => {
    expect(containerNameProblem(`${cyrillicIe}_x`)).not.toContain('reads as');
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
