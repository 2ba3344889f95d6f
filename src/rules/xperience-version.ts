/**
 * Xperience versions as NuGet and CMSDBVersion write them ("30.1.0", "31.0.2", "30.1.0-preview", "13.0"),
 * compared by their numeric parts: "31.1" equals "31.1.0". And the versions the SaaS accepts.
 */

/** The Xperience version of the bundled example (examples/migration/db.bacpac, the sample package) and the writers' default. */
export const EXAMPLE_XPERIENCE_VERSION = '31.1.0';
/**
 * Minimum Xperience version of a new SaaS project: 30.1.0, as Kentico's "Deploy to the SaaS environment"
 * and "SaaS - Frequently asked questions" pages say (docs/package.md, "Which version").
 */
export const MINIMUM_SAAS_VERSION = '30.1.0';
/** Zero-downtime deployments need this version or later (seed, "Zero-downtime deployments"). */
export const MINIMUM_ZERO_DOWNTIME_VERSION = '31.0.2';
/** Kentico 13 (CMSDBVersion "13.0") and every Kentico before it: another product, never restorable into SaaS. */
const LAST_KENTICO_MAJOR = 13;

/** The numeric parts of a version ("31.1.0+build" → [31, 1, 0]), or null when it does not start with a number. */
export function versionParts(version: string): number[] | null {
  const match = /^\s*(\d+(?:\.\d+)*)/.exec(version);
  if (!match?.[1]) return null;
  return match[1].split('.').map(Number);
}

/** Negative when a < b, 0 when equal, positive when a > b; missing parts count as 0. Null when either is not a version. */
export function compareVersions(a: string, b: string): number | null {
  const left = versionParts(a);
  const right = versionParts(b);
  if (!left || !right) return null;
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

export function sameVersion(a: string, b: string): boolean {
  return compareVersions(a, b) === 0;
}

/**
 * Why a database of this CMSDBVersion can never be custom-restored into SaaS, or null when it can (as far as
 * its version goes). `name` is how the file is shown. Kentico 13 and older need the migration tool first;
 * an Xperience database below the SaaS minimum needs the Xperience update.
 */
export function saasDatabaseVersionProblem(version: string, name: string): string | null {
  const parts = versionParts(version);
  if (!parts || (compareVersions(version, MINIMUM_SAAS_VERSION) ?? 0) >= 0) return null;
  if ((parts[0] ?? 0) <= LAST_KENTICO_MAJOR) {
    return `${name} is a Kentico ${version} database (Kentico Xperience 13 or older), which can never be restored into an Xperience by Kentico SaaS environment. Migrate the site with the Kentico Migration Tool to Xperience by Kentico ${MINIMUM_SAAS_VERSION} or later, then export that database.`;
  }
  return `${name} is an Xperience ${version} database; SaaS projects need ${MINIMUM_SAAS_VERSION} or later, so the restore would fail. Update the project and its database to ${MINIMUM_SAAS_VERSION} or later (the Xperience update, e.g. dotnet run --kxp-update), then export the database again.`;
}
