/**
 * Starts the whole Portal emulator: Azurite (with one storage account per environment), the rules
 * engine and its HTTP API. In memory unless `dataDir` is given, in which case Azurite's data and the
 * emulator's state (sessions, restores, clock, account keys) survive a restart.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAzurite, type RunningAzurite } from '../../azure/azurite.js';
import { KxpError } from '../../errors.js';
import { isStorageAccountName } from '../../rules/names.js';
import { preparePrivateFolder, writePrivateFile } from '../../fs/private-file.js';
import { offsetProblem } from './clock.js';
import { EXAMPLE_XPERIENCE_VERSION, readXperienceVersion } from '../../bacpac/index.js';
import { ENVIRONMENTS, type EnvironmentName, type Role } from '../types.js';
import { initialEmulatorState, PortalEmulator, type EmulatorEvent, type EmulatorState } from './portal-emulator.js';
import { startPortalServer, type RequestEvent } from './server.js';
import { generateTokens, writeTokenFiles, type RoleToken } from './tokens.js';
import type { BacpacVersionReader } from './restore-job.js';

/** Every environment starts on the version of the bundled example, so the rehearsal matches out of the box. */
export const DEFAULT_ENVIRONMENT_VERSION = EXAMPLE_XPERIENCE_VERSION;

export interface StartPortalEmulatorOptions {
  host?: string;
  /** HTTP API port; 0 (default) picks a free one. */
  port?: number;
  /** Xperience version of each environment (default: the example's). */
  envVersions?: Partial<Record<EnvironmentName, string>>;
  /** Keep Azurite's data and the emulator's state here instead of in memory. */
  dataDir?: string;
  /** More storage accounts in the emulator's Azurite beside the environments' (rehearse holds --storage-from sources there). */
  extraAccounts?: ReadonlyArray<{ name: string; key: string }>;
  /** Tokens to accept; generated when absent. */
  tokens?: RoleToken[];
  /** Where to write one `<role>.token` file per role (default: `<dataDir>/tokens`, or a temp folder removed at stop). */
  tokenDir?: string;
  readBacpacVersion?: BacpacVersionReader;
  onEvent?: (event: EmulatorEvent | RequestEvent) => void;
  signal?: AbortSignal;
}

export interface RunningPortalEmulator {
  /** Base URL of the HTTP API, e.g. `http://127.0.0.1:41234`. */
  url: string;
  emulator: PortalEmulator;
  azurite: RunningAzurite;
  tokens: RoleToken[];
  /** Path of the token file of each role. */
  tokenFiles: Partial<Record<Role, string>>;
  tokenFor(role: Role): string;
  stop(): Promise<void>;
}

const STATE_FILE = 'portal-state.json';

async function loadState(dataDir: string | undefined, versions: Record<EnvironmentName, string>, explicit: Partial<Record<EnvironmentName, string>>): Promise<EmulatorState> {
  if (dataDir !== undefined) {
    const file = path.join(dataDir, STATE_FILE);
    const hint = 'Remove the file (the emulator starts afresh) or use another --data folder.';
    let state: EmulatorState;
    try {
      state = JSON.parse(await readFile(file, 'utf8')) as EmulatorState;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new KxpError('UNREADABLE', `The emulator state in ${dataDir} is unreadable: ${(error as Error).message}`, { path: file, hint });
      }
      return initialEmulatorState(versions, explicit);
    }
    const problem = stateProblem(state);
    if (problem) throw new KxpError('UNREADABLE', `The emulator state ${file} cannot be valid: ${problem}.`, { path: file, hint });
    for (const [env, version] of Object.entries(explicit)) Object.assign(state.environments[env as EnvironmentName], { version, deployedVersion: version });
    // Written back at once: an older file (or one whose mode was loosened) becomes owner-only now, not at the first change.
    await writePrivateFile(file, JSON.stringify(state, null, 2));
    return state;
  }
  return initialEmulatorState(versions, explicit);
}

