import { describe, expect, it } from 'vitest';
import { KxpError } from '../../src/errors.js';
import { describeOrigin, type Layout } from '../../src/rules/layout-model.js';
import { readProjectLayout } from '../../src/layout/project.js';
import { runCli } from '../support/cli.js';
import { CONSTANTS_FILE, INLINE_MODULE, INTERPOLATED_MODULE, MULTI_CONTAINER_MODULE, PROGRAM_31_6, TEMPLATE_MODULE, UNREADABLE_MODULE, useProjects } from './projects.js';

const project = useProjects();

function rules(layout: Layout): string[] {
  return layout.rules.map((rule) => `${rule.container} ← ${rule.prefix} @ ${describeOrigin(rule.origin)}`);
}

async function unreadable(dir: string): Promise<KxpError> {
  const error = await readProjectLayout(dir, { cwd: dir }).catch((thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(KxpError);
  return error as KxpError;
}

describe('reading the storage mapping of a project', () => {
  it('the --cloud template module: ~/assets/ → default in the cloud; the development mapping only names $StorageAssets', async () => {
    const dir = await project({ 'StorageInitializationModule.cs': TEMPLATE_MODULE });
    const layout = await readProjectLayout(dir, { cwd: dir });
    expect(rules(layout)).toEqual(['default ← assets/ @ StorageInitializationModule.cs:38 (MapAzureStoragePath)']);
    expect(layout.storageAssetsDir).toBe('$StorageAssets');
    expect(layout.notes.join('\n')).toContain('~/assets/media/ is kept in $StorageAssets/default/');
  });

  it('the documented multi-container variant: one container per folder, names from constants, CloudEnvironments conditions, a renamed local folder', async () => {
    const dir = await project({ 'Modules/StorageInitializationModule.cs': MULTI_CONTAINER_MODULE });
    const layout = await readProjectLayout(dir, { cwd: dir });
    expect(rules(layout)).toEqual([
      'media-libraries-container ← assets/media/ @ Modules/StorageInitializationModule.cs:31 (MapAzureStoragePath)',
      'content-item-assets-container ← assets/contentitems/ @ Modules/StorageInitializationModule.cs:32 (MapAzureStoragePath)',
      'biz-form-files-container ← assets/bizformfiles/ @ Modules/StorageInitializationModule.cs:33 (MapAzureStoragePath)',
      'documents-container ← assets/documents/ @ Modules/StorageInitializationModule.cs:34 (MapAzureStoragePath)',
    ]);
    expect(layout.storageAssetsDir).toBe('LocalBlobs');
  });

  it('a variant with providers made inline and the cloud as "not development"', async () => {
    const dir = await project({ 'Modules/FilesModule.cs': INLINE_MODULE });
    const layout = await readProjectLayout(dir, { cwd: dir });
    expect(rules(layout)).toEqual(['default ← assets/ @ Modules/FilesModule.cs:21 (MapStoragePath)', 'exports ← app_data/exports/ @ Modules/FilesModule.cs:26 (MapStoragePath)']);
  });

  it('resolves constants of another file, concatenation and string interpolation in paths and container names', async () => {
    const dir = await project({ 'StorageInitializationModule.cs': INTERPOLATED_MODULE, 'Storage/StorageNames.cs': CONSTANTS_FILE });
    const layout = await readProjectLayout(dir, { cwd: dir });
    expect(rules(layout)).toEqual(['default ← assets/ @ StorageInitializationModule.cs:19 (MapAzure)', 'shop-media ← assets/media/ @ StorageInitializationModule.cs:20 (MapAzure)']);
  });

  it('31.6 Program.cs: automatic mapping, a SharedPersistent path registered into its own container, LocalOnly ignored', async () => {
    const dir = await project({ 'Program.cs': PROGRAM_31_6 });
    const layout = await readProjectLayout(dir, { cwd: dir });
    expect(rules(layout)).toEqual([
      "default ← assets/ @ Program.cs:12 (AddXperienceCloudStoragePathMapping: Xperience's own paths under ~/assets/, container default)",
      'search-index ← app_data/searchindex/ @ Program.cs:10 (AddStoragePathRegistration, SharedPersistent, container set at line 18)',
    ]);
    expect(layout.notes.join('\n')).toContain('LocalOnly');
  });

  it('a 31.6 Program.cs with no options maps Xperience\'s paths to default', async () => {
    const dir = await project({ 'Program.cs': 'var builder = WebApplication.CreateBuilder(args);\nbuilder.Services.AddXperienceCloudStoragePathMapping();\n' });
    expect(rules(await readProjectLayout(dir, { cwd: dir }))).toEqual(["default ← assets/ @ Program.cs:2 (AddXperienceCloudStoragePathMapping: Xperience's own paths under ~/assets/, container default)"]);
  });

  it('a container chosen at run time is not guessed: file, line and --layout', async () => {
    const dir = await project({ 'StorageInitializationModule.cs': UNREADABLE_MODULE });
    const error = await unreadable(dir);
    expect(error.code).toBe('LAYOUT_UNREADABLE');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('StorageInitializationModule.cs:16');
    expect(error.message).toContain('names.AssetsContainer()');
    expect(error.hint).toContain('--layout');
  });

  it('an environment condition it does not know is not guessed', async () => {
    const dir = await project({ 'StorageInitializationModule.cs': TEMPLATE_MODULE.replace('Environment.IsQa() || Environment.IsUat() || Environment.IsProduction()', 'Settings.UseBlobStorage') });
    const error = await unreadable(dir);
    expect(error.message).toContain('StorageInitializationModule.cs:35');
    expect(error.message).toContain('Settings.UseBlobStorage');
  });

  it('31.6 options it cannot follow are not guessed', async () => {
    const dir = await project({ 'Program.cs': 'builder.Services.AddXperienceCloudStoragePathMapping(options => options.ConfigureContainerForPath = Pick);\n' });
    const error = await unreadable(dir);
    expect(error.message).toContain('Program.cs:1');
  });

  it('a project with no mapping at all says so', async () => {
    const dir = await project({ 'Program.cs': 'var app = WebApplication.CreateBuilder(args).Build();\n' });
    const error = await unreadable(dir);
    expect(error.message).toContain('Found no storage mapping');
  });

  it('layout --project exits 2 naming the file and line, and suggests --layout', async () => {
    const dir = await project({ 'StorageInitializationModule.cs': UNREADABLE_MODULE });
    const result = await runCli(['layout', '--project', '.'], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('StorageInitializationModule.cs:16');
    expect(result.stderr).toContain('--layout FILE');
  });

  it('layout --project prints each rule with its origin; --json gives the layout file too', async () => {
    const dir = await project({ 'StorageInitializationModule.cs': TEMPLATE_MODULE });
    const text = await runCli(['layout', '--project', '.'], { cwd: dir });
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/container default\n\s+assets\/\s+← StorageInitializationModule\.cs:38 \(MapAzureStoragePath\)/);
    const json = await runCli(['layout', '--project', '.', '--json'], { cwd: dir });
    expect(JSON.parse(json.stdout)).toMatchObject({ source: 'project', containers: { default: ['assets/'] }, layoutFile: { containers: { default: ['assets/'] } } });
    const fallback = await runCli(['layout'], { cwd: dir });
    expect(fallback.stdout).toContain('template default');
  });
});
