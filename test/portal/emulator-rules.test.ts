import { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { usePortalEmulator } from './emulator-harness.js';

const DAY = 24 * 3600 * 1000;

describe('Portal emulator rules', () => {
  // What each restore update saw of its environment's availability, by restore id and state.
  const availability: string[] = [];
  const emu = usePortalEmulator({
    readBacpacVersion: async () => null,
    onEvent: (event) => {
      if (event.type !== 'restore-updated') return;
      const env = emu.running.emulator.environments().find((candidate) => candidate.name === event.restore.env);
      availability.push(`${event.restore.id} ${event.restore.state} ${env?.available ? 'available' : 'unavailable'}`);
    },
  });

  it('allows one open session at a time', async () => {
    const devops = emu.portal('devops');
    const session = await devops.createSession();
    expect(session.state).toBe('open');
    await expect(emu.portal('tenant-administrator').createSession()).rejects.toMatchObject({ code: 'PORTAL_CONFLICT', message: expect.stringContaining('only one session can be open at a time') });
    await devops.closeSession();
    await expect(devops.getSession()).resolves.toBeNull();
    await expect(devops.createSession()).resolves.toMatchObject({ state: 'open' });
  });

  it('refuses session management and production restores to a Developer', async () => {
    const developer = emu.portal('developer');
    await expect(developer.createSession()).rejects.toMatchObject({ code: 'PORTAL_FORBIDDEN', message: expect.stringContaining('Developer role cannot create') });
    await emu.portal('devops').createSession();
    await expect(developer.revokeAccess()).rejects.toMatchObject({ code: 'PORTAL_FORBIDDEN' });
    await expect(developer.closeSession()).rejects.toMatchObject({ code: 'PORTAL_FORBIDDEN' });
    await expect(developer.restore({ env: 'prod' })).rejects.toMatchObject({ code: 'PORTAL_FORBIDDEN', message: expect.stringContaining('prod') });
    await expect(developer.restore({ env: 'stg' })).rejects.toMatchObject({ code: 'PORTAL_FORBIDDEN' });
    // Developers may get access and restore to QA and UAT.
    const grant = await developer.getAccess();
    await emu.put(grant.databaseSasUrl, { 'db.bacpac': 'not really a bacpac' });
    const id = await developer.restore({ env: 'uat' });
    await expect(emu.running.emulator.whenRestoreSettled(id)).resolves.toMatchObject({ state: 'succeeded' });
  });

  it('rejects requests without a known token', async () => {
    const { HttpPortal } = await import('../../src/portal/http-portal.js');
    const stranger = new HttpPortal({ url: emu.running.url, token: 'not-a-token-of-this-emulator' });
    await expect(stranger.getSession()).rejects.toMatchObject({ code: 'PORTAL_UNAUTHORIZED' });
    await expect(emu.portal('devops').advanceClock(1000)).rejects.toMatchObject({ code: 'PORTAL_FORBIDDEN' });
  });

  it('binds every grant of a generation to one stored access policy, so revoke makes every issued URL fail', async () => {
    const devops = emu.portal('devops');
    const session = await devops.createSession();
    const first = await devops.getAccess();
    const second = await devops.getAccess({ allowlist: '127.0.0.1' });
    const param = (url: string, name: string) => new URL(url).searchParams.get(name);
    // A new pair each time, on the same policy: they differ by their start time (and here the IP range).
    expect(first.databaseSasUrl).not.toBe(second.databaseSasUrl);
    expect(param(first.databaseSasUrl, 'st')).not.toBe(param(second.databaseSasUrl, 'st'));
    expect(param(first.databaseSasUrl, 'si')).toBe('access-1');
    expect(param(second.storageSasUrl, 'si')).toBe('access-1');
    expect(param(second.storageSasUrl, 'sip')).toBe('127.0.0.1');
    expect(param(first.storageSasUrl, 'sip')).toBeNull();
    // The URLs keep sp and se so an uploader can check them locally.
    expect(param(first.databaseSasUrl, 'sp')).toContain('w');
    expect(param(first.databaseSasUrl, 'se')).toBeTruthy();
    // The first URLs stay valid after the second Get access.
    await emu.put(first.storageSasUrl, { 'default/assets/a.txt': 'a' });
    await emu.put(second.storageSasUrl, { 'default/assets/b.txt': 'b' });
    expect((await devops.getSession())?.activeGrants).toBe(2);
    const policies = async () => (await emu.running.azurite.serviceClient.getContainerClient(`${session.id}-storage`).getAccessPolicy()).signedIdentifiers.map((policy) => policy.id);
    expect(await policies()).toEqual(['access-1']);

    await devops.revokeAccess();
    expect(await policies()).toEqual([]);
    expect((await devops.getSession())?.activeGrants).toBe(0);
    for (const url of [first.databaseSasUrl, first.storageSasUrl, second.databaseSasUrl, second.storageSasUrl]) {
      await expect(new ContainerClient(url).getBlockBlobClient('x.txt').upload('x', 1)).rejects.toMatchObject({ statusCode: 403 });
    }
    // The next Get access starts a new generation; the revoked URLs stay dead.
    const third = await devops.getAccess();
    expect(param(third.storageSasUrl, 'si')).toBe('access-2');
    await emu.put(third.storageSasUrl, { 'default/assets/c.txt': 'c' });
    await expect(new ContainerClient(first.storageSasUrl).getBlockBlobClient('y.txt').upload('y', 1)).rejects.toMatchObject({ statusCode: 403 });
  });

  it('issues distinct, valid grants without a limit, also when they are requested at the same moment', async () => {
    const devops = emu.portal('devops');
    await devops.createSession();
    // Through the HTTP API and straight on the emulator, all at once: several land in the same millisecond.
    const grants = await Promise.all([
      ...Array.from({ length: 6 }, () => emu.portal('developer').getAccess()),
      ...Array.from({ length: 6 }, () => emu.running.emulator.getAccess('developer')),
    ]);
    expect(new Set(grants.map((grant) => grant.databaseSasUrl)).size).toBe(12);
    expect(new Set(grants.map((grant) => grant.storageSasUrl)).size).toBe(12);
    expect((await devops.getSession())?.activeGrants).toBe(12);
    for (const [index, grant] of grants.entries()) await emu.put(grant.storageSasUrl, { [`default/concurrent-${index}.txt`]: 'ok' });
  });

  it('refuses access after 7 days but still restores until 180 days', async () => {
    const devops = emu.portal('devops');
    await devops.createSession();
    const grant = await devops.getAccess();
    await emu.put(grant.databaseSasUrl, { 'db.bacpac': 'database' });
    await emu.put(grant.storageSasUrl, { 'default/assets/logo.png': 'png' });

    await emu.portal('tenant-administrator').advanceClock(7 * DAY + 1000);
    expect((await devops.getSession())?.state).toBe('expired');
    await expect(devops.getAccess()).rejects.toMatchObject({ code: 'PORTAL_RULE', message: expect.stringContaining('expired for uploads'), hint: expect.stringContaining('still restore') });
    // The URLs issued before the expiry stop working too.
    await expect(new ContainerClient(grant.storageSasUrl).getBlockBlobClient('default/late.txt').upload('x', 1)).rejects.toMatchObject({ statusCode: 403 });

    await emu.portal('tenant-administrator').advanceClock(100 * DAY);
    const id = await devops.restore({ env: 'qa' });
    await expect(emu.running.emulator.whenRestoreSettled(id)).resolves.toMatchObject({ state: 'succeeded' });

    await emu.portal('tenant-administrator').advanceClock(80 * DAY);
    await expect(devops.restore({ env: 'qa' })).rejects.toMatchObject({ code: 'PORTAL_NOT_FOUND' });
    await expect(devops.getSession()).resolves.toBeNull();
  });

  it('fails a restore without db.bacpac, and one with uppercase names, with the reason', async () => {
    const devops = emu.portal('devops');
    await devops.createSession();
    const grant = await devops.getAccess();
    await emu.put(grant.databaseSasUrl, { 'DB.bacpac': 'wrong name' });
    await emu.put(grant.storageSasUrl, { 'default/assets/ok.txt': 'ok' });
    const before = await emu.environmentBlobs('qa');

    const missing = await emu.running.emulator.whenRestoreSettled(await devops.restore({ env: 'qa' }));
    expect(missing).toMatchObject({ state: 'failed', reasonCode: 'RESTORE_FAILED' });
    expect(missing.reason).toContain('no blob named db.bacpac');
    expect(missing.reason).toContain('DB.bacpac');

    await emu.put(grant.databaseSasUrl, { 'db.bacpac': 'right name' });
    await emu.put(grant.storageSasUrl, { 'default/Assets/Logo.PNG': 'upper', 'loose.txt': 'outside' });
    const upper = await emu.running.emulator.whenRestoreSettled(await devops.restore({ env: 'qa' }));
    expect(upper).toMatchObject({ state: 'failed', reasonCode: 'RESTORE_FAILED' });
    expect(upper.reason).toContain('uppercase letters, e.g. default/Assets/Logo.PNG');
    expect(upper.reason).toContain('not inside a container folder, e.g. loose.txt');
    // Nothing of the environment was touched.
    expect(await emu.environmentBlobs('qa')).toEqual(before);
    expect(emu.running.emulator.environments().find((env) => env.name === 'qa')?.available).toBe(true);
  });

  it('replaces the database and recreates the storage containers from the uploaded folders', async () => {
    const devops = emu.portal('devops');
    // Something from an earlier life of the environment that the restore must remove.
    const storage = emu.running.emulator.environmentStorage('stg');
    await storage.getContainerClient('old-container').createIfNotExists();
    await storage.getContainerClient('old-container').getBlockBlobClient('stale.txt').upload('stale', 5);

    await devops.createSession();
    const grant = await devops.getAccess();
    await emu.put(grant.databaseSasUrl, { 'db.bacpac': 'the database' });
    await emu.put(grant.storageSasUrl, { 'default/assets/a.txt': 'aaa', 'default/assets/b/c.txt': 'cc', 'media/x.bin': Buffer.alloc(1000, 7) });
    const point = await devops.createRestorePoint('stg');
    expect(point.env).toBe('stg');

    const id = await devops.restore({ env: 'stg' });
    const done = await emu.running.emulator.whenRestoreSettled(id);
    expect(done).toMatchObject({ state: 'succeeded', env: 'stg' });
    expect(await emu.environmentBlobs('stg')).toEqual({ 'default/assets/a.txt': 3, 'default/assets/b/c.txt': 2, 'media/x.bin': 1000 });
    const database = await emu.running.emulator.environmentDatabase('stg').getBlobClient('db.bacpac').downloadToBuffer();
    expect(database.toString()).toBe('the database');
    // Unavailable from the moment the data checks passed until the restore ended.
    const seen = availability.filter((line) => line.startsWith(id)).map((line) => line.slice(id.length + 1));
    expect(seen[0]).toBe('validating available');
    expect(seen.filter((line) => line.startsWith('running')).every((line) => line.endsWith(' unavailable'))).toBe(true);
    expect(seen.some((line) => line.startsWith('running'))).toBe(true);
    expect(seen.at(-1)).toBe('succeeded available');
    expect(emu.running.emulator.environments().find((env) => env.name === 'stg')?.available).toBe(true);
    await expect(devops.getRestore(id)).resolves.toMatchObject({ state: 'succeeded' });
  });
});
