/**
 * The manual driver: the real Xperience Portal has no public API for custom restore, so a person does
 * each step in the browser. This driver says which step to take (Data Management → Custom restore → …),
 * waits for the person to confirm, and takes the pasted SAS URLs without echoing them. It decides the
 * words; the CLI supplies the prompter that shows them (the core never prints).
 */
import { KxpError } from '../errors.js';
import { parseContainerSasUrl } from '../azure/sas.js';
import {
  ENVIRONMENTS,
  RESTORE_WINDOW_MS,
  UPLOAD_WINDOW_MS,
  type AccessGrant,
  type EnvironmentName,
  type GetAccessOptions,
  type Portal,
  type PortalCallOptions,
  type RestoreInfo,
  type RestoreOptions,
  type RestorePoint,
  type SessionInfo,
} from './types.js';

/** One instruction for the person at the Portal. */
export interface ManualStep {
  title: string;
  lines: string[];
}

/** How the manual driver talks to the person (the CLI implements it with @inquirer/prompts). */
export interface ManualPrompter {
  show(step: ManualStep): void;
  confirm(message: string, signal?: AbortSignal): Promise<boolean>;
  /** Reads a secret without echoing it; `validate` returns an error message or true. */
  secret(message: string, validate: (value: string) => string | true, signal?: AbortSignal): Promise<string>;
  choose<T extends string>(message: string, choices: ReadonlyArray<{ value: T; name: string }>, signal?: AbortSignal): Promise<T>;
  text(message: string, signal?: AbortSignal): Promise<string>;
}

const CUSTOM_RESTORE = 'In the Xperience Portal, open Data Management → Custom restore.';

/** `other`: the URL pasted for the other container; the same one again is a paste of the wrong clipboard. */
function validSasUrl(label: string, other?: { label: string; url: string }) {
  return (value: string): string | true => {
    try {
      const sas = parseContainerSasUrl(value, label);
      if (other && value.trim() === other.url.trim()) return `That is the same URL as the ${other.label}; paste the ${label} (the other one "Get access" shows).`;
      if (other && sas.container === parseContainerSasUrl(other.url, other.label).container) return `That URL names the same container (${sas.container}) as the ${other.label}; paste the ${label} (the other one "Get access" shows).`;
      return true;
    } catch (error) {
      return error instanceof KxpError ? `${error.message}${error.hint ? ` ${error.hint}` : ''}` : String(error);
    }
  };
}

export class ManualPortal implements Portal {
  readonly kind = 'manual' as const;
  private readonly prompter: ManualPrompter;
  private readonly now: () => Date;

  constructor(prompter: ManualPrompter, options: { now?: () => Date } = {}) {
    this.prompter = prompter;
    this.now = options.now ?? (() => new Date());
  }

  async createSession(options: PortalCallOptions = {}): Promise<SessionInfo> {
    await this.step({ title: 'Create session', lines: [CUSTOM_RESTORE, 'Select Create session. (Only one session can be open at a time; uploads are allowed for 7 days.)'] }, 'Is the session created?', options.signal);
    const created = this.now();
    return {
      id: 'portal',
      state: 'open',
      createdAt: created.toISOString(),
      uploadUntil: new Date(created.getTime() + UPLOAD_WINDOW_MS).toISOString(),
      restoreUntil: new Date(created.getTime() + RESTORE_WINDOW_MS).toISOString(),
      activeGrants: 0,
    };
  }

  async getAccess(options: GetAccessOptions = {}): Promise<AccessGrant> {
    const allowlist = options.allowlist
      ? `Enter ${options.allowlist} in the allowlist and confirm with Get access.`
      : 'Select Get access without entering an allowlist.';
    this.prompter.show({ title: 'Get access', lines: [CUSTOM_RESTORE, 'Under Current session, select Get access.', allowlist, 'Copy the two SAS URLs (you cannot see them again; Get access issues new ones).'] });
    const databaseSasUrl = await this.prompter.secret('Paste the database container SAS URL (input hidden):', validSasUrl('database SAS URL'), options.signal);
    const storageSasUrl = await this.prompter.secret('Paste the storage container SAS URL (input hidden):', validSasUrl('storage SAS URL', { label: 'database SAS URL', url: databaseSasUrl }), options.signal);
    const expiresOn = parseContainerSasUrl(databaseSasUrl, 'database SAS URL').expiresOn ?? new Date(this.now().getTime() + UPLOAD_WINDOW_MS);
    return { databaseSasUrl: databaseSasUrl.trim(), storageSasUrl: storageSasUrl.trim(), expiresOn: expiresOn.toISOString() };
  }

