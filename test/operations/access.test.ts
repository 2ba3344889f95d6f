import { describe, expect, it } from 'vitest';
import type { AccessNeeds } from '../../src/operations/destinations/types.js';
import { uploadPayload } from '../../src/operations/upload.js';
import { verifyPayload } from '../../src/operations/verify.js';
import { useAzurite } from '../support/azurite.js';
import { useTempDirs, writeTree } from '../support/tree.js';

describe('getting access on demand (the getAccess provider)', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();

  it('is not asked when the plan fails: an invalid payload costs no "Get access"', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/Upper.txt': 'x' });
    const asked: AccessNeeds[] = [];
    const upload = uploadPayload({ dir, storageOnly: true }, { getAccess: async (needs) => (asked.push(needs), {}) });
    await expect(upload).rejects.toMatchObject({ code: 'VALIDATION_FAILED', exitCode: 2 });
    expect(asked).toEqual([]);
  });

  it('is asked once, only for the parts the payload has, and its URLs are used', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/assets/a.txt': 'a', 'storage/default/assets/b.txt': 'bb' });
    const storageSasUrl = await storage.containerSasUrl('on-demand-files');
    const asked: AccessNeeds[] = [];
    const getAccess = async (needs: AccessNeeds) => {
      asked.push(needs);
      // The Portal hands out both URLs at once; the database one must be ignored for a storage-only payload.
      return { dbSasUrl: 'https://unused.example/db?sig=x', storageSasUrl };
    };
    const result = await uploadPayload({ dir, storageOnly: true }, { getAccess });
    expect(result.files).toMatchObject({ total: 2, uploaded: 2, failed: 0 });
    expect(asked).toEqual([{ database: false, storage: true }]);
    const check = await verifyPayload({ dir, storageOnly: true }, { getAccess });
    expect(check.ok).toBe(true);
    expect(asked).toHaveLength(2);
  });

  it('is not asked for a URL given directly', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/c.txt': 'c' });
    const storageSasUrl = await storage.containerSasUrl('given-files');
    let asked = 0;
    const result = await uploadPayload({ dir, storageOnly: true }, { storageSasUrl, getAccess: async () => (asked++, {}) });
    expect(result.ok).toBe(true);
    expect(asked).toBe(0);
  });
});
