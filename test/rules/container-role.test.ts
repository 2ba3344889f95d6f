import { describe, expect, it } from 'vitest';
import { emptyShape, observeBlob, roleContradictions, roleFromName, shapeProblem } from '../../src/rules/container-role.js';

const shapeOf = (...names: string[]) => {
  const shape = emptyShape();
  for (const name of names) observeBlob(shape, name);
  return shape;
};

describe('container roles', () => {
  it('a database container holds exactly db.bacpac; a storage container only <container>/… and no .bacpac', () => {
    expect(shapeProblem('database', shapeOf())).toBeNull();
    expect(shapeProblem('database', shapeOf('db.bacpac'))).toBeNull();
    expect(shapeProblem('database', shapeOf('db.bacpac', 'default/a.txt'))).toMatch(/holds default\/a\.txt, and a database container holds only db\.bacpac/);
    expect(shapeProblem('database', shapeOf('DB.bacpac'))).toMatch(/holds DB\.bacpac/);
    expect(shapeProblem('storage', shapeOf('default/a.txt', 'media/x/y.png'))).toBeNull();
    for (const name of ['db.bacpac', 'default/old.BACPAC', 'readme.txt', 'Default/a.txt', 'x/a.txt', '/a.txt']) {
      expect(shapeProblem('storage', shapeOf('default/a.txt', name)), name).toContain(`holds ${name}`);
    }
    expect(shapeProblem('storage', shapeOf('a', 'b', 'c', 'd', 'e'))).toContain('holds a, b, c and 2 more');
  });

  it('reads a role from a name only when one hyphen-separated word says it, as the Portal emulator names them', () => {
    expect(roleFromName('s1a2b3c4-database')).toBe('database');
    expect(roleFromName('s1a2b3c4-storage')).toBe('storage');
    expect(roleFromName('files-3')).toBe('storage');
    expect(roleFromName('db-3')).toBe('database');
    expect(roleFromName('dbx-filesystem')).toBeNull();
    expect(roleFromName('db-storage')).toBeNull();
    expect(roleFromName('restore-1')).toBeNull();
  });

  it('collects every contradiction: shape, journal and name', () => {
    expect(roleContradictions({ role: 'database', container: 'restore-1', shape: shapeOf('db.bacpac'), remembered: 'database' })).toEqual([]);
    const reasons = roleContradictions({ role: 'database', container: 'x-storage', shape: shapeOf('default/a.txt'), remembered: 'storage' });
    expect(reasons).toHaveLength(3);
    expect(reasons[1]).toContain('the journal remembers it as the storage container');
    expect(reasons[2]).toContain('its name "x-storage" says it is the storage container');
    expect(roleContradictions({ role: 'storage', container: 'restore-2', shape: null, remembered: null })).toEqual([]);
  });
});
