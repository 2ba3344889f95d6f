/**
 * Uploads a deployment package to the Portal's deployment API (seed, "Upload a deployment package using
 * Xperience Portal API"): `POST <portal>/api/deployment/upload/<PROJECT_GUID>/<env>` with the personal
 * access token as a Bearer token and the zip as an `application/zip` body, streamed from disk.
 *
 * A POST cannot resume: when the connection fails before the whole package was sent, the whole upload is
 * tried again a bounded number of times with backoff; when it fails after, nothing is retried (the Portal
 * may have the package), and the error says to look at the deployment history first. The token travels
 * only in the Authorization header; no message carries it or the project GUID.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request as httpRequest, type Agent, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as delay } from 'node:timers/promises';
import { tunnelAgent } from '../azure/client.js';
import { proxyFor } from '../azure/proxy.js';
import { ExitCode, KxpError, type ErrorCode } from '../errors.js';
import { assertSecurePortalUrl } from './http-portal.js';
import type { DeploymentInfo, EnvironmentName } from './types.js';

/** The real Xperience Portal. */
export const PORTAL_URL = 'https://xperience-portal.com';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_ANSWER_BYTES = 64 * 1024;

export interface DeploymentUploadOptions {
  /** Base URL of the Portal. Default the real one; plain http only for loopback (the emulator). */
  portalUrl?: string;
  projectGuid: string;
  env: EnvironmentName;
  token: string;
  /** Tries in all when the connection fails before the package was sent. Default 3. */
  attempts?: number;
  /** Pause before the first retry; doubles each time. Default 2000 ms. */
  retryDelayMs?: number;
  /**
   * While sending: give up on a try when no byte of the package was taken for this long (a Portal or proxy
   * that accepted the connection and stopped reading). Retried like a broken connection. Default 60 s.
   */
  stallTimeoutMs?: number;
  /** After the whole package was sent: how long to wait for the Portal's answer. Default 10 min. */
  answerTimeoutMs?: number;
  /** Where HTTPS_PROXY, ALL_PROXY, HTTP_PROXY and NO_PROXY are read (a corporate proxy to the Portal). Default process.env. */
  processEnv?: Readonly<Record<string, string | undefined>>;
  signal?: AbortSignal;
  onEvent?: (event: DeploymentUploadEvent) => void;
}

export type DeploymentUploadEvent =
  | { type: 'package-upload-start'; url: string; env: EnvironmentName; bytes: number; attempt: number; proxy: { url: string; variable: string } | null }
  | { type: 'package-progress'; bytesSent: number; bytesTotal: number }
  | { type: 'package-retry'; attempt: number; attempts: number; delayMs: number; reason: string };

export interface DeploymentUploadResult {
  status: number;
  bytes: number;
  attempts: number;
  /** What the Portal answered: the emulator returns the started deployment; the real Portal's answer is not documented. */
  deployment: DeploymentInfo | null;
}

/** The upload URL as shown to people: the project GUID replaced. */
export function shownUploadUrl(portalUrl: string, env: EnvironmentName): string {
  return `${portalBase(portalUrl).origin}/api/deployment/upload/<PROJECT_GUID>/${env}`;
}

function portalBase(portalUrl: string): URL {
  let url: URL;
  try {
    url = new URL(portalUrl);
  } catch {
    throw new KxpError('USAGE', `--portal-url "${portalUrl}" is not a URL.`, { hint: `Leave it out for the real Portal (${PORTAL_URL}), or give the emulator's address.` });
  }
  assertSecurePortalUrl(url);
  return url;
}