/** What makes a loaded state impossible (hand-edited, truncated, from elsewhere), or null. Checks what the emulator relies on. */
export function stateProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'it is not a JSON object';
  const state = value as Partial<Record<keyof EmulatorState, unknown>>;
  const offset = offsetProblem(state.clockOffsetMs);
  if (offset) return `clockOffsetMs ${offset}`;
  if (!Array.isArray(state.restores) || !Array.isArray(state.restorePoints)) return 'restores or restorePoints is not a list';
  const environments = state.environments as Record<string, { version?: unknown; available?: unknown; account?: { name?: unknown; key?: unknown } } | undefined> | undefined;
  for (const env of ENVIRONMENTS) {
    const entry = environments?.[env];
    if (typeof entry?.version !== 'string' || !/^\d+(?:\.\d+){1,3}$/.test(entry.version)) return `environment ${env} has no valid version`;
    if (typeof entry.available !== 'boolean') return `environment ${env} has no availability`;
    if (typeof entry.account?.name !== 'string' || !isStorageAccountName(entry.account.name)) return `environment ${env} has no valid storage account name`;
    if (typeof entry.account.key !== 'string' || !/^[A-Za-z0-9+/]{40,}={0,2}$/.test(entry.account.key)) return `environment ${env} has no valid account key`;
  }
  if (state.session !== null) {
    const session = state.session as Partial<Record<'id' | 'createdAt' | 'uploadUntil' | 'restoreUntil', unknown>> | undefined;
    const times = [session?.createdAt, session?.uploadUntil, session?.restoreUntil].map((time) => (typeof time === 'string' ? Date.parse(time) : Number.NaN));
    if (typeof session?.id !== 'string' || times.some((time) => Number.isNaN(time))) return 'the session has no id or an unreadable date';
    const [created = 0, uploadUntil = 0, restoreUntil = 0] = times;
    if (!(created <= uploadUntil && uploadUntil <= restoreUntil)) return 'the session ends before it starts';
  }
  return null;
}

export async function startPortalEmulator(options: StartPortalEmulatorOptions = {}): Promise<RunningPortalEmulator> {
  const explicit = options.envVersions ?? {};
  const versions = Object.fromEntries(ENVIRONMENTS.map((env) => [env, explicit[env] ?? DEFAULT_ENVIRONMENT_VERSION])) as Record<EnvironmentName, string>;
  const dataDir = options.dataDir === undefined ? undefined : path.resolve(options.dataDir);
  if (dataDir !== undefined) await preparePrivateFolder(dataDir, 'emulator data folder');
  const state = await loadState(dataDir, versions, explicit);
  const azurite = await startAzurite({
    host: options.host,
    dataDir: dataDir === undefined ? undefined : path.join(dataDir, 'azurite'),
    accounts: [...ENVIRONMENTS.map((env) => state.environments[env].account), ...(options.extraAccounts ?? [])],
    signal: options.signal,
  });
  const ownTokenDir = options.tokenDir === undefined && dataDir === undefined ? await mkdtemp(path.join(tmpdir(), 'kxp-portal-tokens-')) : undefined;
  const tokenDir = options.tokenDir ?? ownTokenDir ?? path.join(dataDir ?? '', 'tokens');
  const stateFile = dataDir === undefined ? undefined : path.join(dataDir, STATE_FILE);
  let emulator: PortalEmulator | undefined;
  try {
    emulator = new PortalEmulator({
      azurite,
      state,
      readBacpacVersion: options.readBacpacVersion ?? readXperienceVersion,
      persist: stateFile === undefined ? undefined : (current) => writePrivateFile(stateFile, JSON.stringify(current, null, 2)),
      onEvent: options.onEvent,
    });
    const tokens = options.tokens ?? generateTokens();
    const tokenFiles = await writeTokenFiles(tokenDir, tokens);
    const server = await startPortalServer(emulator, tokens, { host: options.host, port: options.port, onRequest: options.onEvent });
    const running = emulator;
    let stopped: Promise<void> | undefined;
    return {
      url: server.url,
      emulator: running,
      azurite,
      tokens,
      tokenFiles,
      tokenFor(role) {
        const found = tokens.find((token) => token.role === role);
        if (!found) throw new KxpError('USAGE', `The emulator has no token for the role ${role}.`);
        return found.token;
      },
      stop() {
        stopped ??= (async () => {
          await server.close();
          await running.close();
          await azurite.stop();
          if (ownTokenDir !== undefined) await rm(ownTokenDir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  } catch (error) {
    await emulator?.close();
    await azurite.stop();
    if (ownTokenDir !== undefined) await rm(ownTokenDir, { recursive: true, force: true });
    throw error;
  }
}
