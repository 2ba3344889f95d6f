/**
 * Sessions and access, as the Portal runs them: one session at a time, SAS URLs for 7 days from its
 * creation (each "Get access" a new pair, all bound to one stored access policy until a revoke), its data
 * kept for 180 days.
 */
import { isIPv4 } from 'node:net';
import { ContainerSASPermissions, generateBlobSASQueryParameters, SASProtocol } from '@azure/storage-blob';
import { KxpError } from '../../errors.js';
import { canManage, RESTORE_WINDOW_MS, UPLOAD_WINDOW_MS, type AccessGrant, type Role, type SessionInfo } from '../types.js';
import { forbidden, newId, type EmulatorCore } from './core.js';
import type { StoredSession } from './state.js';

/** What the issued SAS URLs allow: everything an uploader, a verifier and a tidy-up need. */
const GRANT_PERMISSIONS = 'racwdl';
/** SAS start times reach this far back, for clock skew between machines (Azure's advice for `st`). */
const START_SKEW_MS = 15 * 60 * 1000;

function parseAllowlist(allowlist: string): { start: string; end?: string } {
  const [start, end, extra] = allowlist.trim().split('-').map((part) => part.trim());
  if (!start || !isIPv4(start) || (end !== undefined && !isIPv4(end)) || extra !== undefined) {
    throw new KxpError('USAGE', `The allowlist "${allowlist}" is not an IPv4 address or range.`, { hint: 'Give an address (203.0.113.7) or a range (203.0.113.0-203.0.113.255).' });
  }
  return end === undefined ? { start } : { start, end };
}

/**
 * The start time of a new grant (real clock: Azurite checks it): whole seconds, as the SAS format has no
 * finer unit, and strictly after the previous grant's, so grants issued in the same second still differ.
 * Starting 15 minutes back leaves room for bursts; only a burst faster than that is refused.
 */
function nextStart(session: StoredSession): Date {
  const realNow = Date.now();
  const earliest = Math.floor((realNow - START_SKEW_MS) / 1000) * 1000;
  const start = Math.max(earliest, session.lastStart === null ? 0 : Date.parse(session.lastStart) + 1000);
  if (start > realNow) {
    throw new KxpError('PORTAL_RULE', 'Too many access grants in a short time.', { hint: 'Keep using the SAS URLs you already have, or wait a moment and get access again.' });
  }
  return new Date(start);
}

export async function createSession(core: EmulatorCore, role: Role): Promise<SessionInfo> {
  return core.exclusive(async () => {
    if (!canManage(role)) throw forbidden(role, 'create a custom restore session');
    await applyExpiry(core);
    const current = core.state.session;
    if (current) {
      throw new KxpError('PORTAL_CONFLICT', `A custom restore session (${current.id}, created ${current.createdAt}) is already open; only one session can be open at a time.`, {
        hint: 'Finish with it and close it (kxp-restore session close), then create a new one.',
      });
    }
    const now = core.clock.now();
    const session: StoredSession = {
      id: newId('s'),
      createdAt: now.toISOString(),
      uploadUntil: new Date(now.getTime() + UPLOAD_WINDOW_MS).toISOString(),
      restoreUntil: new Date(now.getTime() + RESTORE_WINDOW_MS).toISOString(),
      policy: null,
      generations: 0,
      grants: 0,
      lastStart: null,
    };
    await core.sessionContainer(session, 'database').create();
    await core.sessionContainer(session, 'storage').create();
    core.state.session = session;
    await core.persist();
    const info = describe(core, session);
    core.emit({ type: 'session-created', session: info });
    return info;
  });
}

export async function getSession(core: EmulatorCore, _role: Role): Promise<SessionInfo> {
  return core.exclusive(async () => {
    return describe(core, await requireSession(core));
  });
}

