/**
 * The corpus of real mapping shapes (test/fixtures/projects/, each written for this repository after a
 * shape seen in a public Xperience project; README.md there says where). Every project either gives
 * exactly the layout its code means, or is refused with the file:line of what depends on run-time values.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KxpError } from '../../src/errors.js';
import { readProjectLayout } from '../../src/layout/project.js';
import { layoutFileJson } from '../../src/rules/layout-model.js';
import { repoRoot, runCli } from '../support/cli.js';

interface Expected {
  layoutFile?: unknown;
  notes?: string;
  refuses?: { path: string; says: string };
}

const corpus = path.join(repoRoot, 'test', 'fixtures', 'projects');
const projects = readdirSync(corpus, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => ({ name: entry.name, dir: path.join(corpus, entry.name), expected: JSON.parse(readFileSync(path.join(corpus, entry.name, 'expected.json'), 'utf8')) as Expected }));

describe('the corpus of real mapping shapes', () => {
  it('holds every shape the README lists', () => {
    const readme = readFileSync(path.join(corpus, 'README.md'), 'utf8');
    expect(projects.length).toBeGreaterThanOrEqual(12);
    for (const project of projects) expect(readme).toContain(`\`${project.name}/\``);
  });

  for (const project of projects) {
    it(`${project.name}: ${project.expected.refuses ? 'refused with file:line' : 'the layout its code means'}`, async () => {
      const result = await readProjectLayout(project.dir, { cwd: project.dir }).catch((thrown: unknown) => thrown);
      if (project.expected.refuses) {
        expect(result).toBeInstanceOf(KxpError);
        const error = result as KxpError;
        expect(error.code).toBe('LAYOUT_UNREADABLE');
        expect(error.path).toBe(project.expected.refuses.path);
        expect(error.message).toContain(project.expected.refuses.says);
        expect(error.hint).toContain('--layout FILE');
        return;
      }
      if (result instanceof Error) throw result;
      const layout = result as Awaited<ReturnType<typeof readProjectLayout>>;
      expect(layoutFileJson(layout)).toEqual(project.expected.layoutFile);
      if (project.expected.notes) expect(layout.notes.join('\n')).toContain(project.expected.notes);
    });
  }

  it('layout --project --json gives the same answer on the command line, a JSON result either way', async () => {
    for (const project of projects) {
      const result = await runCli(['layout', '--project', '.', '--json'], { cwd: project.dir });
      const json = JSON.parse(result.stdout) as { ok: boolean; layoutFile?: unknown; error?: { path: string } };
      if (project.expected.refuses) {
        expect({ project: project.name, exitCode: result.exitCode, ok: json.ok, path: json.error?.path }).toEqual({ project: project.name, exitCode: 2, ok: false, path: project.expected.refuses.path });
      } else {
        expect({ project: project.name, exitCode: result.exitCode, layoutFile: json.layoutFile }).toEqual({ project: project.name, exitCode: 0, layoutFile: project.expected.layoutFile });
      }
    }
  });
});
