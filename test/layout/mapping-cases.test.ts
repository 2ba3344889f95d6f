/**
 * The storage mapping reader on the shapes that real projects showed it wrong or needlessly refusing
 * (issue 20): each case a few lines of C#, the layout it must give, or the refusal it must make.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KxpError } from '../../src/errors.js';
import { parseLayoutFile } from '../../src/layout/layout-file.js';
import { readProjectLayout } from '../../src/layout/project.js';
import { planPayload } from '../../src/operations/plan.js';
import { describeOrigin, layoutFileJson, type Layout } from '../../src/rules/layout-model.js';
import { repoRoot, runCli } from '../support/cli.js';
import { useProjects } from './projects.js';

const project = useProjects();

const rules = (layout: Layout) => layout.rules.map((rule) => `${rule.container} ← ${rule.prefix} @ ${describeOrigin(rule.origin)}`);
const exclusions = (layout: Layout) => layout.exclusions.map((exclusion) => `${exclusion.prefix} @ ${describeOrigin(exclusion.origin)}`);

async function refusal(dir: string): Promise<KxpError> {
  const error = await readProjectLayout(dir, { cwd: dir }).catch((thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(KxpError);
  expect((error as KxpError).code).toBe('LAYOUT_UNREADABLE');
  return error as KxpError;
}

/** A registered module `name` whose OnInit body is `body`, with the template's helpers and `members`. */
function module(name: string, body: string, members = '', container = 'default'): string {
  return `using CMS;
using CMS.IO;
[assembly: RegisterModule(typeof(${name}))]
public class ${name} : Module
{
    private const string CONTAINER_NAME = "${container}";
    public ${name}() : base(nameof(${name})) { }
    protected override void OnInit()
    {
        base.OnInit();
${body}
    }
    private static void MapAzureStoragePath(string path)
    {
        var provider = AzureStorageProvider.Create();
        provider.CustomRootPath = CONTAINER_NAME;
        StorageHelper.MapStoragePath(path, provider);
    }
    private static void ExcludeAzureStoragePath(string path)
    {
        var provider = StorageProvider.CreateFileSystemStorageProvider();
        StorageHelper.MapStoragePath(path, provider);
    }
${members}
}
`;
}

const CLOUD = 'Environment.IsQa() || Environment.IsUat() || Environment.IsProduction()';

