/**
 * The change feed: the event log read as pages of changes after a cursor, for caches, secondaries,
 * peers and auditors that follow the registry. The cursor is a log index: entries are immutable and
 * gap-free, so a page read while writes go on is exact, and the next page starts where it ended.
 * Nothing is lost or seen twice, whatever happens between two reads.
 *
 * Visibility is a seam: every record is public today, so every change is shown; once private
 * records exist, a feed shows a requester only the changes it may see, and still moves the cursor
 * past the others.
 */
import { fail, ok, type Result } from '../errors.js';
import type { RecordStore } from '../ports.js';

/** One change: the event at a log index (its canonical JSON is the entry's exact bytes). */
export interface Change {
  readonly index: number;
  readonly event: Readonly<Record<string, unknown>>;
}

export interface ChangePage {
  readonly changes: readonly Change[];
  /** The cursor of the next page: one past the last entry this page read. */
  readonly next: number;
  /** The log's size when the page was read: `next === size` means the reader is up to date. */
  readonly size: number;
}

/** Whether a requester may see a change (every change is public today). */
export type ChangeVisibility = (event: Readonly<Record<string, unknown>>) => boolean;

export const everyChangeIsPublic: ChangeVisibility = () => true;

export const MAX_CHANGES_PER_PAGE = 1000;

/** The changes after cursor `since` (at most `limit` entries read), and the next cursor. */
export async function changesSince(
  store: Pick<RecordStore, 'logSize' | 'logEntries'>,
  since: number,
  limit: number,
  visible: ChangeVisibility = everyChangeIsPublic,
): Promise<Result<ChangePage>> {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_CHANGES_PER_PAGE) return fail('REQUEST_INVALID', `limit must be 1 to ${MAX_CHANGES_PER_PAGE}, got ${limit}`);
  const size = await store.logSize();
  if (!Number.isSafeInteger(since) || since < 0 || since > size) return fail('LOG_RANGE_INVALID', `cursor ${since} is not a position of this log (0 to ${size})`);
  const entries = await store.logEntries(since, Math.min(size, since + limit));
  const changes = entries.map((entry) => ({ index: entry.index, event: JSON.parse(entry.text) as Record<string, unknown> })).filter((change) => visible(change.event));
  return ok({ changes, next: since + entries.length, size });
}
