/**
 * The emulator's HTTP API: a small JSON API over PortalEmulator, with Bearer tokens mapped to roles.
 *
 *   GET    /api/whoami                          → { role }
 *   GET    /api/session                         → SessionInfo (404 when none)
 *   POST   /api/session                         → 201 SessionInfo                  (Tenant administrator, DevOps)
 *   DELETE /api/session                         → 204                              (Tenant administrator, DevOps)
 *   POST   /api/session/access  { allowlist? }  → 201 { databaseSasUrl, storageSasUrl, expiresOn }
 *   DELETE /api/session/access                  → 204                              (Tenant administrator, DevOps)
 *   POST   /api/session/restores { env }        → 202 { restoreId }
 *   GET    /api/restores/:id                    → RestoreInfo
 *   POST   /api/environments/:env/restore-points → 201 RestorePoint
 *   GET    /api/environments                    → [{ name, version, available, storageAccount }]
 *   POST   /api/emulator/clock { advanceMs }    → { now }                          (Tenant administrator)
 *   POST   /api/deployment/upload/:guid/:env    → 202 DeploymentInfo   body: the package zip (application/zip),
 *                                                  checked, then deployed in the background (qa: everyone; others:
 *                                                  Tenant administrator, DevOps); 413 over 2 GB, 422 refused
 *   GET    /api/deployments                     → [DeploymentInfo]  (the deployment history, oldest first)
 *
 * Errors: `{ "error": { "code", "message", "hint" } }` with 400/401/403/404/409/413/422/500.
 */
import { createWriteStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PACKAGE_MAX_BYTES } from '../../package/check.js';
import type { AddressInfo } from 'node:net';
import { KxpError, toKxpError, type ErrorCode } from '../../errors.js';
import { isEnvironmentName, type EnvironmentName, type Role } from '../types.js';
import { MAX_ADVANCE_MS } from './clock.js';
import type { PortalEmulator } from './portal-emulator.js';
import type { RoleToken } from './tokens.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  USAGE: 400,
  PORTAL_UNAUTHORIZED: 401,
  PORTAL_FORBIDDEN: 403,
  PORTAL_NOT_FOUND: 404,
  PORTAL_CONFLICT: 409,
  PORTAL_RULE: 422,
  PACKAGE_INVALID: 422,
  PACKAGE_TOO_LARGE: 413,
};

const MAX_BODY_BYTES = 64 * 1024;

export interface RequestEvent {
  type: 'request';
  method: string;
  path: string;
  status: number;
  role: Role | null;
}

export interface PortalServerOptions {
  host?: string;
  port?: number;
  onRequest?: (event: RequestEvent) => void;
}

export interface RunningPortalServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

type Handler = (role: Role, body: Record<string, unknown>, params: string[], request: IncomingMessage) => Promise<[number, unknown]>;

/** Routes whose body is not JSON: the handler reads the request itself. */
const RAW_BODY = /^\/api\/deployment\/upload\//;

function environment(value: unknown): EnvironmentName {
  if (typeof value === 'string' && isEnvironmentName(value)) return value;
  throw new KxpError('USAGE', `Unknown environment "${String(value)}".`, { hint: 'Use qa, uat, stg or prod.' });
}

