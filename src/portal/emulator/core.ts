/**
 * What every route family of the emulator shares: the state, one request at a time, saving, events, the
 * clock, and the containers of Azurite it keeps the session and the environments in.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import { KxpError } from '../../errors.js';
import type { RunningAzurite } from '../../azure/azurite.js';
import { ROLE_TITLES, type EnvironmentName, type RestoreInfo, type Role } from '../types.js';
import { EmulatorClock } from './clock.js';
import type { BacpacVersionReader } from './restore-job.js';
import type { EmulatorEvent, EmulatorState, PortalEmulatorOptions, StoredSession } from './state.js';

export function forbidden(role: Role, action: string, allowed = 'Tenant administrator or DevOps'): KxpError {
  return new KxpError('PORTAL_FORBIDDEN', `The ${ROLE_TITLES[role]} role cannot ${action}; only ${allowed} can.`, {
    hint: 'Ask someone with that role in the Xperience Portal, or use their token.',
  });
}

export function newId(prefix: string): string {
  return prefix + randomBytes(4).toString('hex');
}

export class EmulatorCore {
  readonly clock: EmulatorClock;
  readonly azurite: RunningAzurite;
  readonly state: EmulatorState;
  readonly readBacpacVersion: BacpacVersionReader;
  /** Running restores and deployments by id. */
  readonly jobs = new Map<string, Promise<unknown>>();
  readonly stopJobs = new AbortController();
  private readonly persistState: ((state: EmulatorState) => Promise<void>) | undefined;
  private readonly onEvent: ((event: EmulatorEvent) => void) | undefined;
  private readonly unsubscribeClock: () => void;
  /** Requests change shared state (policies, the session) in several awaited steps: one at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  private saved: Promise<unknown> = Promise.resolve();

  constructor(options: PortalEmulatorOptions) {
    this.azurite = options.azurite;
    this.state = options.state;
    this.readBacpacVersion = options.readBacpacVersion;
    this.persistState = options.persist;
    this.onEvent = options.onEvent;
    this.clock = options.clock ?? new EmulatorClock(options.state.clockOffsetMs);
    // A restore that was running when the emulator stopped cannot be resumed: say so.
    for (const restore of this.state.restores) {
      if (restore.state === 'validating' || restore.state === 'running') {
        Object.assign(restore, { state: 'failed', finishedAt: this.clock.now().toISOString(), reasonCode: 'RESTORE_FAILED', reason: 'The emulator stopped while this restore was running.' });
        this.state.environments[restore.env].available = true;
      }
    }
    this.unsubscribeClock = this.clock.onAdvance(() => {
      this.state.clockOffsetMs = this.clock.offset;
    });
  }

  /** The project's GUID, as in `/api/deployment/upload/<PROJECT_GUID>/<env>` (made on first use for states saved before it existed). */
  get projectGuid(): string {
    return (this.state.projectGuid ??= randomUUID());
  }

  emit(event: EmulatorEvent): void {
    this.onEvent?.(event);
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Saves the state; writes are chained so a restore's updates and a request's never interleave in the file. */
  persist(): Promise<void> {
    const save = this.persistState;
    if (!save) return Promise.resolve();
    const written = this.saved.then(() => save(this.state));
    this.saved = written.catch(() => undefined);
    return written;
  }

  sessionContainer(session: StoredSession, part: 'database' | 'storage'): ContainerClient {
    return this.azurite.serviceClient.getContainerClient(`${session.id}-${part}`);
  }

  /** The environment's storage account, signed with its key (rehearsal checks and tests read it). */
  environmentStorage(env: EnvironmentName): BlobServiceClient {
    const { name, key } = this.state.environments[env].account;
    return new BlobServiceClient(`http://${this.azurite.host}:${this.azurite.port}/${name}`, new StorageSharedKeyCredential(name, key));
  }

  environmentDatabase(env: EnvironmentName): ContainerClient {
    return this.azurite.serviceClient.getContainerClient(`${env}-database`);
  }

  /** The restore validating or running now (one at a time), if any. */
  running(): RestoreInfo | undefined {
    return this.state.restores.find((restore) => restore.state === 'validating' || restore.state === 'running');
  }

  /** Stops running restores (they are recorded as failed) and detaches from the clock. */
  async close(): Promise<void> {
    this.unsubscribeClock();
    this.stopJobs.abort(new KxpError('ABORTED', 'The emulator stopped while this restore was running.'));
    await Promise.allSettled(this.jobs.values());
  }
}
