/**
 * Xperience versions as NuGet and CMSDBVersion write them ("30.1.0", "31.0.2", "30.1.0-preview"),
 * compared by their numeric parts: "31.1" equals "31.1.0".
 */

/** Minimum Xperience version of a new SaaS project (seed, "Minimum Xperience by Kentico version"). */
export const MINIMUM_SAAS_VERSION = '30.1.0';
/** Zero-downtime deployments need this version or later (seed, "Zero-downtime deployments"). */
export const MINIMUM_ZERO_DOWNTIME_VERSION = '31.0.2';

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