export async function getAccess(core: EmulatorCore, _role: Role, options: { allowlist?: string } = {}): Promise<AccessGrant> {
  return core.exclusive(async () => {
    // Every role may get access: Developers "access the restore containers" too.
    const session = await requireSession(core);
    const now = core.clock.now();
    if (now >= new Date(session.uploadUntil)) {
      throw new KxpError('PORTAL_RULE', `The upload window of session ${session.id} has closed: it expired for uploads on ${session.uploadUntil} (uploads are allowed for 7 days after it was created), so no new SAS URLs are issued.`, {
        hint: `A new session is needed to upload: close this one and create a new one. You can still restore the data already uploaded until ${session.restoreUntil}.`,
      });
    }
    const ipRange = options.allowlist ? parseAllowlist(options.allowlist) : undefined;
    const startsOn = nextStart(session);
    const policy = session.policy ?? (await createPolicy(core, session));
    const expiresOn = new Date(policy.expiresOn);
    // The URL repeats the policy's permissions and expiry (sp, se) so the uploader can check them before sending;
    // Azurite accepts this form and refuses every such URL once the policy is deleted (revoke).
    const urls = (['database', 'storage'] as const).map((part) => {
      const container = core.sessionContainer(session, part);
      const sas = generateBlobSASQueryParameters(
        { containerName: container.containerName, identifier: policy.id, permissions: ContainerSASPermissions.parse(GRANT_PERMISSIONS), startsOn, expiresOn, ipRange, protocol: SASProtocol.HttpsAndHttp },
        core.azurite.credential,
      ).toString();
      return `${container.url}?${sas}`;
    });
    session.grants += 1;
    session.lastStart = startsOn.toISOString();
    await core.persist();
    core.emit({ type: 'access-granted', grants: session.grants, allowlist: options.allowlist ?? null });
    return { databaseSasUrl: urls[0] ?? '', storageSasUrl: urls[1] ?? '', expiresOn: session.uploadUntil };
  });
}

export async function revokeAccess(core: EmulatorCore, role: Role): Promise<void> {
  return core.exclusive(async () => {
    if (!canManage(role)) throw forbidden(role, 'revoke access to the restore containers');
    const session = await requireSession(core);
    await deletePolicies(core, session);
    await core.persist();
    core.emit({ type: 'access-revoked' });
  });
}

export async function closeSession(core: EmulatorCore, role: Role): Promise<void> {
  return core.exclusive(async () => {
    if (!canManage(role)) throw forbidden(role, 'close a custom restore session');
    const session = await requireSession(core);
    const running = core.running();
    if (running) {
      throw new KxpError('PORTAL_CONFLICT', `A restore to ${running.env} (${running.id}) is still running; the session cannot be closed until it ends.`, {
        hint: 'Wait for it (kxp-restore restore waits) and close afterwards.',
      });
    }
    await discardSession(core, session);
    core.emit({ type: 'session-closed', id: session.id });
  });
}

export async function requireSession(core: EmulatorCore): Promise<StoredSession> {
  await applyExpiry(core);
  const session = core.state.session;
  if (!session) {
    throw new KxpError('PORTAL_NOT_FOUND', 'There is no open custom restore session.', { hint: 'Create one first (kxp-restore session create).' });
  }
  return session;
}

/** Past 7 days the SAS URLs stop working (policies deleted); past 180 days the session and its data are gone. */
export async function applyExpiry(core: EmulatorCore): Promise<void> {
  const session = core.state.session;
  if (!session) return;
  const now = core.clock.now();
  if (now >= new Date(session.restoreUntil)) {
    await discardSession(core, session);
    core.emit({ type: 'session-expired', id: session.id, uploadsOnly: false });
  } else if (now >= new Date(session.uploadUntil) && session.policy !== null) {
    await deletePolicies(core, session);
    core.emit({ type: 'session-expired', id: session.id, uploadsOnly: true });
  }
}

/** Starts an access generation: one policy, same id, on both containers, holding the upload window. */
async function createPolicy(core: EmulatorCore, session: StoredSession): Promise<NonNullable<StoredSession['policy']>> {
  const id = `access-${session.generations + 1}`;
  // Azurite checks expiry on the real clock: translate the end of the upload window. Azurite 3.35 takes
  // permissions and expiry from the policy (a policy that leaves them to the URL answers 500).
  const expiresOn = core.clock.toRealTime(new Date(session.uploadUntil));
  const identifier = { id, accessPolicy: { permissions: GRANT_PERMISSIONS, expiresOn } };
  for (const part of ['database', 'storage'] as const) await core.sessionContainer(session, part).setAccessPolicy(undefined, [identifier]);
  session.policy = { id, expiresOn: expiresOn.toISOString() };
  session.generations += 1;
  session.grants = 0;
  return session.policy;
}

async function deletePolicies(core: EmulatorCore, session: StoredSession): Promise<void> {
  for (const part of ['database', 'storage'] as const) await core.sessionContainer(session, part).setAccessPolicy(undefined, []);
  session.policy = null;
  session.grants = 0;
}

async function discardSession(core: EmulatorCore, session: StoredSession): Promise<void> {
  for (const part of ['database', 'storage'] as const) await core.sessionContainer(session, part).deleteIfExists();
  core.state.session = null;
  await core.persist();
}

function describe(core: EmulatorCore, session: StoredSession): SessionInfo {
  const open = core.clock.now() < new Date(session.uploadUntil);
  const { id, createdAt, uploadUntil, restoreUntil } = session;
  const running = core.running();
  return { id, state: open ? 'open' : 'expired', createdAt, uploadUntil, restoreUntil, activeGrants: session.grants, activeRestore: running ? { ...running } : null };
}
