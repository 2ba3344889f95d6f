/** A SAS URL for the part the payload lacks (issue 18 point 3): refused while its container holds what the restore would take. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { useAzurite } from '../support/azurite.js';
import { useTempDirs, writeTree } from '../support/tree.js';

describe('a SAS URL for a part the payload lacks', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();

  it('is refused while its container holds blobs (nothing sent), and noted when it is empty', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/assets/a.png': 'a' });
    const dbUrl = await storage.containerSasUrl('part-old-db');
    await storage.azurite.serviceClient.getContainerClient('part-old-db').getBlockBlobClient('db.bacpac').upload('old', 3);
    const env = { KXP_STORAGE_SAS_URL: await storage.containerSasUrl('part-files'), KXP_DB_SAS_URL: dbUrl };
    const args = async () => ['--storage', `${dir}/storage`, '--state-dir', `${await tempDir()}/s`];

    const refused = await runCli(['upload', ...(await args()), '--no-progress'], { env });
    expect(refused.stderr).toMatch(/UNUSED_CONTAINER[\s\S]*already holds blobs \(db\.bacpac…\) that the restore would take/);
    expect(refused.stderr).not.toMatch(/sig=(?!REDACTED)/);
    expect(refused.exitCode).toBe(2);
    expect(await storage.blobNames('part-files')).toEqual([]);
    const verify = await runCli(['verify', ...(await args())], { env });
    expect(verify.stderr).toMatch(/UNUSED_CONTAINER/);
    expect(verify.exitCode).toBe(2);

    const emptyDb = { ...env, KXP_DB_SAS_URL: await storage.containerSasUrl('part-empty-db') };
    const empty = await runCli(['upload', ...(await args()), '--no-progress'], { env: emptyDb });
    expect(empty.stderr).toMatch(/Note: the database SAS URL is not used: this payload has no db\.bacpac, and devstoreaccount1\/part-empty-db is empty/);
    expect(empty.exitCode).toBe(0);
    expect(await storage.blobNames('part-files')).toEqual(['default/assets/a.png']);
  });
});
