/**
 * Keyset paging, the one way lists page: a page holds at most `limit` items and, when more
 * follow, an opaque cursor that names the last item returned. Lists by name use the name
 * itself; newest-first lists use (time, id) so that items of the same millisecond still page
 * exactly.
 */
import { invalid } from '../errors.js';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** `rows` was fetched with `limit + 1`: the extra row only says that another page follows. */
export function pageOf<R, T>(rows: R[], limit: number, toItem: (row: R) => T, cursorOf: (item: T) => string): Page<T> {
  const items = rows.slice(0, limit).map(toItem);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}

export interface TimeCursor {
  t: number;
  id: string;
}

export function encodeTimeCursor(t: number, id: string): string {
  return Buffer.from(`${t}:${id}`).toString('base64url');
}

/** The position a newest-first cursor names; a 400 naming `cursor` when it is not one of ours. */
export function decodeTimeCursor(cursor: string): TimeCursor {
  const text = Buffer.from(cursor, 'base64url').toString();
  const colon = text.indexOf(':');
  const t = Number(text.slice(0, colon));
  const id = text.slice(colon + 1);
  if (colon <= 0 || !Number.isFinite(t) || !id) throw invalid('cursor', 'cursor is not one this API returned');
  return { t, id };
}