export async function uploadDeploymentPackage(file: string, options: DeploymentUploadOptions): Promise<DeploymentUploadResult> {
  const base = portalBase(options.portalUrl ?? PORTAL_URL);
  if (!GUID.test(options.projectGuid.trim())) {
    throw new KxpError('USAGE', 'The project GUID is not a GUID (expected 8-4-4-4-12 hexadecimal digits).', { hint: "Copy PROJECT_GUID from the Portal's Dashboard (Project info), or from any Portal URL: https://xperience-portal.com/<PROJECT_GUID>/dashboard." });
  }
  if (!options.token.trim()) throw new KxpError('USAGE', 'No personal access token was given.', { hint: 'Generate one in Xperience Portal, save it to a file, and pass --token-file FILE (or set KXP_PORTAL_TOKEN).' });
  const url = new URL(`${base.pathname.replace(/\/+$/, '')}/api/deployment/upload/${encodeURIComponent(options.projectGuid.trim())}/${options.env}`, base.origin);
  const bytes = (await stat(file)).size;
  const attempts = Math.max(1, options.attempts ?? 3);
  const proxy = proxyFor(url, options.processEnv);
  let pause = options.retryDelayMs ?? 2000;
  for (let attempt = 1; ; attempt++) {
    options.onEvent?.({ type: 'package-upload-start', url: shownUploadUrl(base.href, options.env), env: options.env, bytes, attempt, proxy: proxy ? { url: proxy.display, variable: proxy.variable } : null });
    // A fresh tunnel for each try: the failed one may be the cause.
    const tunnel = new AbortController();
    const agent = proxy ? tunnelAgent(proxy, { keepAlive: false, maxSockets: 1, signal: tunnel.signal }) : undefined;
    const outcome = await postOnce(file, url, bytes, options, agent, tunnel);
    if (outcome.kind === 'answer') return answerToResult(outcome.response, outcome.text, bytes, attempt, options);
    if (options.signal?.aborted) throw new KxpError('ABORTED', 'Stopped while uploading the package; nothing is deployed unless the Portal received all of it.', { cause: outcome.error });
    const reason = (outcome.error as NodeJS.ErrnoException).code ?? outcome.error.message;
    if (outcome.error instanceof AnswerTimeout) {
      throw new KxpError('PORTAL_UNAVAILABLE', `The whole package was sent to ${base.origin}, but the Portal did not answer within ${formatSeconds(outcome.error.ms)}.`, {
        hint: 'The Portal may have received it: look at Deployments → Deployment history in the Portal before uploading again.',
        cause: outcome.error,
      });
    }
    if (outcome.bodySent) {
      throw new KxpError('PORTAL_UNAVAILABLE', `The connection to ${base.origin} broke after the whole package was sent, before the Portal answered (${reason}).`, {
        hint: 'The Portal may have received it: look at Deployments → Deployment history in the Portal before uploading again.',
        cause: outcome.error,
      });
    }
    if (attempt >= attempts) {
      throw new KxpError('PORTAL_UNAVAILABLE', `Could not send the package to ${base.origin}: the connection failed ${attempts} time${attempts === 1 ? '' : 's'} (${reason}). Nothing was deployed.`, {
        hint: 'Check the network (and that the Portal is not under maintenance), then run the same command again; a POST cannot resume, so the whole package is sent again.',
        cause: outcome.error,
      });
    }
    options.onEvent?.({ type: 'package-retry', attempt: attempt + 1, attempts, delayMs: pause, reason });
    await delay(pause, undefined, { signal: options.signal }).catch(() => undefined);
    pause *= 2;
  }
}

/** No byte of the package was taken for `ms` while sending. */
class SendStalled extends Error {
  constructor(readonly ms: number) {
    super(`no byte was taken for ${formatSeconds(ms)}`);
  }
}

/** The whole package was sent and no answer came within `ms`. */
class AnswerTimeout extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${formatSeconds(ms)} after the whole package was sent`);
  }
}

function formatSeconds(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 100) / 10} s`;
}

type Outcome = { kind: 'answer'; response: IncomingMessage; text: string } | { kind: 'failed'; error: Error; bodySent: boolean };