function routes(emulator: PortalEmulator): Array<[string, RegExp, Handler]> {
  return [
    ['GET', /^\/api\/whoami$/, async (role) => [200, { role }]],
    ['GET', /^\/api\/session$/, async (role) => [200, await emulator.getSession(role)]],
    ['POST', /^\/api\/session$/, async (role) => [201, await emulator.createSession(role)]],
    ['DELETE', /^\/api\/session$/, async (role) => [204, await emulator.closeSession(role)]],
    ['POST', /^\/api\/session\/access$/, async (role, body) => {
      const allowlist = typeof body.allowlist === 'string' && body.allowlist !== '' ? body.allowlist : undefined;
      return [201, await emulator.getAccess(role, { allowlist })];
    }],
    ['DELETE', /^\/api\/session\/access$/, async (role) => [204, await emulator.revokeAccess(role)]],
    ['POST', /^\/api\/session\/restores$/, async (role, body) => [202, { restoreId: await emulator.restore(role, environment(body.env)) }]],
    ['GET', /^\/api\/restores\/([\w-]+)$/, async (role, _body, [id]) => [200, await emulator.getRestore(role, id ?? '')]],
    ['POST', /^\/api\/environments\/([\w-]+)\/restore-points$/, async (role, _body, [env]) => [201, await emulator.createRestorePoint(role, environment(env))]],
    ['GET', /^\/api\/environments$/, async () => [200, emulator.environments()]],
    ['POST', /^\/api\/deployment\/upload\/([\w-]+)\/([\w-]+)$/, async (role, _body, [guid, env], request) => {
      const target = environment(env);
      emulator.assertCanDeploy(role, guid ?? '', target);
      const file = await receivePackage(request);
      return [202, await emulator.deployPackage(role, guid ?? '', target, file)];
    }],
    ['GET', /^\/api\/deployments$/, async () => [200, emulator.deployments()]],
    ['POST', /^\/api\/emulator\/clock$/, async (role, body) => {
      if (role !== 'tenant-administrator') throw new KxpError('PORTAL_FORBIDDEN', 'Only a Tenant administrator token can move the emulator clock.');
      const advanceMs = typeof body.advanceMs === 'number' ? body.advanceMs : Number.NaN;
      if (!Number.isFinite(advanceMs) || advanceMs < 0 || advanceMs > MAX_ADVANCE_MS) {
        throw new KxpError('USAGE', `advanceMs must be a number of milliseconds from 0 to ${MAX_ADVANCE_MS} (400 days).`);
      }
      return [200, { now: (await emulator.advanceClock(advanceMs)).toISOString() }];
    }],
  ];
}

/** Streams an uploaded package to a temporary file (never into memory); refuses more than the Portal's 2 GB. */
async function receivePackage(request: IncomingMessage): Promise<string> {
  const tooLarge = () => new KxpError('PACKAGE_TOO_LARGE', `The package is larger than the Portal's 2 GB limit (${PACKAGE_MAX_BYTES} bytes).`, { hint: 'Deploy large files with a custom restore instead.' });
  if (Number(request.headers['content-length'] ?? 0) > PACKAGE_MAX_BYTES) throw tooLarge();
  const file = path.join(tmpdir(), `kxp-emulator-package-${randomBytes(8).toString('hex')}.zip`);
  let size = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      callback(size > PACKAGE_MAX_BYTES ? tooLarge() : null, chunk);
    },
  });
  try {
    await pipeline(request, limit, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
    return file; // the emulator removes it when the deployment ends
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new KxpError('USAGE', 'Request body too large.');
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new KxpError('USAGE', 'The request body must be a JSON object.');
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (status === 204 || body === undefined) {
    response.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}

export async function startPortalServer(emulator: PortalEmulator, tokens: readonly RoleToken[], options: PortalServerOptions = {}): Promise<RunningPortalServer> {
  const byToken = new Map(tokens.map(({ token, role }) => [token, role]));
  const table = routes(emulator);
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://emulator');
    const method = request.method ?? 'GET';
    let role: Role | null = null;
    void (async () => {
      let status: number;
      try {
        const header = request.headers.authorization ?? '';
        role = byToken.get(header.replace(/^Bearer\s+/i, '')) ?? null;
        if (!role) throw new KxpError('PORTAL_UNAUTHORIZED', 'Missing or unknown Bearer token.', { hint: 'Pass a token the emulator issued (--token-file or KXP_PORTAL_TOKEN).' });
        const route = table.find(([verb, pattern]) => verb === method && pattern.test(url.pathname));
        if (!route) throw new KxpError('PORTAL_NOT_FOUND', `No route ${method} ${url.pathname}.`);
        const params = (route[1].exec(url.pathname) ?? []).slice(1);
        const [code, body] = await route[2](role, RAW_BODY.test(url.pathname) ? {} : await readJson(request), params, request);
        status = code;
        send(response, code, body);
      } catch (thrown) {
        const error = toKxpError(thrown);
        status = STATUS[error.code] ?? 500;
        send(response, status, { error: { code: error.code, message: error.message, hint: error.hint ?? null } });
      }
      options.onRequest?.({ type: 'request', method, path: url.pathname, status, role });
    })();
  });
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? portInUse(host, port, error) : error));
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${address.address}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function portInUse(host: string, port: number, cause: Error): KxpError {
  return new KxpError('USAGE', `Port ${port} on ${host} is already in use (EADDRINUSE): another program, or another emulator, listens there.`, {
    hint: 'Stop it, or choose another port with --port N (--port 0 picks a free one).',
    cause,
  });
}
