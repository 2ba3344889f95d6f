/**
 * `cloud-metadata.json`, as Export-DeploymentPackage.ps1 writes it: `AssemblyName`, `Version` (the
 * application's product version), `SupportsZeroDowntimeDeployment`, and with storage assets
 * `StorageAssetsDirectory` ("$StorageAssets") and `StorageAssetsDeploymentMode` (Create | CreateUpdate).
 */
import { error, warning, type Finding } from '../rules/finding.js';

export const METADATA_FILE = 'cloud-metadata.json';
export const STORAGE_ASSETS_DIRECTORY = '$StorageAssets';
export const DEPLOYMENT_MODES = ['Create', 'CreateUpdate'] as const;
export type DeploymentMode = (typeof DEPLOYMENT_MODES)[number];

export interface CloudMetadata {
  assemblyName: string | null;
  applicationVersion: string | null;
  zeroDowntime: boolean | null;
  storageAssetsDirectory: string | null;
  deploymentMode: DeploymentMode | null;
}

const REBUILD = 'Build the package again with Export-DeploymentPackage.ps1 (or fix the file in the zip).';

/** Parses the file's text; every missing, mistyped or unknown field is a PACKAGE_METADATA finding. */
export function parseCloudMetadata(text: string, shown: string): { metadata: CloudMetadata; findings: Finding[] } {
  const metadata: CloudMetadata = { assemblyName: null, applicationVersion: null, zeroDowntime: null, storageAssetsDirectory: null, deploymentMode: null };
  const findings: Finding[] = [];
  const problem = (message: string) => findings.push(error('PACKAGE_METADATA', shown, `${message} ${REBUILD}`));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    problem(`${METADATA_FILE} is not valid JSON (${(cause as Error).message}).`);
    return { metadata, findings };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    problem(`${METADATA_FILE} must hold one JSON object.`);
    return { metadata, findings };
  }
  const fields = parsed as Record<string, unknown>;
  const text_ = (name: string, required: boolean): string | null => {
    const value = fields[name];
    if (value === undefined || value === null) {
      if (required) problem(`${METADATA_FILE} has no "${name}".`);
      return null;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      problem(`"${name}" in ${METADATA_FILE} must be a non-empty string; it is ${JSON.stringify(value)}.`);
      return null;
    }
    return value;
  };
  metadata.assemblyName = text_('AssemblyName', true);
  metadata.applicationVersion = text_('Version', true);
  const zeroDowntime = fields.SupportsZeroDowntimeDeployment;
  if (zeroDowntime === undefined) {
    findings.push(warning('PACKAGE_METADATA', shown, `${METADATA_FILE} has no "SupportsZeroDowntimeDeployment" (written by export scripts before zero-downtime deployments); it counts as false.`));
    metadata.zeroDowntime = false;
  } else if (typeof zeroDowntime !== 'boolean') {
    problem(`"SupportsZeroDowntimeDeployment" in ${METADATA_FILE} must be true or false; it is ${JSON.stringify(zeroDowntime)}.`);
  } else {
    metadata.zeroDowntime = zeroDowntime;
  }
  metadata.storageAssetsDirectory = text_('StorageAssetsDirectory', false);
  if (metadata.storageAssetsDirectory !== null && metadata.storageAssetsDirectory !== STORAGE_ASSETS_DIRECTORY) {
    problem(`"StorageAssetsDirectory" in ${METADATA_FILE} is "${metadata.storageAssetsDirectory}"; the deployment reads storage assets from "${STORAGE_ASSETS_DIRECTORY}".`);
  }
  const mode = text_('StorageAssetsDeploymentMode', false);
  if (mode !== null) {
    if ((DEPLOYMENT_MODES as readonly string[]).includes(mode)) metadata.deploymentMode = mode as DeploymentMode;
    else problem(`"StorageAssetsDeploymentMode" in ${METADATA_FILE} is "${mode}"; it must be Create (never overwrite existing assets) or CreateUpdate (overwrite them).`);
  }
  return { metadata, findings };
}
