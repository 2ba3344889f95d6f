/**
 * Everything that must hold before a single byte is sent: the plan passes, each part present has its SAS
 * URL, and each URL is well-formed, https (unless loopback), not expired and allows what we need.
 */
import { KxpError } from '../../errors.js';
import type { SasPurpose } from '../../azure/sas.js';
import type { PayloadSource } from '../../source/types.js';
import { DEFAULT_CONCURRENCY } from '../../transfer/engine.js';
import { planPayload } from '../plan.js';
import { openSourcePayload, type RemoteSourceOptions } from '../remote.js';
import { destination, resolveAccess } from './access.js';
import { checkUnusedDestinations } from './unused.js';
import { defaultStateDir, refuseStateDirInPayload } from './state-dir.js';
import type { Destinations, SetupOptions } from './types.js';

export async function prepareDestinations(given: PayloadSource, options: SetupOptions, purpose: SasPurpose): Promise<Destinations> {
  const stateDir = defaultStateDir(given, options);
  await refuseStateDirInPayload(given, stateDir, options);
  // The state folder, wherever it is, is the run's own: not an unexpected entry of the migration folder.
  const source: PayloadSource = { ...given, commandFiles: [...(given.commandFiles ?? []), stateDir] };
  // Opened once: the plan and the run after it read the same sources, listed the same way.
  const payload = await openSourcePayload(source, { ...options, maxSockets: (options.concurrency ?? DEFAULT_CONCURRENCY) + 1, ...sourceListing(options) });
  const plan = await planPayload(source, { signal: options.signal, cwd: options.cwd, packagePath: options.packagePath, payload });
  options.onEvent?.({ type: 'planned', plan });
  if (!plan.ok) {
    const count = plan.errors.length;
    throw new KxpError('VALIDATION_FAILED', `The payload has ${count} problem${count === 1 ? '' : 's'} that would make the custom restore fail; nothing was sent.`, {
      hint: 'Fix them (see the list above, or run `kxp-restore plan`) and run again.',
    });
  }
  const needsDb = plan.bacpac !== null;
  const needsStorage = plan.totals.files > (needsDb ? 1 : 0);
  await checkUnusedDestinations({ database: needsDb, storage: needsStorage }, options);
  const { db, storage, grantedBy } = await resolveAccess({ database: needsDb, storage: needsStorage }, options, purpose);
  // Copying a container onto itself (or the database container into the storage one) is a mix-up of URLs.
  for (const { reader } of payload.remotes) {
    const same = [storage, db].find((sas) => sas && sas.endpoint.toLowerCase() === reader.source.endpoint.toLowerCase() && sas.container === reader.source.container);
    if (same) {
      throw new KxpError('USAGE', `The --storage-from source ${reader.source.label} is the restore's own ${same === storage ? 'storage' : 'database'} container; nothing was sent.`, {
        path: reader.source.redacted,
        hint: "--storage-from names the old site's container (the media to copy); the restore's containers come from the Portal's \"Get access\".",
      });
    }
  }
  options.onEvent?.({ type: 'destinations', db: db && destination(db), storage: storage && destination(storage), grantedBy });
  return { plan, db, storage, stateDir, payload };
}

/** How a run lists its --storage-from sources: each page paced, retries and progress told as the same events as a destination's. */
export function sourceListing(options: SetupOptions): Pick<RemoteSourceOptions, 'signal' | 'retry' | 'listPageSize' | 'onListingRetry' | 'onListingProgress'> {
  return {
    signal: options.signal,
    retry: options.retry,
    listPageSize: options.listPageSize,
    onListingRetry: (container, notice) => options.onEvent?.({ type: 'listing-retry', container, ...notice }),
    onListingProgress: (container, progress) => options.onEvent?.({ type: 'listing-progress', container, ...progress }),
  };
}
