/**
 * Every check of a deployment package that can fail its deployment, run locally on the zip: its size,
 * `cloud-metadata.json`, the application's assembly and `.deps.json` (its Xperience version), the CD
 * repository, and the `$StorageAssets` names. Reads the central directory and three small entries only.
 */
import { stat } from 'node:fs/promises';
import { KxpError } from '../errors.js';
import { error, warning, type Finding } from '../rules/finding.js';
import { CaseCollisions, storagePathFindings } from '../rules/storage-path.js';
import { readXperiencePackages, type XperiencePackages } from './deps.js';
import { METADATA_FILE, parseCloudMetadata, STORAGE_ASSETS_DIRECTORY, type CloudMetadata, type DeploymentMode } from './metadata.js';
import { PackageArchive, type PackageEntry } from './zip.js';
import { compareVersions, MINIMUM_SAAS_VERSION, MINIMUM_ZERO_DOWNTIME_VERSION } from '../rules/xperience-version.js';

/** The Portal's limit on a deployment package ("maximum size of 2 GB"). */
export const PACKAGE_MAX_BYTES = 2 * 1024 ** 3;
export const CD_REPOSITORY_DIRECTORY = '$CDRepository';
export const CD_REPOSITORY_CONFIG = 'repository.config';
/** Small entries read whole; anything larger is not what the export script writes. */
const MAX_TEXT_BYTES = 16 * 1024 * 1024;

export interface PackageCheckOptions {
  /** How the package is shown in findings (default: the path as given). */
  shownAs?: string;
  /** The target environment's Xperience version: the package may not be older. */
  environmentVersion?: string;
  signal?: AbortSignal;
}

export interface StorageAssetTotals {
  files: number;
  bytes: number;
  /** Per target container: files and bytes. */
  containers: Record<string, { files: number; bytes: number }>;
}

export interface PackageReport {
  ok: boolean;
  path: string;
  errors: Finding[];
  warnings: Finding[];
  bytes: number;
  limitBytes: number;
  assemblyName: string | null;
  applicationVersion: string | null;
  xperienceVersion: string | null;
  /** The product's packages in `<AssemblyName>.deps.json` (name → version); empty when it was not read. */
  productPackages: Record<string, string>;
  /** Kentico's integrations (every other `Kentico.Xperience.*` package): name → version, listed, never compared. */
  integrations: Record<string, string>;
  zeroDowntime: boolean | null;
  deploymentMode: DeploymentMode | null;
  storageAssets: StorageAssetTotals | null;
  cdRepository: { files: number } | null;
}

/** Checks a package file; throws KxpError only when it cannot be read at all (missing, not a zip). */
export async function checkPackage(file: string, options: PackageCheckOptions = {}): Promise<PackageReport> {
  const shown = options.shownAs ?? file;
  const inZip = (name: string) => `${shown}:${name}`;
  const findings: Finding[] = [];
  const bytes = await packageSize(file, shown);
  if (bytes > PACKAGE_MAX_BYTES) {
    findings.push(
      error(
        'PACKAGE_SIZE',
        shown,
        `The package is ${bytes} bytes, more than the Portal's 2 GB limit (${PACKAGE_MAX_BYTES} bytes). Leave media and other large files out of $StorageAssets and deploy them with a custom restore instead (kxp-restore plan/upload/restore).`,
      ),
    );
  }
  const archive = await PackageArchive.open(file, options);
  try {
    const scan = await scanEntries(archive, inZip, options.signal);
    findings.push(...scan.findings);
    const metadataEntry = scan.rootFiles.get(METADATA_FILE);
    let metadata: CloudMetadata | null = null;
    if (!metadataEntry) {
      const hint = scan.nestedMetadata
        ? ` It is at ${scan.nestedMetadata}: the zip holds a folder instead of its contents; zip what is inside the folder.`
        : ' Export-DeploymentPackage.ps1 writes it beside the application files.';
      findings.push(error('PACKAGE_METADATA', inZip(METADATA_FILE), `The package has no ${METADATA_FILE} at its root.${hint}`));
    } else {
      const text = await archive.readText(metadataEntry, MAX_TEXT_BYTES, options.signal);
      const parsed = parseCloudMetadata(text ?? '', inZip(METADATA_FILE));
      metadata = parsed.metadata;
      findings.push(...parsed.findings);
    }
    const assembly = metadata?.assemblyName ? await checkAssembly(archive, scan.rootFiles, metadata.assemblyName, inZip, options.signal) : NO_ASSEMBLY;
    findings.push(...assembly.findings);
    findings.push(...storageMetadataFindings(metadata, scan.storageAssets, inZip));
    if (assembly.version !== null) findings.push(...versionFindings(assembly.version, metadata?.zeroDowntime ?? false, options.environmentVersion, shown));
    const errors = findings.filter((finding) => finding.severity === 'error');
    return {
      ok: errors.length === 0,
      path: shown,
      errors,
      warnings: findings.filter((finding) => finding.severity === 'warning'),
      bytes,
      limitBytes: PACKAGE_MAX_BYTES,
      assemblyName: metadata?.assemblyName ?? null,
      applicationVersion: metadata?.applicationVersion ?? null,
      xperienceVersion: assembly.version,
      productPackages: assembly.packages,
      integrations: assembly.integrations,
      zeroDowntime: metadata?.zeroDowntime ?? null,
      deploymentMode: metadata?.deploymentMode ?? null,
      storageAssets: scan.storageAssets,
      cdRepository: scan.cdRepository,
    };
  } finally {
    archive.close();
  }
}

