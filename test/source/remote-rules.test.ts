/**
 * Remote sources held to the same rules at transfer time as at plan time (issue 18 point 4), on Azurite:
 * a blob listed during the upload that fails a check stops the run naming the finding's code; a --map that
 * starts no source blob is an error suggesting the name's real case; a source that adds nothing is an error.
 */
import { describe, expect, it } from 'vitest';
import { planPayload } from '../../src/operations/plan.js';
import { uploadPayload } from '../../src/operations/upload.js';
import { useAzurite } from '../support/azurite.js';
import { useTempDirs } from '../support/tree.js';

const fastRetry = { baseDelayMs: 5, maxDelayMs: 50 };

describe('remote sources: the same rules at plan time and at transfer time', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();
  let count = 0;

  /** A source container holding `blobs` (name → body), and its read+list SAS URL. */
  async function sourceWith(blobs: Record<string, string>): Promise<string> {
    const name = `remote-src-${++count}`;
    const url = await storage.containerSasUrl(name, { permissions: 'rl' });
    const container = storage.azurite.serviceClient.getContainerClient(name);
    for (const [blob, body] of Object.entries(blobs)) await container.getBlockBlobClient(blob).upload(body, Buffer.byteLength(body));
    return url;
  }
  const addBlob = (sourceUrl: string, blob: string, body: string) =>
    storage.azurite.serviceClient.getContainerClient(new URL(sourceUrl).pathname.split('/')[2] ?? '').getBlockBlobClient(blob).upload(body, body.length);

  it('a --map in the wrong case is an error that names the prefix the blobs really have; the source then adds nothing (EMPTY)', async () => {
    const url = await sourceWith({ 'MySite/media/Images/banner.jpg': 'banner', 'MySite/media/logo.png': 'logo' });
    const plan = await planPayload({ storageFrom: [url], map: ['mysite/media/=default/assets/media/'], lowercase: true });
    const label = plan.remote[0]?.label;
    expect(plan.errors.map((finding) => `${finding.code} ${finding.path}`)).toEqual([`EMPTY ${label}`, `MAP_UNMATCHED ${label}`]);
    expect(plan.errors[1]?.message).toContain("did you mean --map 'MySite/media/=default/assets/media/'?");
    // The same prefix in the blobs' own case passes.
    const fixed = await planPayload({ storageFrom: [url], map: ['MySite/media/=default/assets/media/'], lowercase: true });
    expect(fixed.errors).toEqual([]);
    expect(fixed.totals.files).toBe(2);
  });

  it('a --map used by one source and not another is fine; a source that contributes nothing is an error of its own', async () => {
    const full = await sourceWith({ 'site/a.jpg': 'a' });
    const other = await sourceWith({ 'elsewhere/b.jpg': 'b' });
    const empty = await sourceWith({});
    const both = await planPayload({ storageFrom: [full, other], map: ['site/=default/', 'elsewhere/=default/'] });
    expect(both.errors).toEqual([]);
    const plan = await planPayload({ storageFrom: [full, empty], map: ['site/=default/'] });
    expect(plan.errors).toEqual([{ code: 'EMPTY', severity: 'error', path: plan.remote[1]?.label, message: expect.stringContaining('it lists no blob') }]);
  });

  it.each([
    ['a name with uppercase letters', false, 'site/Late.jpg', 'site/Late.jpg', 'NOT_LOWERCASE'],
    // Listed first (uppercase sorts first), so the blob that was there is the one that collides.
    ['a name that collides with another once lowercased', true, 'site/A.JPG', 'site/a.jpg', 'CASE_COLLISION'],
  ])('a blob added to the source after the plan with %s stops the upload with that code', async (_what, lowercase, added, reported, code) => {
    const sourceUrl = await sourceWith({ 'site/a.jpg': 'a' });
    const storageSasUrl = await storage.containerSasUrl(`remote-restore-${++count}`);
    const run = uploadPayload(
      { storageFrom: [sourceUrl], map: ['site/=default/'], lowercase },
      {
        stateDir: await tempDir(),
        retry: fastRetry,
        // Asked for the URL once the plan has passed, before the source is listed again for the transfer.
        getAccess: async () => {
          await addBlob(sourceUrl, added, 'late');
          return { storageSasUrl };
        },
      },
    );
    await expect(run).rejects.toMatchObject({ code: 'SOURCE_CHANGED', exitCode: 1, path: expect.stringMatching(new RegExp(`/${reported}$`)), message: expect.stringMatching(new RegExp(`^The payload changed after the check: .*\\(${code}\\)$`)) });
  });
});