describe('the storage mapping reader on real shapes', () => {
  it('resolves a call within its own class: two modules, each with a private MapAzureStoragePath and its own CONTAINER_NAME', async () => {
    const dir = await project({
      'StorageInitializationModule.cs': module('StorageInitializationModule', `        if (${CLOUD}) { MapAzureStoragePath("~/assets/"); }`),
      'LuceneStorageModule.cs': module('LuceneStorageModule', `        if (${CLOUD}) { MapAzureStoragePath($"~/{LuceneStorageConstants.LUCENE_INDEX_PATH}/"); }`, '', 'lucene'),
    });
    const layout = await readProjectLayout(dir, { cwd: dir });
    expect(rules(layout)).toEqual([
      'lucene ← app_data/lucenesearch/ @ LuceneStorageModule.cs:11 (MapAzureStoragePath)',
      'default ← assets/ @ StorageInitializationModule.cs:11 (MapAzureStoragePath)',
    ]);
  });

  it('reads ExcludeAzureStoragePath in the cloud branch as an exclusion: in the layout, its text, its JSON and its layout file', async () => {
    const body = `        if (${CLOUD})\n        {\n            MapAzureStoragePath("~/assets/");\n            ExcludeAzureStoragePath("~/assets/synchronizations/");\n        }`;
    const dir = await project({ 'StorageInitializationModule.cs': module('StorageInitializationModule', body) });
    const layout = await readProjectLayout(dir, { cwd: dir });
    expect(rules(layout)).toEqual(['default ← assets/ @ StorageInitializationModule.cs:13 (MapAzureStoragePath)']);
    expect(exclusions(layout)).toEqual(['assets/synchronizations/ @ StorageInitializationModule.cs:14 (ExcludeAzureStoragePath)']);
    expect(layoutFileJson(layout)).toEqual({ containers: { default: ['assets/'] }, exclude: ['assets/synchronizations/'] });
    const text = await runCli(['layout', '--project', '.'], { cwd: dir });
    expect(text.stdout).toMatch(/in no container \(left out of the upload\)\n\s+assets\/synchronizations\/\s+← StorageInitializationModule\.cs:14 \(ExcludeAzureStoragePath\)/);
    const json = JSON.parse((await runCli(['layout', '--project', '.', '--json'], { cwd: dir })).stdout);
    expect(json.exclusions).toEqual([expect.objectContaining({ prefix: 'assets/synchronizations/' })]);
    expect(json.layoutFile).toEqual({ containers: { default: ['assets/'] }, exclude: ['assets/synchronizations/'] });
  });

  it('leaves excluded files out of a --project upload', async () => {
    const body = `        if (${CLOUD}) { MapAzureStoragePath("~/assets/"); ExcludeAzureStoragePath("~/assets/synchronizations/"); }`;
    const dir = await project({
      'StorageInitializationModule.cs': module('StorageInitializationModule', body),
      'assets/media/a.png': 'aaaa',
      'assets/synchronizations/run-1/state.json': '{"left":"out"}',
    });
    const plan = await planPayload({ project: dir, bacpac: path.join(repoRoot, 'examples', 'migration', 'db.bacpac') }, { cwd: dir });
    expect(plan.errors).toEqual([]);
    expect(plan.totals.containers).toEqual({ default: { files: 1, bytes: 4 } });
  });

  it('honours early returns: a mapping after `if (IsDevelopment()) return;` is the cloud\'s, after an inverted guard it is development\'s', async () => {
    const cloud = await project({ 'M.cs': module('M', '        if (Environment.IsDevelopment()) { return; }\n        MapAzureStoragePath("~/assets/");') });
    expect(rules(await readProjectLayout(cloud, { cwd: cloud }))).toEqual(['default ← assets/ @ M.cs:12 (MapAzureStoragePath)']);
    const development = await project({
      'M.cs': module('M', `        if (${CLOUD}) { MapAzureStoragePath("~/assets/"); }\n        if (!Environment.IsDevelopment()) return;\n        MapDev();`, '    private void MapDev() { var p = AzureStorageProvider.Create(); p.CustomRootPath = "dev"; StorageHelper.MapStoragePath("~/assets/dev", p); }'),
    });
    const layout = await readProjectLayout(development, { cwd: development });
    expect(rules(layout)).toEqual(['default ← assets/ @ M.cs:11 (MapAzureStoragePath)']);
    expect(layout.notes.join('\n')).toContain('~/assets/dev/ is mapped to Azure only in development');
  });

  it('a guard true in some cloud environments only is refused, as an early return and as an if block alike', async () => {
    for (const body of ['        if (Environment.IsProduction()) { return; }\n        MapAzureStoragePath("~/assets/");', '        if (!Environment.IsProduction()) { MapAzureStoragePath("~/assets/"); }']) {
      const error = await refusal(await project({ 'M.cs': module('M', body) }));
      expect(error.message).toContain('M.cs:11');
      expect(error.message).toContain('some cloud environments and not in others');
      expect(error.hint).toContain('--layout FILE');
    }
  });

  it('a configuration-driven guard is refused with file:line and the --layout fix, as an early return and as an if block alike', async () => {
    for (const body of ['        if (Configuration["Storage:Local"] == "true") return;\n        MapAzureStoragePath("~/assets/");', '        if (Configuration["Storage:Local"] != "true") { MapAzureStoragePath("~/assets/"); }']) {
      const error = await refusal(await project({ 'M.cs': module('M', body) }));
      expect(error.message).toMatch(/^M\.cs:11: cannot tell whether the condition `Configuration\["Storage:Local"\] [!=]= "true"` selects/);
      expect(error.hint).toContain('--layout FILE');
    }
  });

  it('a no-argument helper reached only from the development branch is no cloud rule', async () => {
    const helper = '    private void MapDevBlobs() { var p = AzureStorageProvider.Create(); p.CustomRootPath = "dev-blobs"; StorageHelper.MapStoragePath("~/assets/", p); }';
    const dir = await project({ 'M.cs': module('M', `        if (${CLOUD}) { MapAzureStoragePath("~/assets/"); }\n        else { MapDevBlobs(); }`, helper) });
    const layout = await readProjectLayout(dir, { cwd: dir });
    expect(rules(layout)).toEqual(['default ← assets/ @ M.cs:11 (MapAzureStoragePath)']);
  });

  it('reads only registered modules', async () => {
    const unregistered = module('OldStorageModule', `        if (${CLOUD}) { MapAzureStoragePath("~/assets/"); }`, '', 'old').replace(/\[assembly: RegisterModule[^\n]*\n/, '');
    const dir = await project({ 'OldStorageModule.cs': unregistered, 'M.cs': module('M', `        if (${CLOUD}) { MapAzureStoragePath("~/media/"); }`) });
    const layout = await readProjectLayout(dir, { cwd: dir });
    expect(rules(layout)).toEqual(['default ← media/ @ M.cs:11 (MapAzureStoragePath)']);
    expect(layout.notes.join('\n')).toContain('the module OldStorageModule is not registered');
    // Registered from another file, as larger sites do, it counts.
    const elsewhere = await project({ 'OldStorageModule.cs': unregistered, 'Registration.cs': 'using CMS;\n[assembly: RegisterModule(typeof(Site.OldStorageModule))]\n' });
    expect(rules(await readProjectLayout(elsewhere, { cwd: elsewhere }))).toEqual(['old ← assets/ @ OldStorageModule.cs:10 (MapAzureStoragePath)']);
  });

  it('follows constants across files, methods and properties returning a constant, and helpers with default parameters', async () => {
    const members = `    private static string MediaContainer() { return Names.Media; }
    private static string FormsContainer => "forms";
    private static void MapTo(string path, string container = CONTAINER_NAME)
    {
        var provider = AzureStorageProvider.Create();
        provider.CustomRootPath = container;
        StorageHelper.MapStoragePath(path, provider);
    }`;
    const body = `        if (${CLOUD})\n        {\n            MapTo("~/assets/");\n            MapTo(Names.MediaPath, MediaContainer());\n            MapTo("~/assets/forms/", container: FormsContainer);\n        }`;
    const dir = await project({ 'M.cs': module('M', body, members), 'Shared/Names.cs': 'namespace Site;\npublic static class Names\n{\n    public const string Media = "media";\n    public static readonly string MediaPath = $"~/assets/{Media}/";\n}\n' });
    expect(rules(await readProjectLayout(dir, { cwd: dir }))).toEqual([
      'default ← assets/ @ M.cs:13 (MapTo)',
      'media ← assets/media/ @ M.cs:14 (MapTo)',
      'forms ← assets/forms/ @ M.cs:15 (MapTo)',
    ]);
  });

  it('names the identifier it could not read', async () => {
    const error = await refusal(await project({ 'M.cs': module('M', `        if (${CLOUD}) { MapAzureStoragePath($"~/{SearchPaths.IndexRoot}/"); }`) }));
    expect(error.message).toBe('M.cs:11: the mapped path: `SearchPaths.IndexRoot` is not a constant of the code read (its type SearchPaths is not in the project); kxp-restore cannot tell the storage layout from the code with certainty.');
  });

  it('prints a layout file that reads back to the same layout, storageAssetsDir and exclusions included', async () => {
    const members = '    private static void MapLocal(string path) { var p = StorageProvider.CreateFileSystemStorageProvider(); p.CustomRootPath = $"LocalBlobs/{CONTAINER_NAME}"; StorageHelper.MapStoragePath(path, p); }';
    const body = `        if (${CLOUD}) { MapAzureStoragePath("~/assets/"); ExcludeAzureStoragePath("~/assets/synchronizations/"); }\n        else { MapLocal("~/assets/media/"); }`;
    const dir = await project({ 'M.cs': module('M', body, members) });
    const layout = await readProjectLayout(dir, { cwd: dir });
    expect(layout.storageAssetsDir).toBe('LocalBlobs');
    const printed = JSON.parse((await runCli(['layout', '--project', '.', '--json'], { cwd: dir })).stdout).layoutFile;
    expect(printed).toEqual({ containers: { default: ['assets/'] }, exclude: ['assets/synchronizations/'], storageAssetsDir: 'LocalBlobs' });
    const back = parseLayoutFile(JSON.stringify(printed), 'kxp-layout.json');
    expect(layoutFileJson(back)).toEqual(printed);
    expect({ storageAssetsDir: back.storageAssetsDir, exclusions: back.exclusions.map((exclusion) => exclusion.prefix), rules: back.rules.map((rule) => [rule.container, rule.prefix]) }).toEqual({
      storageAssetsDir: 'LocalBlobs',
      exclusions: ['assets/synchronizations/'],
      rules: [['default', 'assets/']],
    });
  });

  it('layout --json prints a JSON result on refusal too', async () => {
    const dir = await project({ 'M.cs': module('M', '        if (Settings.UseBlobs) { MapAzureStoragePath("~/assets/"); }') });
    const result = await runCli(['layout', '--project', '.', '--json'], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'LAYOUT_UNREADABLE', path: 'M.cs:11' } });
    expect(result.stderr).toContain('M.cs:11');
  });

  it('reads generic helpers as methods: the conditions of their callers still count', async () => {
    const helper = '    private static void MapTyped<TProvider>(string path) where TProvider : class { var p = AzureStorageProvider.Create(); p.CustomRootPath = "typed"; StorageHelper.MapStoragePath(path, p); }';
    const dir = await project({ 'M.cs': module('M', `        if (${CLOUD}) { MapTyped<object>("~/typed/"); }\n        else { MapTyped<object>("~/dev/"); }`, helper) });
    expect(rules(await readProjectLayout(dir, { cwd: dir }))).toEqual(['typed ← typed/ @ M.cs:11 (MapTyped)']);
  });

  it('refuses a mapping inside a switch on the environment name or an #if region', async () => {
    const switched = await refusal(await project({ 'M.cs': module('M', '        switch (Environment.EnvironmentName)\n        {\n            case "Production": MapAzureStoragePath("~/assets/"); break;\n        }') }));
    expect(switched.message).toMatch(/^M\.cs:11: cannot tell whether the condition `Environment\.EnvironmentName` selects/);
    const compiled = await refusal(await project({ 'M.cs': module('M', '#if !DEBUG\n        MapAzureStoragePath("~/assets/");\n#endif') }));
    expect(compiled.message).toMatch(/^M\.cs:12: this is compiled only under `#if !DEBUG` \(line 11\)/);
  });
});
