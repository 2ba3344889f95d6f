/**
 * Issue 21 point 5: a project's mapping code nested absurdly deep (blocks, branches, lambdas, interpolated
 * strings) is refused as LAYOUT_UNREADABLE, exit 2, naming the file and line, never a RangeError (INTERNAL,
 * exit 1) from the recursive reader; nesting as deep as real code goes is still read.
 */
import { describe, expect, it } from 'vitest';
import { MAX_NESTING } from '../../src/layout/csharp-tokens.js';
import { runCli } from '../support/cli.js';
import { useProjects } from './projects.js';

const project = useProjects();

/** The template's storage module with `extra` at the start of OnInit (line 9) and `root` as the container. */
function moduleWith(extra: string, root = '"default"'): string {
  return `using CMS;
using CMS.IO;
[assembly: RegisterModule(typeof(M))]
public class M : Module
{
    public M() : base(nameof(M)) { }
    protected override void OnInit()
    {
        ${extra}
        if (Environment.IsQa() || Environment.IsUat() || Environment.IsProduction()) { Map("~/assets/"); }
    }
    private static void Map(string path)
    {
        var provider = AzureStorageProvider.Create();
        provider.CustomRootPath = ${root};
        StorageHelper.MapStoragePath(path, provider);
    }
}
`;
}

const DEEP = 20_000;

describe('mapping code nested too deep', () => {
  it.each([
    ['blocks', moduleWith('{'.repeat(DEEP) + '}'.repeat(DEEP)), 'M.cs:9', 'blocks and statements nest more than'],
    ['if statements', moduleWith('if (Environment.IsQa()) '.repeat(DEEP) + '{ }'), 'M.cs:9', 'blocks and statements nest more than'],
    ['lambdas', moduleWith('Run(() => { '.repeat(DEEP / 4) + '}); '.repeat(DEEP / 4)), 'M.cs:9', 'blocks and statements nest more than'],
    ['interpolated strings', moduleWith('', '$"{'.repeat(3000) + '"default"' + '}"'.repeat(3000)), 'M.cs:15', 'interpolated strings nest more than'],
  ])('%s: LAYOUT_UNREADABLE naming the file and line, exit 2, not a RangeError', async (_shape, code, where, what) => {
    const dir = await project({ 'M.cs': code });
    const result = await runCli(['layout', '--project', '.'], { cwd: dir });
    expect(result.stderr).not.toMatch(/INTERNAL|Maximum call stack/);
    expect(result.stderr).toContain(`error [LAYOUT_UNREADABLE]: ${where}: cannot be read as C# (${what} ${MAX_NESTING} levels deep)`);
    expect(result.stderr).toContain(`path: ${where}`);
    expect(result.exitCode).toBe(2);
  });

  it('nesting as deep as real code (and well beyond) is read as before', async () => {
    const depth = MAX_NESTING - 20;
    const dir = await project({ 'M.cs': moduleWith('{'.repeat(depth) + '}'.repeat(depth) + ' ' + 'if (Environment.IsQa()) '.repeat(depth) + '{ }') });
    const result = await runCli(['layout', '--project', '.', '--json'], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ containers: { default: ['assets/'] } });
  });
});
