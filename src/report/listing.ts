/**
 * Listing progress for people: a container of hundreds of thousands of blobs takes minutes to list, so a
 * line says how far it got ("Listing account/container: 350,000 blobs so far"). Only for a listing of more
 * than one page, and at most one line per interval, so a small container prints nothing new.
 */
import type { DestinationEvent } from '../operations/destinations/types.js';
import { plural } from './format.js';

type ListingProgressEvent = Extract<DestinationEvent, { type: 'listing-progress' }>;

/** Default spacing of listing lines. */
const LISTING_NOTICE_MS = 5000;

export class ListingNotices {
  private lastNotice = -Infinity;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly intervalMs = LISTING_NOTICE_MS,
  ) {}

  /** The line for this event, or undefined when it deserves none (first page, or too soon after the last line). */
  lineFor(event: ListingProgressEvent): string | undefined {
    if (event.pages < 2) return undefined;
    const now = this.now();
    if (now - this.lastNotice < this.intervalMs) return undefined;
    this.lastNotice = now;
    return listingProgressLine(event);
  }
}

export function listingProgressLine(event: ListingProgressEvent): string {
  return `Listing ${event.container}: ${plural(event.blobs, 'blob')} so far.\n`;
}
