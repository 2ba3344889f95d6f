/** What upload and verify share about the containers they talk to: options, events and the prepared destinations. */
import type { TokenCredential } from '@azure/identity';
import type { ConnectionPool } from '../../azure/client.js';
import type { ContainerSas } from '../../azure/sas.js';
import type { ContainerShape } from '../../rules/container-role.js';
import type { ContainerTarget } from '../../transfer/target.js';
import type { RetryPolicy } from '../../transfer/pacer.js';
import type { PlanReport } from '../plan.js';
import type { Payload } from '../../source/payload.js';

/** The options the setup steps (plan, SAS checks, locks, listing) share between upload and verify. */
export interface SetupOptions {
  /** SAS URL of the database container; needed when the payload has a database file. */
  dbSasUrl?: string;
  /** SAS URL of the storage container; needed when the payload has storage files. */
  storageSasUrl?: string;
  /** Requests in flight at once, fixed. Unset: adaptive (found and adjusted during the run). */
  concurrency?: number;
  /** Ceiling of the adaptive concurrency (1 to 256). Default 128. */
  maxConcurrency?: number;
  /** Where the resume journal lives. Default `<dir>/.kxp-restore`. */
  stateDir?: string;
  /** Working directory for relative paths. Default process.cwd(). */
  cwd?: string;
  /** Per-request retry tuning (tests shorten the backoff). */
  retry?: Partial<RetryPolicy>;
  /** Blobs per listing page: the service's maximum (5,000) by default; tests list a few per page to list many pages. */
  listPageSize?: number;
  /** Listings in flight at once for a container expected to hold many pages (listed by folders); default 8, 1 for one sequence of pages. */
  listParallel?: number;
  /** Where HTTPS_PROXY, ALL_PROXY, HTTP_PROXY and NO_PROXY are read (and KXP_RESTORE_LOCK_DIR, XDG_STATE_HOME, HOME for the per-user lock folder, then process.env). Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Entra ID tenant for --storage-from sources without a SAS. */
  tenantId?: string;
  /** Sign-in for --storage-from sources without a SAS. Default: DefaultAzureCredential. */
  credential?: TokenCredential;
  /**
   * Asked for the SAS URLs not given above, once the plan has passed and only for the parts the payload
   * has, so an invalid payload never costs a "Get access" and a one-part payload never asks for the other.
   */
  getAccess?: AccessProvider;
  /** Allow one container on loopback (an emulator) and the other elsewhere; refused by default as a sign of a forgotten URL. */
  allowMixedDestinations?: boolean;
  /** The deployment package this data goes with: checked in the plan, and a bacpac of another version refused. */
  packagePath?: string;
  signal?: AbortSignal;
  onEvent?: (event: SetupEvent) => void;
}

/** The lines a run reports about its destinations before the first byte moves. */
export type DestinationEvent =
  /** Where this run sends or reads, named before the first request; `grantedBy` names the Portal that gave the access. */
  | { type: 'destinations'; db: Destination | null; storage: Destination | null; grantedBy: string | null }
  | { type: 'listed'; container: string; blobs: number; proxy: { url: string; variable: string } | null }
  /** A listing page failed in a way worth retrying (host unreachable, 5xx…); that page will be tried again. */
  | { type: 'listing-retry'; container: string; attempt: number; delayMs: number; reason: string }
  /** A container (or remote source) is being listed: pages and blobs so far, told after each page. */
  | { type: 'listing-progress'; container: string; pages: number; blobs: number }
  /** The container's journal was locked by a run that is gone (same host, pid no longer running); this run took the lock over. */
  /** A SAS URL given for a part the payload lacks; its container is empty, so nothing of it will be restored. */
  | { type: 'unused-destination'; role: 'database' | 'storage'; container: string }
  | { type: 'lock-taken-over'; container: string; pid: number; host: string; startedAt: string }
  /** verify: another run (null: unknown yet) holds this container's journal, so verify reads it and writes nothing to it. */
  | { type: 'journal-read-only'; container: string; holder: { pid: number; host: string } | null };

/** What upload and verify report before the first byte moves. */
export type SetupEvent =
  | { type: 'planned'; plan: PlanReport }
  /** Blobs of remote sources that the storage service copies itself: their bytes never pass through this machine. */
  | { type: 'copying'; sources: string[]; files: number; bytes: number }
  | DestinationEvent;

/** One container a run talks to, as the destination line names it. */
export interface Destination {
  /** `account/container`. */
  identity: string;
  endpoint: string;
  loopback: boolean;
}

/** Which container URLs a run still needs. */
export interface AccessNeeds {
  database: boolean;
  storage: boolean;
}

/** Supplies SAS URLs on demand, e.g. "Get access" from the Portal; called at most once, after the plan passed. */
export type AccessProvider = (needs: AccessNeeds, signal?: AbortSignal) => Promise<{ dbSasUrl?: string; storageSasUrl?: string; grantedBy?: string }>;

export interface Destinations {
  plan: PlanReport;
  db: ContainerSas | null;
  storage: ContainerSas | null;
  stateDir: string;
  /** What the run reads: every source of the payload, opened (--storage-from parsed, the layout resolved). */
  payload: Payload;
}

/** A container ready for a run, with the (parsed, redactable) SAS it was opened with and what its listing says about its role. */
export type OpenedTarget = ContainerTarget & { sas: ContainerSas; pool: ConnectionPool; shape: ContainerShape };

/** The database and storage containers of a run, each null when the payload has no such part. */
export interface Targets {
  db: OpenedTarget | null;
  storage: OpenedTarget | null;
}
