import { describe, expect, it } from 'vitest';
import { templateDefaultLayout, type Layout } from '../../src/rules/layout-model.js';
import { parseLayoutFile } from '../../src/layout/layout-file.js';
import { LayoutCheck, layoutProblem } from '../../src/rules/layout.js';

const multi: Layout = parseLayoutFile('{ "containers": { "default": ["assets/"], "media-libraries": ["assets/media/"] } }', 'l.json');

describe('layout rules over blob names', () => {
  it('a file under a prefix its container serves is fine', () => {
    expect(layoutProblem(templateDefaultLayout(), 'default/assets/media/x.jpg')).toBeNull();
    expect(layoutProblem(multi, 'media-libraries/assets/media/lib/x.jpg')).toBeNull();
    expect(layoutProblem(multi, 'db.bacpac')).toBeNull();
  });

  it('UNMAPPED_PATH: the assets/ level forgotten, with the blob name to use', () => {
    const problem = layoutProblem(templateDefaultLayout(), 'default/media/x.jpg');
    expect(problem).toMatchObject({ code: 'UNMAPPED_PATH', container: 'default', suggestion: 'default/assets/media/x.jpg' });
    expect(problem?.message).toContain('did you mean default/assets/media/x.jpg?'.replace('did', 'Did'));
  });

  it('UNMAPPED_PATH: a path that a more specific rule sends to another container', () => {
    expect(layoutProblem(multi, 'default/assets/media/x.jpg')).toMatchObject({ code: 'UNMAPPED_PATH', suggestion: 'media-libraries/assets/media/x.jpg' });
    expect(layoutProblem(multi, 'media-libraries/media/x.jpg')).toMatchObject({ code: 'UNMAPPED_PATH', suggestion: 'media-libraries/assets/media/x.jpg' });
  });

  it('UNMAPPED_CONTAINER: a folder no mapping reads, with a suggestion when one fits', () => {
    expect(layoutProblem(templateDefaultLayout(), 'media/x.jpg')).toMatchObject({ code: 'UNMAPPED_CONTAINER', container: 'media', suggestion: 'default/assets/media/x.jpg' });
    expect(layoutProblem(templateDefaultLayout(), 'assets/contentitems/x.jpg')).toMatchObject({ code: 'UNMAPPED_CONTAINER', suggestion: 'default/assets/contentitems/x.jpg' });
    expect(layoutProblem(multi, 'assets/media/x.jpg')).toMatchObject({ suggestion: 'media-libraries/assets/media/x.jpg' });
  });

  it('LayoutCheck reports an unmapped container once, each unmapped file, and warns of empty containers', () => {
    const check = new LayoutCheck(multi);
    const findings = [
      check.check('default/assets/contentitems/a.png', 'storage/default/assets/contentitems/a.png'),
      check.check('stray/a.png', 'storage/stray/a.png'),
      check.check('stray/b.png', 'storage/stray/b.png'),
      check.check('default/media/c.png', 'storage/default/media/c.png'),
      ...check.finish(),
    ].filter((finding) => finding !== null);
    expect(findings.map((finding) => [finding.code, finding.severity, finding.path])).toEqual([
      ['UNMAPPED_CONTAINER', 'error', 'storage/stray'],
      ['UNMAPPED_PATH', 'error', 'storage/default/media/c.png'],
      ['EMPTY_CONTAINER', 'warning', 'media-libraries/'],
    ]);
    expect(findings[2]?.message).toContain('recreates it from the upload');
  });
});
