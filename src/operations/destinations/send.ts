/**
 * The sending half every upload shares (a whole payload, or one shard of it): the containers locked so one
 * run at a time sends into them, their targets opened and their roles checked, the engine run with the
 * connection pools following its concurrency, and, whatever happens, the journals closed and the locks
 * released. A refusal says whether anything had been sent.
 */
import { runTransfer, type EngineOptions, type EngineResult, type TransferJob } from '../../transfer/engine.js';
import type { TransferEvent } from '../../transfer/events.js';
import { explainRefusal } from './access.js';
import { lockDestinations } from './locks.js';
import { assertContainerRoles } from './roles.js';
import { openTargets } from './targets.js';
import type { Destinations, SetupEvent, SetupOptions, Targets } from './types.js';

export interface SendOptions extends Omit<SetupOptions, 'onEvent'> {
  /** Keeps the locks of one shard apart from another's (`shard-i-of-N`); empty for a whole payload. */
  lockScope?: string;
  onEvent?: (event: SetupEvent | TransferEvent) => void;
}

/** What to send once the targets are open, and how the engine sizes it. */
export interface SendJobs extends Pick<EngineOptions, 'totals' | 'largestFile' | 'blockSize' | 'deep'> {
  items: AsyncIterable<TransferJob> | Iterable<TransferJob>;
}

export async function sendToDestinations(
  destinations: Pick<Destinations, 'db' | 'storage' | 'stateDir'> & Partial<Pick<Destinations, 'plan'>>,
  options: SendOptions,
  jobsFor: (targets: Targets) => SendJobs | Promise<SendJobs>,
): Promise<EngineResult> {
  const locks = await lockDestinations(destinations, options, options.lockScope);
  let sending = false;
  try {
    const targets = await openTargets(destinations, options);
    try {
      assertContainerRoles(targets);
      const { items, ...sizing } = await jobsFor(targets);
      sending = true;
      return await runTransfer(items, {
        ...sizing,
        concurrency: options.concurrency,
        maxConcurrency: options.maxConcurrency,
        retry: options.retry,
        signal: options.signal,
        onEvent: (event) => {
          // The connection pools follow the number of requests in flight.
          if (event.type === 'concurrency') for (const target of [targets.db, targets.storage]) target?.pool.resize(event.new);
          options.onEvent?.(event);
        },
      });
    } finally {
      await Promise.all([targets.db?.journal.close(), targets.storage?.journal.close()]);
    }
  } catch (thrown) {
    throw explainRefusal(thrown, destinations, sending);
  } finally {
    await Promise.all(locks.map((lock) => lock.release()));
  }
}
