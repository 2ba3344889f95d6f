/**
 * The Xperience version of a published application: the version of its `Kentico.Xperience.*` packages,
 * read from `<AssemblyName>.deps.json` ("libraries": { "Kentico.Xperience.Core/30.1.0": { "type": "package" } }).
 */
import { error, type Finding } from '../rules/finding.js';
import { sameVersion } from './version.js';

const PREFIX = 'kentico.xperience.';
/** The product's core package: when present, its version is the one the others are compared with. */
const CORE = 'kentico.xperience.core';

export interface XperiencePackages {
  /** Package name → version, as listed. */
  packages: Record<string, string>;
  /** The Xperience version, or null when there is none or the packages disagree. */
  version: string | null;
}

export function readXperiencePackages(text: string, shown: string): { result: XperiencePackages; findings: Finding[] } {
  const result: XperiencePackages = { packages: {}, version: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    return { result, findings: [error('PACKAGE_ASSEMBLY', shown, `Not valid JSON (${(cause as Error).message}); publish the application again (dotnet publish writes it).`)] };
  }
  const libraries = (parsed as { libraries?: unknown } | null)?.libraries;
  if (libraries && typeof libraries === 'object') {
    for (const [key, library] of Object.entries(libraries as Record<string, unknown>)) {
      const slash = key.lastIndexOf('/');
      const type = (library as { type?: unknown } | null)?.type;
      if (slash < 0 || !key.toLowerCase().startsWith(PREFIX) || (type !== undefined && type !== 'package')) continue;
      result.packages[key.slice(0, slash)] = key.slice(slash + 1);
    }
  }
  const entries = Object.entries(result.packages);
  if (entries.length === 0) {
    return {
      result,
      findings: [error('PACKAGE_VERSION', shown, 'Lists no Kentico.Xperience.* package, so the Xperience version of the application is unknown. Is this the Xperience web application? Set AssemblyName to it.')],
    };
  }
  const [referenceName, referenceVersion] = entries.find(([name]) => name.toLowerCase() === CORE) ?? entries[0] ?? ['', ''];
  const different = entries.filter(([, version]) => !sameVersion(version, referenceVersion));
  if (different.length > 0) {
    const listed = different.map(([name, version]) => `${name} ${version}`).join(', ');
    return {
      result,
      findings: [
        error('PACKAGE_VERSION', shown, `Kentico.Xperience.* packages of different versions: ${referenceName} ${referenceVersion}, but ${listed}. An application runs on one Xperience version: update every Kentico.Xperience.* package to the same version and publish again.`),
      ],
    };
  }
  result.version = referenceVersion;
  return { result, findings: [] };
}