/** One POST of the whole file; resolves with the answer, or how the connection failed. */
function postOnce(file: string, url: URL, bytes: number, options: DeploymentUploadOptions, agent: Agent | undefined, tunnel: AbortController): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let sent = 0;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    /** (Re)starts the one timer of this try: a stall while sending, or the wait for the answer. */
    const arm = (error: SendStalled | AnswerTimeout) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        // A request still waiting for its tunnel has no socket to fail: close the tunnel and settle here.
        tunnel.abort(error);
        request.destroy(error);
        finish({ kind: 'failed', error, bodySent: error instanceof AnswerTimeout });
      }, error.ms);
    };
    const stallMs = options.stallTimeoutMs ?? 60_000;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      body.destroy();
      resolve(outcome);
    };
    const request = send(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.token.trim()}`, 'content-type': 'application/zip', 'content-length': bytes },
      signal: options.signal,
      ...(agent ? { agent } : {}),
    });
    const body = createReadStream(file);
    arm(new SendStalled(stallMs));
    // Reading from the file follows the socket (backpressure): no read for stallMs means nothing was taken.
    body.on('data', (chunk) => {
      arm(new SendStalled(stallMs));
      sent += chunk.length;
      options.onEvent?.({ type: 'package-progress', bytesSent: sent, bytesTotal: bytes });
    });
    body.on('error', (error) => {
      request.destroy(error);
    });
    request.on('finish', () => arm(new AnswerTimeout(options.answerTimeoutMs ?? 10 * 60_000)));
    request.on('error', (error) => finish({ kind: 'failed', error, bodySent: sent >= bytes && request.writableFinished }));
    request.on('response', (response) => {
      // The answer, however slow to start, must be whole within the answer timeout too.
      arm(new AnswerTimeout(options.answerTimeoutMs ?? 10 * 60_000));
      // The Portal may answer (e.g. 401) before taking the whole body: stop sending and read the answer.
      body.unpipe(request);
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
      });
      response.on('end', () => {
        finish({ kind: 'answer', response, text: Buffer.concat(chunks).toString('utf8') });
        request.destroy();
      });
      response.on('error', (error) => finish({ kind: 'failed', error, bodySent: true }));
    });
    body.pipe(request);
  });
}

const STATUS_MESSAGES: Record<number, { code: ErrorCode; message: (env: EnvironmentName) => string; hint: string }> = {
  401: {
    code: 'PORTAL_UNAUTHORIZED',
    message: () => 'The Portal refused the personal access token (401): it is wrong, expired or revoked.',
    hint: 'Generate a new personal access token in Xperience Portal (your profile → Personal access tokens), save it to a file, and pass --token-file FILE.',
  },
  403: {
    code: 'PORTAL_FORBIDDEN',
    message: (env) => `The Portal refused the upload to ${env} (403): ${env === 'qa' ? 'the token may not upload packages to this project' : 'only DevOps and Tenant administrators may upload directly to environments other than qa (emergency deployments)'}.`,
    hint: 'Upload to qa and promote it with "Deploy to" in the Portal, or ask a DevOps or Tenant administrator.',
  },
  404: {
    code: 'PORTAL_NOT_FOUND',
    message: (env) => `The Portal found no such project, or the project has no ${env} environment (404).`,
    hint: "Check PROJECT_GUID on the Portal's Dashboard (Project info); UAT exists only on Custom service plans, STG only when purchased.",
  },
  413: {
    code: 'PACKAGE_TOO_LARGE',
    message: () => "The Portal refused the package as too large (413); packages are limited to 2 GB.",
    hint: 'Leave large files out of $StorageAssets and deploy them with a custom restore (kxp-restore plan/upload/restore).',
  },
};

function answerToResult(response: IncomingMessage, text: string, bytes: number, attempts: number, options: DeploymentUploadOptions): DeploymentUploadResult {
  const status = response.statusCode ?? 0;
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null; // not JSON: the status alone says what happened
  }
  if (status >= 200 && status < 300) {
    const deployment = parsed && typeof parsed === 'object' && 'id' in parsed && 'env' in parsed ? (parsed as DeploymentInfo) : null;
    return { status, bytes, attempts, deployment };
  }
  const served = (parsed as { error?: { code?: string; message?: string; hint?: string | null } } | null)?.error;
  const said = served?.message ? ` The Portal said: ${scrub(served.message, options)}` : '';
  const known = STATUS_MESSAGES[status];
  // Something was sent, so a refusal is a failure (1), not invalid input (2).
  if (known) throw new KxpError(known.code, `${known.message(options.env)}${said}`, { hint: known.hint, exitCode: ExitCode.failed });
  if (status >= 500) {
    throw new KxpError('PORTAL_UNAVAILABLE', `The Portal failed to take the package (${status}).${said}`, {
      hint: 'Uploads are unavailable during scheduled maintenance and while the project is being created. Look at Deployment history, then try again later.',
    });
  }
  const code: ErrorCode = served?.code === 'PACKAGE_INVALID' || served?.code === 'PORTAL_CONFLICT' || served?.code === 'PORTAL_RULE' ? served.code : 'PACKAGE_INVALID';
  throw new KxpError(code, `The Portal refused the package (${status}).${said || ` ${scrub(text.slice(0, 500), options)}`}`, {
    hint: served?.hint ? scrub(served.hint, options) : 'Run kxp-restore package check on it and fix what it lists.',
    exitCode: ExitCode.failed,
  });
}

/** Whatever a server echoes back, the token and the project GUID never reach the user's screen. */
function scrub(text: string, options: DeploymentUploadOptions): string {
  let result = text;
  for (const secret of [options.token.trim(), options.projectGuid.trim()]) if (secret) result = result.split(secret).join('<redacted>');
  return result;
}
