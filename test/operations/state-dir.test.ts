/** Where the state folder goes by default: never inside a folder named storage (issue 21 point 3). Pure paths. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultStateDir } from '../../src/operations/destinations/state-dir.js';

const cwd = path.resolve('/work/example');

describe('defaultStateDir', () => {
  it('is .kxp-restore in the migration folder or the project folder, and beside --storage / --bacpac', () => {
    expect(defaultStateDir({ dir: 'mig' }, { cwd })).toBe(path.join(cwd, 'mig', '.kxp-restore'));
    expect(defaultStateDir({ project: 'Site' }, { cwd })).toBe(path.join(cwd, 'Site', '.kxp-restore'));
    expect(defaultStateDir({ storage: 'mig/storage' }, { cwd })).toBe(path.join(cwd, 'mig', '.kxp-restore'));
    expect(defaultStateDir({ bacpac: 'exports/db.bacpac' }, { cwd })).toBe(path.join(cwd, 'exports', '.kxp-restore'));
  });

  it('after a --storage that names a container folder (…/storage/default), goes beside storage/, not into it', () => {
    expect(defaultStateDir({ storage: 'mig/storage/default' }, { cwd })).toBe(path.join(cwd, 'mig', '.kxp-restore'));
    expect(defaultStateDir({ storage: 'mig/Storage/default' }, { cwd })).toBe(path.join(cwd, 'mig', '.kxp-restore'));
  });

  it('--state-dir wins, resolved against the working folder', () => {
    expect(defaultStateDir({ dir: 'mig' }, { cwd, stateDir: '../state' })).toBe(path.resolve(cwd, '../state'));
  });
});