  async revokeAccess(options: PortalCallOptions = {}): Promise<void> {
    await this.step({ title: 'Revoke access', lines: [CUSTOM_RESTORE, 'Under Current session, select Revoke access. Every SAS URL of the session stops working.'] }, 'Is access revoked?', options.signal);
  }

  async getSession(_options: PortalCallOptions = {}): Promise<SessionInfo | null> {
    this.prompter.show({ title: 'Session status', lines: [CUSTOM_RESTORE, 'Current session shows the session, its expiry, Active restores and Last completed restores.'] });
    return null;
  }

  async createRestorePoint(env: EnvironmentName, options: PortalCallOptions = {}): Promise<RestorePoint> {
    await this.step(
      { title: `Create a restore point of ${env.toUpperCase()}`, lines: [`In the Xperience Portal, open the ${env.toUpperCase()} environment's deployments and create a manual restore point.`, 'Wait until it is listed as finished: it is how you go back if the restore goes wrong.'] },
      'Is the restore point created?',
      options.signal,
    );
    return { id: 'portal', env, createdAt: this.now().toISOString() };
  }

  async restore(options: RestoreOptions): Promise<string> {
    const env = options.env.toUpperCase();
    await this.step(
      { title: `Restore to ${env}`, lines: [CUSTOM_RESTORE, 'Under Current session, select Restore to environment.', `Select the ${env} environment and select Create. It is unavailable while the restore runs.`] },
      'Has the restore started (listed under Active restores)?',
      options.signal,
    );
    return `${options.env}@${this.now().toISOString()}`;
  }

  async getRestore(restoreId: string, options: PortalCallOptions = {}): Promise<RestoreInfo> {
    const env = restoreId.split('@')[0] as EnvironmentName;
    const state = await this.prompter.choose(
      `Data Management → Custom restore: where is the restore to ${env.toUpperCase()} now?`,
      [
        { value: 'running', name: 'Still under Active restores' },
        { value: 'succeeded', name: 'Under Last completed restores, finished successfully' },
        { value: 'failed', name: 'Under Last completed restores, failed' },
      ] as const,
      options.signal,
    );
    const restore: RestoreInfo = { id: restoreId, env, state, startedAt: restoreId.split('@')[1] ?? '' };
    if (state === 'failed') restore.reason = (await this.prompter.text('What reason does the Portal give?', options.signal)) || 'the Portal gave no reason';
    if (state !== 'running') restore.finishedAt = this.now().toISOString();
    return restore;
  }

  /** The Portal lists running restores under Active restores: the person says whether one is there. */
  async getActiveRestore(options: PortalCallOptions = {}): Promise<RestoreInfo | null> {
    const answer = await this.prompter.choose<'none' | EnvironmentName>(
      'Data Management → Custom restore: is a restore listed under Active restores?',
      [{ value: 'none', name: 'No' }, ...ENVIRONMENTS.map((env) => ({ value: env, name: `Yes, to ${env.toUpperCase()}` }))],
      options.signal,
    );
    if (answer === 'none') return null;
    const seen = this.now().toISOString();
    return { id: `${answer}@${seen}`, env: answer, state: 'running', startedAt: seen };
  }

  /** The Portal knows the person's role; kxp-restore does not, and the Portal refuses what the role may not do. */
  async whoAmI(_options: PortalCallOptions = {}): Promise<null> {
    return null;
  }

  async closeSession(options: PortalCallOptions = {}): Promise<void> {
    await this.step({ title: 'Close the session', lines: [CUSTOM_RESTORE, 'When the restore is complete and you no longer need the uploaded data, select Close.'] }, 'Is the session closed?', options.signal);
  }

  private async step(step: ManualStep, question: string, signal?: AbortSignal): Promise<void> {
    this.prompter.show(step);
    if (!(await this.prompter.confirm(question, signal))) {
      throw new KxpError('NOT_CONFIRMED', `"${step.title}" was not confirmed, so kxp-restore stopped here.`, { hint: 'Do the step in the Portal and run the command again.' });
    }
  }
}
