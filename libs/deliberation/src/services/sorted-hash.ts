import { createHash } from 'node:crypto';

/**
 * SHA-256 (hex) over a sorted list of ids joined by newlines — the same as hashing the whole sorted
 * list at once (`listHash`) — read in keyset chunks from the database (ADR 0047), so a list of
 * 500,000 is never held whole. `page(after, limit)` returns the next ids after `after` in the index's
 * order. The database's collation must order them as JavaScript does (ids and receipts are lowercase
 * hex with dashes at fixed places, where it does); if a page ever breaks that order, the list is read
 * whole with `all()` and sorted here instead, so the hash never depends on a collation. Ids in
 * `skip` move the keyset on but are left out of the list.
 */
export async function streamedListHash(
  page: (after: string | null, limit: number) => Promise<string[]>,
  all: () => Promise<string[]>,
  options: { limit?: number; skip?: ReadonlySet<string> } = {},
): Promise<{ hash: string; count: number }> {
  const { limit = 10_000, skip } = options;
  const hash = createHash('sha256');
  let after: string | null = null;
  let count = 0;
  for (;;) {
    const ids = await page(after, limit);
    for (const id of ids) {
      if (after !== null && !(after < id)) return wholeListHash(await all());
      after = id;
      // Paged over, not part of the list (replaced ballots: a short list read beforehand).
      if (skip?.has(id)) continue;
      hash.update(count === 0 ? id : `\n${id}`);
      count++;
    }
    if (ids.length < limit) return { hash: hash.digest('hex'), count };
  }
}

function wholeListHash(ids: string[]): { hash: string; count: number } {
  return { hash: createHash('sha256').update(ids.sort().join('\n')).digest('hex'), count: ids.length };
}
