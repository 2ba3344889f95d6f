/**
 * SAS resolution: the URLs from options or, for the parts still missing, from the access provider ("Get
 * access"); each parsed and checked (https unless loopback, not expired, allows what the run needs); the two
 * not the same container, and not one on this computer and the other elsewhere unless that is meant.
 */
import { ExitCode, KxpError, toKxpError } from '../../errors.js';
import { checkContainerSas, parseContainerSasUrl, uploadWindowClosedError, type ContainerSas, type SasPurpose } from '../../azure/sas.js';
import type { AccessNeeds, Destination, Destinations, SetupOptions } from './types.js';

export interface ResolvedAccess {
  db: ContainerSas | null;
  storage: ContainerSas | null;
  /** The Portal that granted the access, when the access provider was asked. */
  grantedBy: string | null;
}

/** The SAS of each part the payload has (`needs`), asking the access provider at most once for the ones not given. */
export async function resolveAccess(needs: AccessNeeds, options: SetupOptions, purpose: SasPurpose): Promise<ResolvedAccess> {
  let { dbSasUrl, storageSasUrl } = options;
  let grantedBy: string | null = null;
  const missing: AccessNeeds = { database: needs.database && !dbSasUrl?.trim(), storage: needs.storage && !storageSasUrl?.trim() };
  if ((missing.database || missing.storage) && options.getAccess) {
    const granted = await options.getAccess(missing, options.signal);
    if (missing.database) dbSasUrl = granted.dbSasUrl;
    if (missing.storage) storageSasUrl = granted.storageSasUrl;
    grantedBy = granted.grantedBy ?? null;
  }
  const db = needs.database ? requireSas(dbSasUrl, 'database SAS URL', '--db-sas-url', 'KXP_DB_SAS_URL', purpose) : null;
  const storage = needs.storage ? requireSas(storageSasUrl, 'storage SAS URL', '--storage-sas-url', 'KXP_STORAGE_SAS_URL', purpose) : null;
  if (db && storage && db.identity === storage.identity) {
    throw new KxpError('SAS_INVALID', `The database and storage SAS URLs point at the same container (${db.identity}).`, {
      hint: 'The custom-restore session hands out two URLs: one for the database container, one for the storage container.',
    });
  }
  if (db && storage && db.loopback !== storage.loopback && !options.allowMixedDestinations) {
    const [local, remote] = db.loopback ? [db, storage] : [storage, db];
    throw new KxpError('MIXED_DESTINATIONS', `One container is on this computer (${local.identity} at ${local.endpoint}) and the other is not (${remote.identity} at ${remote.endpoint}); nothing was sent.`, {
      hint: 'A URL left over from a rehearsal is the usual cause: give both URLs of one custom-restore session. If the mix is meant, add --allow-mixed-destinations.',
    });
  }
  return { db, storage, grantedBy };
}

function requireSas(url: string | undefined, label: string, flag: string, envName: string, purpose: SasPurpose): ContainerSas {
  if (url === undefined || url.trim() === '') {
    const part = label.startsWith('database') ? 'a database file (db.bacpac)' : 'storage files';
    throw new KxpError('USAGE', `The payload has ${part}, so the ${label} is needed.`, {
      hint: `Pass ${flag} URL, ${flag}-file FILE, or set ${envName}; copy it from the Portal's custom restore session ("Get access").`,
    });
  }
  const sas = parseContainerSasUrl(url, label);
  checkContainerSas(sas, label, purpose);
  return sas;
}

/** How the destination line names a container. */
export function destination(sas: ContainerSas): Destination {
  return { identity: sas.identity, endpoint: sas.endpoint, loopback: sas.loopback };
}

/** A refusal from the service, explained by what the SAS URLs say: past day 7 new URLs would not help. */
export function explainRefusal(thrown: unknown, destinations: Pick<Destinations, 'db' | 'storage'>, sending: boolean): unknown {
  const error = toKxpError(thrown);
  if (error.code !== 'ACCESS_DENIED') return thrown;
  const sas = destinations.db ?? destinations.storage;
  const label = destinations.db ? 'database SAS URL' : 'storage SAS URL';
  return (sas && uploadWindowClosedError(sas, label, new Date(), { cause: thrown, exitCode: sending ? ExitCode.failed : ExitCode.invalid })) ?? thrown;
}
