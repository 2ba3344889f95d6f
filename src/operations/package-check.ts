/**
 * `package check`: a deployment package's own checks (src/package), and with `--bacpac` the cross-check
 * that decides a whole initial deployment: the database must carry the package's Xperience version.
 * `plan`, `upload` and `rehearse` run the same function when given `--package`.
 */
import path from 'node:path';
import { readXperienceVersion } from '../bacpac/index.js';
import { error, warning } from '../rules/finding.js';
import { saasDatabaseVersionProblem } from '../rules/xperience-version.js';
import { checkPackage, databaseVersionFinding, type PackageReport } from '../package/check.js';
import { displayPath } from '../source/payload.js';

export interface DeploymentPackageCheckOptions {
  /** A database export to compare with the package's Xperience version. */
  bacpac?: string;
  /** The target environment's version: the package may not be older. */
  environmentVersion?: string;
  cwd?: string;
  signal?: AbortSignal;
}

export interface DeploymentPackageCheck extends PackageReport {
  /** The compared database export: its path and Xperience version (null: not an Xperience database). */
  bacpac: { path: string; version: string | null } | null;
}

export async function checkDeploymentPackage(file: string, options: DeploymentPackageCheckOptions = {}): Promise<DeploymentPackageCheck> {
  const cwd = options.cwd ?? process.cwd();
  const absolute = path.resolve(cwd, file);
  const report = await checkPackage(absolute, { shownAs: displayPath(cwd, absolute), environmentVersion: options.environmentVersion, signal: options.signal });
  if (options.bacpac === undefined) return { ...report, bacpac: null };
  const bacpacPath = path.resolve(cwd, options.bacpac);
  const bacpacShown = displayPath(cwd, bacpacPath);
  const version = await readXperienceVersion(bacpacPath, { signal: options.signal });
  const result: DeploymentPackageCheck = { ...report, errors: [...report.errors], warnings: [...report.warnings], bacpac: { path: bacpacShown, version } };
  // A database the SaaS can never take (Kentico 13…) needs another fix than one of another Xperience version.
  const unsupported = version === null ? null : saasDatabaseVersionProblem(version, bacpacShown);
  if (version === null) {
    result.warnings.push(warning('NOT_XPERIENCE', bacpacShown, `Not an Xperience database (no CMSDBVersion in CMS_SettingsKey), so its version could not be compared with the package's. Check you picked the right file.`));
  } else if (unsupported) {
    result.errors.push(error('BACPAC_VERSION', bacpacShown, unsupported));
  } else if (report.xperienceVersion !== null) {
    const mismatch = databaseVersionFinding(report.xperienceVersion, version, bacpacShown, report.path);
    if (mismatch) result.errors.push(mismatch);
  }
  result.ok = result.errors.length === 0;
  return result;
}
