/**
 * Vitest setup file: an unhandled promise rejection or an uncaught exception in the test process fails the
 * test during which it happened (Vitest alone only reports it at the end of the run, attributed to no test).
 * Rejections that Node reports only after the test ended fail the next test of the file, or the run.
 */
import { afterEach } from 'vitest';

const unhandled: string[] = [];
const describe = (kind: string, reason: unknown) =>
  `${kind}: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`;

process.on('unhandledRejection', (reason) => unhandled.push(describe('unhandled rejection', reason)));
process.on('uncaughtException', (error) => unhandled.push(describe('uncaught exception', error)));

afterEach(async () => {
  // Node reports an unhandled rejection after the microtask queue drains: let it.
  await new Promise((resolve) => setImmediate(resolve));
  if (unhandled.length === 0) return;
  const found = unhandled.splice(0);
  throw new Error(`the code under test left ${found.length} unhandled error(s):\n${found.join('\n')}`);
});
