/**
 * The HTTP driver: the Portal interface over the emulator's JSON API (routes in emulator/server.ts).
 * Errors come back as KxpError with the server's code, message and hint; the token is sent only in the
 * Authorization header and never appears in an error.
 */
import { KxpError, type ErrorCode } from '../errors.js';
import { isLoopbackHost } from '../azure/sas.js';
import type { AccessGrant, DeploymentInfo, EnvironmentName, GetAccessOptions, Portal, PortalCallOptions, RestoreInfo, RestoreOptions, RestorePoint, Role, SessionInfo } from './types.js';

export interface HttpPortalOptions {
  /** Base URL of the API, e.g. `http://127.0.0.1:7070`. Plain http only for loopback. */
  url: string;
  token: string;
  /** How long one call waits for the whole answer. Default 60 s. */
  answerTimeoutMs?: number;
}

/** A Portal URL must use https unless it is on this machine (the emulator); throws USAGE otherwise. */
export function assertSecurePortalUrl(url: URL): void {
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new KxpError('USAGE', `The Portal URL must use https unless it is on this machine: ${url.origin}`, { hint: 'Use https, or a loopback address for the local emulator.' });
  }
}

export class HttpPortal implements Portal {
  readonly kind = 'http' as const;
  private readonly base: string;
  private readonly token: string;
  private readonly answerTimeoutMs: number;

  constructor(options: HttpPortalOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new KxpError('USAGE', `The Portal URL "${options.url}" is not a URL.`, { hint: 'Give the address the emulator printed, e.g. --portal-url http://127.0.0.1:7070.' });
    }
    assertSecurePortalUrl(url);
    if (!options.token) throw new KxpError('PORTAL_UNAUTHORIZED', 'No Portal token was given.', { hint: 'Use --token-file FILE or the KXP_PORTAL_TOKEN environment variable.', exitCode: 2 });
    this.base = url.origin + url.pathname.replace(/\/+$/, '');
    this.token = options.token;
    this.answerTimeoutMs = options.answerTimeoutMs ?? 60_000;
  }

  async createSession(options?: PortalCallOptions): Promise<SessionInfo> {
    return this.call<SessionInfo>('POST', '/api/session', undefined, options);
  }

  async getAccess(options: GetAccessOptions = {}): Promise<AccessGrant> {
    return this.call<AccessGrant>('POST', '/api/session/access', { allowlist: options.allowlist }, options);
  }

  async revokeAccess(options?: PortalCallOptions): Promise<void> {
    await this.call('DELETE', '/api/session/access', undefined, options);
  }

  async getSession(options?: PortalCallOptions): Promise<SessionInfo | null> {
    try {
      return await this.call<SessionInfo>('GET', '/api/session', undefined, options);
    } catch (error) {
      if (error instanceof KxpError && error.code === 'PORTAL_NOT_FOUND') return null;
      throw error;
    }
  }

  async createRestorePoint(env: EnvironmentName, options?: PortalCallOptions): Promise<RestorePoint> {
    return this.call<RestorePoint>('POST', `/api/environments/${env}/restore-points`, undefined, options);
  }

  async restore(options: RestoreOptions): Promise<string> {
    const { restoreId } = await this.call<{ restoreId: string }>('POST', '/api/session/restores', { env: options.env }, options);
    return restoreId;
  }

  async getRestore(restoreId: string, options?: PortalCallOptions): Promise<RestoreInfo> {
    return this.call<RestoreInfo>('GET', `/api/restores/${encodeURIComponent(restoreId)}`, undefined, options);
  }

  async getActiveRestore(options?: PortalCallOptions): Promise<RestoreInfo | null> {
    return (await this.getSession(options))?.activeRestore ?? null;
  }

  async whoAmI(options?: PortalCallOptions): Promise<Role> {
    const { role } = await this.call<{ role: Role }>('GET', '/api/whoami', undefined, options);
    return role;
  }

  async closeSession(options?: PortalCallOptions): Promise<void> {
    await this.call('DELETE', '/api/session', undefined, options);
  }

  /** The deployment history (the emulator's `GET /api/deployments`), oldest first. */
  async listDeployments(options?: PortalCallOptions): Promise<DeploymentInfo[]> {
    return this.call<DeploymentInfo[]>('GET', '/api/deployments', undefined, options);
  }

  /** Moves the emulator's clock forward (Tenant administrator token only). Not part of the real Portal. */
  async advanceClock(ms: number, options?: PortalCallOptions): Promise<Date> {
    const { now } = await this.call<{ now: string }>('POST', '/api/emulator/clock', { advanceMs: ms }, options);
    return new Date(now);
  }

  private async call<T>(method: string, route: string, body: unknown, options: PortalCallOptions = {}): Promise<T> {
    let response: Response;
    let text: string;
    // A Portal (or proxy) that accepts the connection and never answers must not hold the run forever.
    const timeout = AbortSignal.timeout(this.answerTimeoutMs);
    try {
      response = await fetch(this.base + route, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
      });
      text = await response.text();
    } catch (cause) {
      if (options.signal?.aborted) throw new KxpError('ABORTED', 'Stopped while waiting for the Portal.', { cause });
      const why = timeout.aborted ? `no answer within ${Math.round(this.answerTimeoutMs / 100) / 10} s` : (cause as Error).message;
      throw new KxpError('PORTAL_UNAVAILABLE', `The Portal at ${this.base} did not answer: ${why}`, {
        hint: 'Check that the emulator is running (kxp-restore portal-emulator) and the --portal-url.',
        cause,
      });
    }
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new KxpError('PORTAL_UNAVAILABLE', `The Portal at ${this.base} answered ${response.status} with something that is not JSON.`);
      }
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string; hint?: string | null } } | undefined)?.error;
      throw new KxpError((error?.code as ErrorCode | undefined) ?? 'PORTAL_UNAVAILABLE', error?.message ?? `The Portal answered ${response.status}.`, {
        hint: error?.hint ?? undefined,
      });
    }
    return parsed as T;
  }
}
