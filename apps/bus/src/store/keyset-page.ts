/**
 * Newest-first keyset paging over (time, id), the one paging rule of every store search: a page is
 * fetched with `LIMIT limit + 1`, the extra row only says another page exists, and the cursor names
 * the last row shown so the next page starts strictly after it even when rows arrive meanwhile.
 */

/** Opaque keyset cursor over (time, id). */
export function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): { at: string; id: string } | undefined {
  if (!cursor) return undefined;
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'string' && typeof id === 'string') return { at, id };
  } catch {
    // fall through to the error below
  }
  throw new RangeError(`cursor: "${cursor}" is not a cursor this bus issued; pass nextCursor from the previous page`);
}

/** Splits `limit + 1` fetched rows into the page and the cursor of the next one, if any. */
export function pageOf<Row>(rows: Row[], limit: number, keyOf: (row: Row) => { at: string; id: string }): { rows: Row[]; nextCursor?: string } {
  if (rows.length <= limit) return { rows };
  const page = rows.slice(0, limit);
  const last = keyOf(page[page.length - 1]);
  return { rows: page, nextCursor: encodeCursor(last.at, last.id) };
}

/** The MongoDB filter "after the cursor" on `field` and `_id`; none without a cursor. */
export function mongoAfterCursor(field: string, cursor: string | undefined): Record<string, unknown> | undefined {
  const after = decodeCursor(cursor);
  if (!after) return undefined;
  const at = new Date(after.at);
  return { $or: [{ [field]: { $lt: at } }, { [field]: at, _id: { $lt: after.id } }] };
}
