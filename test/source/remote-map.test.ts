import { describe, expect, it } from 'vitest';
import { mapSourceName, parsePrefixMaps } from '../../src/source/remote-map.js';

describe('--map prefix mappings', () => {
  it('the longest matching prefix wins, whatever the order given; names no prefix covers map to null', () => {
    const maps = parsePrefixMaps(['mysite/=default/', 'mysite/media/=default/assets/media/', 'mysite/media/Old/=archive/']);
    expect(mapSourceName('mysite/media/Images/a.png', maps)).toBe('default/assets/media/Images/a.png');
    expect(mapSourceName('mysite/media/Old/b.png', maps)).toBe('archive/b.png');
    expect(mapSourceName('mysite/web.config', maps)).toBe('default/web.config');
    expect(mapSourceName('othersite/a.png', maps)).toBeNull();
  });

  it('no mapping keeps names; an empty source prefix covers everything', () => {
    expect(mapSourceName('default/a.png', [])).toBe('default/a.png');
    expect(mapSourceName('a.png', parsePrefixMaps(['=default/']))).toBe('default/a.png');
  });

  it('a spec without "=" or a prefix given twice is a usage error', () => {
    expect(() => parsePrefixMaps(['mysite/media/'])).toThrow(expect.objectContaining({ code: 'USAGE', exitCode: 2 }));
    expect(() => parsePrefixMaps(['a/=b/', 'a/=c/'])).toThrow(/twice/);
  });
});