async function packageSize(file: string, shown: string): Promise<number> {
  try {
    const stats = await stat(file);
    if (!stats.isFile()) throw new KxpError('USAGE', `The package ${shown} is not a file.`, { path: shown, hint: 'Name the deployment package zip itself.' });
    return stats.size;
  } catch (cause) {
    if (cause instanceof KxpError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    throw new KxpError(code === 'ENOENT' ? 'NOT_FOUND' : 'UNREADABLE', `The package ${shown} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}.`, {
      path: shown,
      hint: 'Check the path of the zip Export-DeploymentPackage.ps1 wrote (DeploymentPackage.zip by default).',
      cause,
    });
  }
}

interface EntryScan {
  findings: Finding[];
  /** Files at the root of the zip, by name (the published application is a few hundred at most). */
  rootFiles: Map<string, PackageEntry>;
  /** `<folder>/cloud-metadata.json` when the zip wraps everything in a folder. */
  nestedMetadata: string | null;
  cdRepository: { files: number } | null;
  storageAssets: StorageAssetTotals | null;
}

/** One pass over the central directory: root files, the CD repository, and every storage asset's name. */
async function scanEntries(archive: PackageArchive, inZip: (name: string) => string, signal?: AbortSignal): Promise<EntryScan> {
  const findings: Finding[] = [];
  const rootFiles = new Map<string, PackageEntry>();
  let nestedMetadata: string | null = null;
  const cd = { seen: false, files: 0, objects: 0, config: false };
  let assets: StorageAssetTotals | null = null;
  const collisions = new CaseCollisions();
  const misCased = new Set<string>();
  const assetPrefix = `${STORAGE_ASSETS_DIRECTORY}/`;
  const cdPrefix = `${CD_REPOSITORY_DIRECTORY}/`;
  for await (const entry of archive.entries(signal)) {
    const top = entry.name.split('/', 1)[0] ?? '';
    if (!entry.name.includes('/')) {
      if (!entry.isDirectory) rootFiles.set(entry.name, entry);
      else if (entry.name === CD_REPOSITORY_DIRECTORY) cd.seen = true;
      else if (entry.name === STORAGE_ASSETS_DIRECTORY) assets ??= { files: 0, bytes: 0, containers: {} };
    } else if (entry.name.startsWith(cdPrefix)) {
      cd.seen = true;
      if (entry.isDirectory) continue;
      cd.files++;
      if (entry.name === cdPrefix + CD_REPOSITORY_CONFIG) cd.config = true;
      else if (entry.name.slice(cdPrefix.length).includes('/')) cd.objects++;
    } else if (entry.name.startsWith(assetPrefix)) {
      assets ??= { files: 0, bytes: 0, containers: {} };
      const storagePath = entry.name.slice(assetPrefix.length);
      if (entry.isDirectory) {
        // An empty top-level folder still becomes a container: its name must be valid.
        if (!storagePath.includes('/')) findings.push(...storagePathFindings(`${storagePath}/x`, inZip(entry.name + '/')).filter((finding) => finding.code === 'CONTAINER_NAME'));
        continue;
      }
      findings.push(...storagePathFindings(storagePath, inZip(entry.name)));
      const collision = collisions.add(storagePath, (name) => inZip(assetPrefix + name));
      if (collision) findings.push(collision);
      assets.files++;
      assets.bytes += entry.size;
      const container = storagePath.includes('/') ? (storagePath.split('/', 1)[0] ?? '').toLowerCase() : '';
      const totals = (assets.containers[container] ??= { files: 0, bytes: 0 });
      totals.files++;
      totals.bytes += entry.size;
    } else if ((top.toLowerCase() === CD_REPOSITORY_DIRECTORY.toLowerCase() || top.toLowerCase() === STORAGE_ASSETS_DIRECTORY.toLowerCase()) && !misCased.has(top)) {
      misCased.add(top);
      const wanted = top.toLowerCase() === CD_REPOSITORY_DIRECTORY.toLowerCase() ? CD_REPOSITORY_DIRECTORY : STORAGE_ASSETS_DIRECTORY;
      findings.push(error(wanted === CD_REPOSITORY_DIRECTORY ? 'PACKAGE_CD_REPOSITORY' : 'PACKAGE_METADATA', inZip(top + '/'), `The folder is named "${top}"; the deployment looks for "${wanted}" exactly. Rename it.`));
    } else if (nestedMetadata === null && entry.name.endsWith(`/${METADATA_FILE}`) && entry.name.split('/').length === 2) {
      nestedMetadata = inZip(entry.name);
    }
  }
  const cdShown = inZip(cdPrefix);
  if (!cd.seen) {
    if (![...misCased].some((name) => name.toLowerCase() === CD_REPOSITORY_DIRECTORY.toLowerCase())) {
      findings.push(error('PACKAGE_CD_REPOSITORY', cdShown, `The package has no ${CD_REPOSITORY_DIRECTORY}/ folder at its root; the deployment restores the database objects from it. Run "dotnet run --kxp-cd-store --repository-path \\"$CDRepository\\"" and export the package again.`));
    }
  } else {
    if (!cd.config) findings.push(error('PACKAGE_CD_REPOSITORY', inZip(cdPrefix + CD_REPOSITORY_CONFIG), `${CD_REPOSITORY_DIRECTORY}/ has no ${CD_REPOSITORY_CONFIG}, the CD configuration the deployment follows. Add it (dotnet run --kxp-cd-new-config creates one) and export again.`));
    if (cd.objects === 0) findings.push(error('PACKAGE_CD_REPOSITORY', cdShown, `${CD_REPOSITORY_DIRECTORY}/ holds no serialized objects, and deploying an empty CD repository can corrupt the database. Run "dotnet run --kxp-cd-store --repository-path \\"$CDRepository\\"" before exporting.`));
  }
  return { findings, rootFiles, nestedMetadata, cdRepository: cd.seen ? { files: cd.files } : null, storageAssets: assets };
}

/** `<AssemblyName>.dll` and `<AssemblyName>.deps.json` at the root; the Xperience version from the latter. */
interface AssemblyCheck extends XperiencePackages {
  findings: Finding[];
}

const NO_ASSEMBLY: AssemblyCheck = { findings: [], version: null, packages: {}, integrations: {} };

async function checkAssembly(archive: PackageArchive, rootFiles: Map<string, PackageEntry>, assemblyName: string, inZip: (name: string) => string, signal?: AbortSignal): Promise<AssemblyCheck> {
  const findings: Finding[] = [];
  const candidates = [...rootFiles.keys()].filter((name) => name.endsWith('.deps.json')).map((name) => name.slice(0, -'.deps.json'.length));
  const suggestion = candidates.length > 0 ? ` The zip has ${candidates.map((name) => `${name}.deps.json`).join(', ')}: is AssemblyName ${candidates.map((name) => `"${name}"`).join(' or ')}?` : '';
  for (const name of [`${assemblyName}.dll`, `${assemblyName}.deps.json`]) {
    if (!rootFiles.has(name)) {
      findings.push(error('PACKAGE_ASSEMBLY', inZip(name), `The package has no ${name} at its root, so the application named by AssemblyName "${assemblyName}" cannot start.${suggestion} AssemblyName must be the web project's assembly name (its .csproj name).`));
    }
  }
  const deps = rootFiles.get(`${assemblyName}.deps.json`);
  if (!deps) return { ...NO_ASSEMBLY, findings };
  const text = await archive.readText(deps, MAX_TEXT_BYTES, signal);
  const parsed = readXperiencePackages(text ?? '', inZip(deps.name));
  return { ...parsed.result, findings: [...findings, ...parsed.findings] };
}

function storageMetadataFindings(metadata: CloudMetadata | null, assets: StorageAssetTotals | null, inZip: (name: string) => string): Finding[] {
  if (!metadata) return [];
  const shown = inZip(METADATA_FILE);
  if (assets && assets.files > 0 && metadata.storageAssetsDirectory === null) {
    return [error('PACKAGE_METADATA', shown, `The package has ${STORAGE_ASSETS_DIRECTORY}/ but ${METADATA_FILE} has no "StorageAssetsDirectory", so the assets would not be deployed. Export the package again with Export-DeploymentPackage.ps1, which adds it.`)];
  }
  if (metadata.storageAssetsDirectory !== null && (!assets || assets.files === 0)) {
    return [warning('PACKAGE_METADATA', shown, `${METADATA_FILE} names "StorageAssetsDirectory" but the package has no files under ${STORAGE_ASSETS_DIRECTORY}/; no storage assets will be deployed.`)];
  }
  if (metadata.storageAssetsDirectory !== null && metadata.deploymentMode === null) {
    return [error('PACKAGE_METADATA', shown, `${METADATA_FILE} names "StorageAssetsDirectory" but has no valid "StorageAssetsDeploymentMode" (Create or CreateUpdate).`)];
  }
  return [];
}

/** The Xperience version against the SaaS minimums, zero-downtime, and the target environment. */
function versionFindings(version: string, zeroDowntime: boolean, environmentVersion: string | undefined, shown: string): Finding[] {
  const findings: Finding[] = [];
  if ((compareVersions(version, MINIMUM_SAAS_VERSION) ?? 0) < 0) {
    findings.push(error('PACKAGE_VERSION', shown, `The application runs Xperience ${version}; new SaaS projects need ${MINIMUM_SAAS_VERSION} or later. Update the project (the Xperience packages and database) and export again.`));
  }
  if (zeroDowntime && (compareVersions(version, MINIMUM_ZERO_DOWNTIME_VERSION) ?? 0) < 0) {
    findings.push(error('PACKAGE_VERSION', shown, `The package is marked zero-downtime ready but runs Xperience ${version}; zero-downtime deployments need ${MINIMUM_ZERO_DOWNTIME_VERSION} or later. Update, or export without -ZeroDowntimeSupportEnabled.`));
  }
  if (environmentVersion !== undefined && (compareVersions(version, environmentVersion) ?? 0) < 0) {
    findings.push(packageOlderThanEnvironment(version, environmentVersion, shown));
  }
  return findings;
}

/** A deployment never lowers an environment's version (seed, "Deployment overview"). */
export function packageOlderThanEnvironment(version: string, environmentVersion: string, shown: string, env = 'the environment'): Finding {
  return error('PACKAGE_VERSION', shown, `The package runs Xperience ${version}, older than ${env}'s ${environmentVersion}; a deployment cannot lower an environment's version. Update the project to ${environmentVersion} or later and export again.`);
}

/** The database must carry the package's Xperience version, or the application will not start on it. */
export function databaseVersionFinding(packageVersion: string, bacpacVersion: string, bacpacShown: string, packageShown: string): Finding | null {
  if (compareVersions(packageVersion, bacpacVersion) === 0) return null;
  const older = (compareVersions(bacpacVersion, packageVersion) ?? 0) < 0;
  const fix = older
    ? `Upgrade the database to ${packageVersion} (the Xperience update, then export again), or build the package from a project on ${bacpacVersion}.`
    : `Update the project to ${bacpacVersion} and export the package again, or export the database from a site on ${packageVersion}.`;
  return error('VERSION_MISMATCH', bacpacShown, `${bacpacShown} is an Xperience ${bacpacVersion} database but the package ${packageShown} deploys Xperience ${packageVersion}; after the deployment the custom restore would fail (the database must match the environment's version). ${fix}`);
}
