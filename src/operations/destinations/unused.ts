/**
 * A SAS URL for a part the payload does not have. The restore takes both containers whatever this run sent:
 * an old db.bacpac (or old files) left in the other container would be restored beside the new part. So a
 * URL given for a missing part is refused while its container holds anything, and noted when it is empty.
 */
import { createPooledContainerClient } from '../../azure/client.js';
import { listBlobPages } from '../../azure/listing.js';
import { proxyFor } from '../../azure/proxy.js';
import { parseContainerSasUrl } from '../../azure/sas.js';
import { KxpError } from '../../errors.js';
import { destinationListing } from './targets.js';
import type { AccessNeeds, SetupOptions } from './types.js';

export async function checkUnusedDestinations(needs: AccessNeeds, options: SetupOptions): Promise<void> {
  const given = [
    { role: 'database', url: options.dbSasUrl, needed: needs.database, part: 'db.bacpac' },
    { role: 'storage', url: options.storageSasUrl, needed: needs.storage, part: 'storage files' },
  ] as const;
  for (const { role, url, needed, part } of given) {
    if (url === undefined || needed) continue;
    const sas = parseContainerSasUrl(url, `${role} SAS URL`);
    const { client } = createPooledContainerClient(sas, { concurrency: 1, proxy: proxyFor(new URL(sas.url), options.env), signal: options.signal });
    let first: string | undefined;
    for await (const page of listBlobPages(client, { ...destinationListing(sas, options), maxPageSize: 1 })) {
      first = page[0]?.name;
      break;
    }
    if (first !== undefined) {
      throw new KxpError('UNUSED_CONTAINER', `A ${role} SAS URL was given, but this payload has no ${part}, and that container (${sas.identity}) already holds blobs (${first}…) that the restore would take.`, {
        path: sas.redacted,
        hint: `Empty that container first (Storage Explorer, or az storage blob delete-batch), or add the ${part} to the payload; leave out the URL if that part is not meant to be restored.`,
      });
    }
    options.onEvent?.({ type: 'unused-destination', role, container: sas.identity });
  }
}
