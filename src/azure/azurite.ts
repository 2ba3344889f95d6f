/**
 * Starts Microsoft's storage emulator (Azurite, blob service only) as a child process on a loopback
 * port, for the rehearsal, the Portal emulator and the tests. A child process keeps the emulator's
 * CPU work out of the uploader's event loop, which keeps rehearsal and benchmark figures honest.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BlobServiceClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  SASProtocol,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { KxpError } from '../errors.js';
import { makeDirectory } from '../fs/make-directory.js';

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteOptions {
  /** Loopback address to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Keep data in this folder instead of memory. */
  dataDir?: string;
  /** Cap for in-memory data, in MiB (Azurite defaults to half the machine's memory). */
  memoryLimitMiB?: number;
  /** How long to wait for the emulator to listen. Default 30 s. */
  startTimeoutMs?: number;
  /**
   * Extra storage accounts beside the development account (Azurite's AZURITE_ACCOUNTS), e.g. one per
   * Portal environment. Keys are base64, as Azure's are.
   */
  accounts?: ReadonlyArray<{ name: string; key: string }>;
  /** Serve https with this certificate and key (PEM files), e.g. for OAuth, which Azurite accepts only over https. */
  https?: { certPath: string; keyPath: string };
  /** Accept Entra ID bearer tokens (Azurite's `--oauth basic`: lifetime, issuer and audience checked, not the signature). Needs https. */
  oauth?: 'basic';
  /** Extra environment for the emulator (e.g. NODE_EXTRA_CA_CERTS, so it trusts its own certificate when it checks a copy source). */
  env?: Readonly<Record<string, string>>;
  signal?: AbortSignal;
}

export interface RunningAzurite {
  host: string;
  port: number;
  /** Blob service endpoint, e.g. `http://127.0.0.1:41234/devstoreaccount1`. */
  blobEndpoint: string;
  accountName: string;
  credential: StorageSharedKeyCredential;
  serviceClient: BlobServiceClient;
  process: ChildProcess;
  stop(): Promise<void>;
}

const requireFromHere = createRequire(import.meta.url);

/** The compiled launcher beside this module; when the tests run from source, its TypeScript (Node 24 strips the types). */
function childLauncher(): string {
  const compiled = fileURLToPath(new URL('./azurite-child.js', import.meta.url));
  return existsSync(compiled) ? compiled : fileURLToPath(new URL('./azurite-child.ts', import.meta.url));
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const host = options.host ?? '127.0.0.1';
  const mainScript = requireFromHere.resolve('azurite/dist/src/blob/main.js');
  // Azurite may write a small metadata file even in memory mode; keep it out of the user's folder.
  const workDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'kxp-azurite-')));
  // The data folder is also the child's working directory: a missing one fails the spawn itself.
  if (options.dataDir !== undefined) await makeDirectory(options.dataDir);
  const args = [
    mainScript,
    '--blobHost', host,
    '--blobPort', String(options.port ?? 0),
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--loose',
  ];
  if (options.https) args.push('--cert', options.https.certPath, '--key', options.https.keyPath);
  if (options.oauth) args.push('--oauth', options.oauth);
  if (options.dataDir !== undefined) {
    args.push('--location', options.dataDir);
  } else {
    args.push('--inMemoryPersistence');
    if (options.memoryLimitMiB !== undefined) args.push('--extentMemoryLimit', String(options.memoryLimitMiB));
  }
  const env = { ...process.env, ...options.env };
  if (options.accounts?.length) {
    // Setting AZURITE_ACCOUNTS replaces the default account, so list it again.
    const all = [{ name: AZURITE_ACCOUNT, key: AZURITE_KEY }, ...options.accounts];
    env.AZURITE_ACCOUNTS = all.map((account) => `${account.name}:${account.key}`).join(';');
  }
  // Through the launcher, which ends the emulator when this process dies (its stdin pipe closes).
  const child = spawn(process.execPath, [childLauncher(), ...args], { cwd: workDir, env, stdio: ['pipe', 'pipe', 'pipe'] });

  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error('Azurite did not start listening in time')), options.startTimeoutMs ?? 30_000);
    const onAbort = () => fail(new Error('Azurite start was aborted'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    function cleanup() {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', fail);
    }
    function fail(reason: Error) {
      cleanup();
      child.kill('SIGKILL');
      reject(new KxpError('INTERNAL', `Could not start Azurite: ${reason.message}\n${output.slice(-2000)}`, { cause: reason }));
    }
    function onData(chunk: Buffer) {
      output += chunk.toString('utf8');
      const match = /successfully listens on https?:\/\/[^\s:]+:(\d+)/.exec(output);
      if (match?.[1]) {
        cleanup();
        resolve(Number(match[1]));
      }
    }
    function onExit(code: number | null) {
      fail(new Error(`Azurite exited with code ${code}`));
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
    // A launcher that cannot start at all (no such binary, a cwd gone) fails now, not at the timeout.
    child.on('error', fail);
  });
  // Keep draining output so a chatty emulator never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();

  const blobEndpoint = `${options.https ? 'https' : 'http'}://${host}:${port}/${AZURITE_ACCOUNT}`;
  const credential = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);
  let stopped: Promise<void> | undefined;
  return {
    host,
    port,
    blobEndpoint,
    accountName: AZURITE_ACCOUNT,
    credential,
    serviceClient: new BlobServiceClient(blobEndpoint, credential),
    process: child,
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        }
        if (options.dataDir === undefined) await rm(workDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

export interface ContainerSasOptions {
  /** Letters from `racwdl` (read, add, create, write, delete, list). Default `racwdl`. */
  permissions?: string;
  /** Default: one day from now. */
  expiresOn?: Date;
  startsOn?: Date;
  /** Name of a stored access policy on the container; permissions and expiry then come from it. */
  identifier?: string;
  /** Allowed client IP or range, e.g. `127.0.0.1` or `10.0.0.1-10.0.0.255`. */
  ipRange?: { start: string; end?: string };
  /** Base URL to put in front instead of the emulator's own (for example a fault-injecting proxy). */
  baseUrl?: string;
}

/** A container SAS URL signed with the emulator's account key, as the Portal would hand out. */
export function createContainerSasUrl(azurite: Pick<RunningAzurite, 'blobEndpoint' | 'credential'>, container: string, options: ContainerSasOptions = {}): string {
  const usePolicy = options.identifier !== undefined;
  const sas = generateBlobSASQueryParameters(
    {
      containerName: container,
      identifier: options.identifier,
      permissions: usePolicy ? undefined : ContainerSASPermissions.parse(options.permissions ?? 'racwdl'),
      expiresOn: usePolicy ? options.expiresOn : (options.expiresOn ?? new Date(Date.now() + 24 * 3600 * 1000)),
      startsOn: options.startsOn,
      ipRange: options.ipRange,
      protocol: SASProtocol.HttpsAndHttp,
    },
    azurite.credential,
  ).toString();
  const base = (options.baseUrl ?? azurite.blobEndpoint).replace(/\/+$/, '');
  return `${base}/${container}?${sas}`;
}
