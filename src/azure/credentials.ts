/**
 * Microsoft Entra ID sign-in for remote source accounts (`--storage-from` without a SAS), and the
 * short-lived read-only SAS the storage service needs to read a source blob for a copy: a user delegation
 * SAS signed with a user delegation key. Tokens and keys stay in memory; nothing here is printed or stored.
 */
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { ContainerSASPermissions, generateBlobSASQueryParameters, SASProtocol, type BlobServiceClient, type UserDelegationKey } from '@azure/storage-blob';

export interface CredentialOptions {
  /** The directory (tenant) of the source account, when the signed-in identity belongs to several. */
  tenantId?: string;
  /** Where AZURE_AUTHORITY_HOST is read. Default process.env (as @azure/identity reads it). */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * DefaultAzureCredential: environment (AZURE_CLIENT_ID/…), workload identity, managed identity, Azure CLI,
 * Azure PowerShell, Azure Developer CLI, in that order.
 */
export function sourceCredential(options: CredentialOptions = {}): TokenCredential {
  const env = options.env ?? process.env;
  return new DefaultAzureCredential({
    ...(options.tenantId === undefined ? {} : { tenantId: options.tenantId }),
    // An authority host set on purpose (a sovereign or private cloud, a test) is trusted as given, so sign-in
    // never asks the public cloud's instance discovery about it.
    ...(env.AZURE_AUTHORITY_HOST ? { disableInstanceDiscovery: true } : {}),
  });
}

/** Start times go this far back, for clocks that run behind the service's. */
export const CLOCK_SKEW_MS = 15 * 60_000;
/** How long a user delegation key (and the SAS signed with it) lives. */
export const DELEGATION_LIFETIME_MS = 2 * 3600_000;
/** A key with less than this left is replaced before it signs another SAS. */
const RENEW_BEFORE_MS = 30 * 60_000;

/**
 * Signs read-only blob SAS tokens for one source account with a user delegation key, fetched on first use
 * and renewed before it runs out, so a run of many hours never hands the service an expired source URL.
 */
export class DelegatedReader {
  private key: Promise<UserDelegationKey> | undefined;
  private keyExpires = 0;

  constructor(
    private readonly service: BlobServiceClient,
    private readonly account: string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The query string (no `?`) of a read-only SAS for the container's blobs, valid as long as the key. Signed
   * for the container rather than per blob: the blob name is not part of what the service must match, which
   * spares names with spaces or odd characters any encoding mismatch, and one signature serves every blob.
   */
  async sasFor(container: string, signal?: AbortSignal): Promise<string> {
    const key = await this.currentKey(signal);
    return generateBlobSASQueryParameters(
      {
        containerName: container,
        permissions: ContainerSASPermissions.parse('r'),
        // The version the service signed the key with: one it knows how to check (an emulator may lag the SDK).
        version: key.signedVersion,
        startsOn: key.signedStartsOn,
        expiresOn: key.signedExpiresOn,
        protocol: SASProtocol.HttpsAndHttp,
      },
      key,
      this.account,
    ).toString();
  }

  private currentKey(signal?: AbortSignal): Promise<UserDelegationKey> {
    if (!this.key || this.keyExpires - this.now() < RENEW_BEFORE_MS) {
      const starts = new Date(this.now() - CLOCK_SKEW_MS);
      const expires = new Date(this.now() + DELEGATION_LIFETIME_MS);
      this.keyExpires = expires.getTime();
      const request = this.service.getUserDelegationKey(starts, expires, { abortSignal: signal });
      // A failed request is not kept: the next blob asks again.
      this.key = request.catch((error: unknown) => {
        this.key = undefined;
        throw error;
      });
    }
    return this.key;
  }
}
