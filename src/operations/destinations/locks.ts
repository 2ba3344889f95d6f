/**
 * One run per container: for each destination, the lock of its journal (in the state folder) and this user's
 * lock of the container itself (keyed by endpoint, account and container, whatever the state folder), taken
 * before anything is listed or sent.
 */
import { lockContainer } from '../../transfer/container-lock.js';
import { lockJournal, lockJournalIfFree, type HeldLock } from '../../transfer/lock.js';
import type { Destinations, SetupOptions } from './types.js';

/**
 * Locks each destination container, in a fixed order (database first; journal, then container) so two runs
 * cannot deadlock. The journal's lock first: two runs sharing a state folder are told about the journal.
 * `scope` names a part meant to run beside others (a shard, the finish of a sharded upload): only runs of
 * the same scope exclude each other.
 */
export async function lockDestinations(destinations: Pick<Destinations, 'db' | 'storage' | 'stateDir'>, options: Pick<SetupOptions, 'onEvent' | 'env'>, scope = ''): Promise<HeldLock[]> {
  const locks: HeldLock[] = [];
  try {
    for (const sas of [destinations.db, destinations.storage]) {
      if (!sas) continue;
      // A killed run leaves both of its locks: one note per container, not two.
      let told = false;
      const onTakeOver = (stale: { pid: number; host: string; startedAt: string }) => {
        if (told) return;
        told = true;
        options.onEvent?.({ type: 'lock-taken-over', container: sas.identity, pid: stale.pid, host: stale.host, startedAt: stale.startedAt });
      };
      locks.push(await lockJournal(destinations.stateDir, sas.identity, { onTakeOver }));
      // The lock folder is read from the run's environment, then the process's (a library caller may pass only proxies).
      locks.push(await lockContainer(sas, { onTakeOver, scope, env: { ...process.env, ...options.env } }));
    }
    return locks;
  } catch (error) {
    await Promise.all(locks.map((lock) => lock.release()));
    throw error;
  }
}

/**
 * verify's locks: the journal of each destination when it is free (verify then writes the MD5s it reads and
 * may compact it), else none, and that journal is read only (`readOnly`, identities): an upload holding it
 * appends to it, and two writers would interleave records or compact it under the other. No container lock:
 * verify sends nothing.
 */
export async function lockJournalsForReading(destinations: Pick<Destinations, 'db' | 'storage' | 'stateDir'>, options: Pick<SetupOptions, 'onEvent'>): Promise<{ locks: HeldLock[]; readOnly: Set<string> }> {
  const locks: HeldLock[] = [];
  const readOnly = new Set<string>();
  try {
    for (const sas of [destinations.db, destinations.storage]) {
      if (!sas) continue;
      const onTakeOver = (stale: { pid: number; host: string; startedAt: string }) => options.onEvent?.({ type: 'lock-taken-over', container: sas.identity, pid: stale.pid, host: stale.host, startedAt: stale.startedAt });
      const taken = await lockJournalIfFree(destinations.stateDir, sas.identity, { onTakeOver });
      if ('lock' in taken) {
        locks.push(taken.lock);
        continue;
      }
      readOnly.add(sas.identity);
      options.onEvent?.({ type: 'journal-read-only', container: sas.identity, holder: taken.heldBy && { pid: taken.heldBy.pid, host: taken.heldBy.host } });
    }
    return { locks, readOnly };
  } catch (error) {
    await Promise.all(locks.map((lock) => lock.release()));
    throw error;
  }
}
