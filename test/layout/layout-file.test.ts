import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KxpError } from '../../src/errors.js';
import { describeOrigin } from '../../src/rules/layout-model.js';
import { parseLayoutFile } from '../../src/layout/layout-file.js';
import { runCli } from '../support/cli.js';
import { useTempDirs } from '../support/tree.js';

function problem(text: string): KxpError {
  try {
    parseLayoutFile(text, 'kxp-layout.json');
  } catch (error) {
    expect(error).toBeInstanceOf(KxpError);
    return error as KxpError;
  }
  throw new Error('expected the layout file to be refused');
}

describe('layout files', () => {
  const tempDir = useTempDirs();

  it('reads containers and prefixes, each rule with its line', () => {
    const layout = parseLayoutFile('{\n  "containers": {\n    "default": ["assets/"],\n    "media-libraries": ["assets/media/"]\n  }\n}\n', 'kxp-layout.json');
    expect(layout.rules.map((rule) => `${rule.container} ← ${rule.prefix} @ ${describeOrigin(rule.origin)}`)).toEqual([
      'default ← assets/ @ kxp-layout.json:3 (layout file)',
      'media-libraries ← assets/media/ @ kxp-layout.json:4 (layout file)',
    ]);
    expect(layout.storageAssetsDir).toBe('$StorageAssets');
  });

  it.each([
    ['{ "containers": { "default": ["assets"] } }', 'must end in "/" (write "assets/")'],
    ['{ "containers": { "default": ["Assets/"] } }', 'must be lowercase'],
    ['{ "containers": { "default": ["~/assets/"] } }', 'relative to the project root'],
    ['{ "containers": { "Default": ["assets/"] } }', '"Default" is not a valid container name'],
    ['{ "containers": { "default": [] } }', 'at least one path prefix'],
    ['{ "containers": {} }', '"containers" is empty'],
    ['{ "container": { "default": ["assets/"] } }', 'unknown member "container"'],
    ['{ "containers": { "a1b": ["assets/"], "c2d": ["assets/"] } }', 'mapped to container a1b'],
    ['[1, 2]', 'one JSON object'],
  ])('refuses %s', (text, expected) => {
    const error = problem(text);
    expect(error.code).toBe('LAYOUT_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('kxp-layout.json');
    expect(error.message).toContain(expected);
  });

  it('names the line of a JSON syntax error', () => {
    expect(problem('{\n  "containers": {\n    "default": ["assets/"],\n  }\n}\n').message).toMatch(/kxp-layout\.json:\d+: not valid JSON/);
  });

  it('layout --layout prints the rules; a bad file exits 2 naming it', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'good.json'), '{ "containers": { "default": ["assets/"] } }\n');
    await writeFile(path.join(dir, 'bad.json'), '{ "containers": { "default": ["assets"] } }\n');
    const good = await runCli(['layout', '--layout', 'good.json'], { cwd: dir });
    expect(good.exitCode).toBe(0);
    expect(good.stdout).toContain('assets/   ← good.json:1 (layout file)');
    const bad = await runCli(['layout', '--layout', 'bad.json'], { cwd: dir });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('bad.json:1');
    const missing = await runCli(['layout', '--layout', 'none.json'], { cwd: dir });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('none.json does not exist');
  });
});
