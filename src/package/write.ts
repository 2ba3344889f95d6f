/**
 * Writes a small deployment package shaped as Export-DeploymentPackage.ps1 writes one: the published
 * application (`<AssemblyName>.dll`, `.deps.json`, …), `$CDRepository/`, optional `$StorageAssets/`, and
 * `cloud-metadata.json`. For the bundled sample (`npm run make-example`) and for tests, which leave out or
 * damage one part at a time. Reproducible: fixed timestamps, nothing deflated unless asked.
 */
import type { Readable } from 'node:stream';
import yazl from 'yazl';
import { writeStreamAtomically } from '../fs/write-atomically.js';
import { EXAMPLE_XPERIENCE_VERSION } from '../rules/xperience-version.js';
import { CD_REPOSITORY_CONFIG, CD_REPOSITORY_DIRECTORY } from './check.js';
import { METADATA_FILE, STORAGE_ASSETS_DIRECTORY } from './metadata.js';

/** The parts a test may leave out. */
export type PackagePart = 'metadata' | 'dll' | 'deps' | 'cd-repository' | 'repository.config' | 'cd-objects';

export interface WriteDeploymentPackageOptions {
  /** Default "KxpRestoreSample". */
  assemblyName?: string;
  /** The application's own version (metadata "Version"). Default "1.0.0". */
  applicationVersion?: string;
  /** Version of every Kentico.Xperience.* package. Default EXAMPLE_XPERIENCE_VERSION. */
  xperienceVersion?: string;
  /** Per-package versions instead (name → version), e.g. to mix versions. */
  xperiencePackages?: Record<string, string>;
  /** The whole `<AssemblyName>.deps.json` text instead (e.g. a real-sized one with integrations). */
  depsJson?: string;
  zeroDowntime?: boolean;
  /** Files under `$StorageAssets/` (`<container>/<path>` → content). Adds the storage metadata fields. */
  storageAssets?: Record<string, string | Buffer>;
  /** Default Create. Any string is written as is (tests write unknown modes). */
  deploymentMode?: string;
  /** Replaces cloud-metadata.json: an object is written as JSON, a string as it is. */
  metadata?: Record<string, unknown> | string;
  omit?: readonly PackagePart[];
  /** More files at any path (e.g. `wwwroot/site.css`). */
  extraFiles?: Record<string, string | Buffer>;
  /** Deflate the entries. Default false. */
  compress?: boolean;
  /** Write ZIP64 structures for every entry. */
  zip64?: boolean;
  time?: Date;
}

const DEFAULT_ASSEMBLY = 'KxpRestoreSample';
const PACKAGES = ['Kentico.Xperience.Core', 'Kentico.Xperience.WebApp', 'Kentico.Xperience.Admin', 'Kentico.Xperience.Cloud'];

function depsJson(assemblyName: string, applicationVersion: string, packages: Record<string, string>): string {
  const libraries: Record<string, unknown> = { [`${assemblyName}/${applicationVersion}`]: { type: 'project', serviceable: false, sha512: '' } };
  const dependencies: Record<string, string> = {};
  for (const [name, version] of Object.entries(packages)) {
    dependencies[name] = version;
    libraries[`${name}/${version}`] = { type: 'package', serviceable: true, sha512: 'sha512-', path: `${name.toLowerCase()}/${version}` };
  }
  return JSON.stringify(
    {
      runtimeTarget: { name: '.NETCoreApp,Version=v8.0', signature: '' },
      compilationOptions: {},
      targets: { '.NETCoreApp,Version=v8.0': { [`${assemblyName}/${applicationVersion}`]: { dependencies, runtime: { [`${assemblyName}.dll`]: {} } } } },
      libraries,
    },
    null,
    2,
  );
}

const REPOSITORY_CONFIG = `<?xml version="1.0" encoding="utf-8"?>
<RepositoryConfiguration xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <RestoreMode>Create</RestoreMode>
  <IncludedObjectTypes />
  <ExcludedObjectTypes />
</RepositoryConfiguration>
`;

export async function writeDeploymentPackage(file: string, options: WriteDeploymentPackageOptions = {}): Promise<void> {
  const assemblyName = options.assemblyName ?? DEFAULT_ASSEMBLY;
  const applicationVersion = options.applicationVersion ?? '1.0.0';
  const version = options.xperienceVersion ?? EXAMPLE_XPERIENCE_VERSION;
  const packages = options.xperiencePackages ?? Object.fromEntries(PACKAGES.map((name) => [name, version]));
  const omit = new Set(options.omit ?? []);
  const files = new Map<string, string | Buffer>();
  if (!omit.has('dll')) files.set(`${assemblyName}.dll`, Buffer.concat([Buffer.from('MZ'), Buffer.from(`\0stand-in for the ${assemblyName} assembly\n`)]));
  if (!omit.has('deps')) files.set(`${assemblyName}.deps.json`, options.depsJson ?? depsJson(assemblyName, applicationVersion, packages));
  files.set(`${assemblyName}.runtimeconfig.json`, JSON.stringify({ runtimeOptions: { tfm: 'net8.0', framework: { name: 'Microsoft.AspNetCore.App', version: '8.0.0' } } }, null, 2));
  files.set('appsettings.json', JSON.stringify({ CMSConnectionString: '' }, null, 2));
  if (!omit.has('cd-repository')) {
    if (!omit.has('repository.config')) files.set(`${CD_REPOSITORY_DIRECTORY}/${CD_REPOSITORY_CONFIG}`, REPOSITORY_CONFIG);
    if (!omit.has('cd-objects')) {
      files.set(`${CD_REPOSITORY_DIRECTORY}/cms.channel/kxprestoresample.xml`, '<cms.channel>\n  <ChannelDisplayName>KXP restore sample</ChannelDisplayName>\n  <ChannelName>KxpRestoreSample</ChannelName>\n</cms.channel>\n');
    }
  }
  const assets = Object.entries(options.storageAssets ?? {});
  for (const [name, content] of assets) files.set(`${STORAGE_ASSETS_DIRECTORY}/${name}`, content);
  for (const [name, content] of Object.entries(options.extraFiles ?? {})) files.set(name, content);
  if (!omit.has('metadata')) {
    const metadata =
      options.metadata ??
      ({
        AssemblyName: assemblyName,
        Version: applicationVersion,
        SupportsZeroDowntimeDeployment: options.zeroDowntime ?? false,
        ...(assets.length > 0 ? { StorageAssetsDirectory: STORAGE_ASSETS_DIRECTORY, StorageAssetsDeploymentMode: options.deploymentMode ?? 'Create' } : {}),
      } as Record<string, unknown>);
    files.set(METADATA_FILE, typeof metadata === 'string' ? metadata : JSON.stringify(metadata, null, 2));
  }

  const zip = new yazl.ZipFile();
  const entryOptions = { mtime: options.time ?? new Date('2025-01-01T00:00:00Z'), compress: options.compress ?? false, forceZip64Format: options.zip64 ?? false };
  for (const [name, content] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    zip.addBuffer(typeof content === 'string' ? Buffer.from(content, 'utf8') : content, name, entryOptions);
  }
  zip.end({ forceZip64Format: options.zip64 ?? false, comment: '' });
  await writeStreamAtomically(zip.outputStream as Readable, file);
}
