/** Spots, in a child's stderr, that it died of an uncaught error (used by every helper that spawns the CLI). */

/**
 * What Node prints when a process dies of an uncaught exception or an unhandled rejection: the
 * `Node.js v24.x` trailer after the stack, or the rejection's own marker. Null for a clean stderr.
 */
export function nodeCrash(stderr: string): string | null {
  if (/UnhandledPromiseRejection|triggerUncaughtException/.test(stderr)) return 'unhandled rejection';
  if (/^Node\.js v\d+\.\d+\.\d+\s*$/m.test(stderr)) return 'uncaught exception';
  return null;
}
