/** One run per container: the journal lock of each destination, taken before anything is listed or sent. */
import { lockJournal, type HeldLock } from '../../transfer/lock.js';
import type { Destinations, SetupOptions } from './types.js';

/** Locks the journal of each destination container, in a fixed order (database first) so two runs cannot deadlock. */
export async function lockDestinations(destinations: Pick<Destinations, 'db' | 'storage' | 'stateDir'>, options: Pick<SetupOptions, 'onEvent'>): Promise<HeldLock[]> {
  const locks: HeldLock[] = [];
  try {
    for (const sas of [destinations.db, destinations.storage]) {
      if (!sas) continue;
      locks.push(
        await lockJournal(destinations.stateDir, sas.identity, {
          onTakeOver: (stale) => options.onEvent?.({ type: 'lock-taken-over', container: sas.identity, pid: stale.pid, host: stale.host, startedAt: stale.startedAt }),
        }),
      );
    }
    return locks;
  } catch (error) {
    await Promise.all(locks.map((lock) => lock.release()));
    throw error;
  }
}
