/**
 * The Xperience version of a published application, read from `<AssemblyName>.deps.json`
 * ("libraries": { "Kentico.Xperience.Core/31.6.2": { "type": "package" } }). Only the product's own packages,
 * released together with Kentico.Xperience.Core, carry it; Kentico's integrations share the
 * `Kentico.Xperience.*` prefix but have versions of their own (Lucene 15.0.4 beside Core 31.6.2), so they are
 * listed and never compared. Where the list comes from: docs/package.md, "Which packages are the product".
 */
import { error, type Finding } from '../rules/finding.js';
import { sameVersion } from '../rules/xperience-version.js';

const PREFIX = 'kentico.xperience.';
/** The product's core package: when present, its version is the one the others are compared with. */
const CORE = 'kentico.xperience.core';

/**
 * The packages Kentico releases with each Xperience version, lowercased: the main and extension packages of
 * Kentico's "Xperience by Kentico NuGet packages" page, GraphQL (which Kentico's own xperience-by-kentico-manager
 * updates with the product), and Kentico 13's own two, so a Kentico 13 application is named for what it is.
 */
export const PRODUCT_PACKAGES: ReadonlySet<string> = new Set([
  CORE,
  'kentico.xperience.core.tests',
  'kentico.xperience.webapp',
  'kentico.xperience.admin',
  'kentico.xperience.imageprocessing',
  'kentico.xperience.dbmanager',
  'kentico.xperience.cloud',
  'kentico.xperience.sendgrid',
  'kentico.xperience.azurestorage',
  'kentico.xperience.amazonstorage',
  'kentico.xperience.mjml',
  'kentico.xperience.managementapi',
  'kentico.xperience.graphql',
  // Kentico Xperience 13
  'kentico.xperience.libraries',
  'kentico.xperience.aspnetcore.webapp',
]);

export interface XperiencePackages {
  /** The product's packages: name → version, as listed. */
  packages: Record<string, string>;
  /** Every other `Kentico.Xperience.*` package (Kentico's integrations): name → version, never compared. */
  integrations: Record<string, string>;
  /** The Xperience version, or null when there is none or the product's packages disagree. */
  version: string | null;
}

export function isProductPackage(name: string): boolean {
  return PRODUCT_PACKAGES.has(name.toLowerCase());
}

export function readXperiencePackages(text: string, shown: string): { result: XperiencePackages; findings: Finding[] } {
  const result: XperiencePackages = { packages: {}, integrations: {}, version: null };
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
      // Project references ("type": "project") are the site's own code, whatever their name.
      if (slash < 0 || !key.toLowerCase().startsWith(PREFIX) || (type !== undefined && type !== 'package')) continue;
      const name = key.slice(0, slash);
      (isProductPackage(name) ? result.packages : result.integrations)[name] = key.slice(slash + 1);
    }
  }
  const entries = Object.entries(result.packages);
  if (entries.length === 0) {
    const integrations = Object.keys(result.integrations);
    const seen = integrations.length > 0 ? ` (only Kentico integrations: ${integrations.join(', ')})` : '';
    return {
      result,
      findings: [error('PACKAGE_VERSION', shown, `Lists no package of the Xperience product such as Kentico.Xperience.Core${seen}, so the Xperience version of the application is unknown. Is this the Xperience web application? Set AssemblyName to it.`)],
    };
  }
  const [referenceName, referenceVersion] = entries.find(([name]) => name.toLowerCase() === CORE) ?? entries[0] ?? ['', ''];
  const different = entries.filter(([, version]) => !sameVersion(version, referenceVersion));
  if (different.length > 0) {
    const listed = different.map(([name, version]) => `${name} ${version}`).join(', ');
    return {
      result,
      findings: [
        error('PACKAGE_VERSION', shown, `Xperience packages of different versions: ${referenceName} ${referenceVersion}, but ${listed}. An application runs on one Xperience version: update every package of the product (Kentico.Xperience.Core, WebApp, Admin, …; not the integrations) to the same version and publish again.`),
      ],
    };
  }
  result.version = referenceVersion;
  return { result, findings: [] };
}
