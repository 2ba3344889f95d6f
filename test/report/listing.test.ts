import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ListingNotices } from '../../src/report/listing.js';
import { createTransferProgress } from '../../src/report/progress.js';

const page = (pages: number, blobs: number) => ({ type: 'listing-progress' as const, container: 'devstoreaccount1/files', pages, blobs });

describe('listing progress', () => {
  it('says how far a long listing got, from its second page on, at most once per interval (fake clock)', () => {
    let now = 0;
    const notices = new ListingNotices(() => now, 5000);
    expect(notices.lineFor(page(1, 5000))).toBeUndefined(); // one page: nothing to wait for
    expect(notices.lineFor(page(2, 10_000))).toBe('Listing devstoreaccount1/files: 10,000 blobs so far.\n');
    now = 4999;
    expect(notices.lineFor(page(3, 15_000))).toBeUndefined();
    now = 5000;
    expect(notices.lineFor(page(70, 350_000))).toBe('Listing devstoreaccount1/files: 350,000 blobs so far.\n');
  });

  it('is a notice of the upload display, shown without progress bars and hidden by --quiet', () => {
    for (const quiet of [false, true]) {
      const output = new PassThrough();
      let text = '';
      output.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      const view = createTransferProgress(output, { progress: false, quiet, now: () => 0 });
      view.handle(page(1, 5000));
      view.handle(page(2, 10_000));
      view.stop();
      expect(text).toBe(quiet ? '' : 'Listing devstoreaccount1/files: 10,000 blobs so far.\n');
    }
  });
});
