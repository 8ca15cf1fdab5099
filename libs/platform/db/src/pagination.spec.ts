import { decodeCursor, encodeCursor, fetchPage, toConnection } from './pagination';

describe('cursor pagination', () => {
  it('round-trips a sort key through an opaque cursor', () => {
    const cursor = encodeCursor('0001.0002.0013');
    expect(cursor).not.toContain('0001.0002');
    expect(decodeCursor(cursor)).toBe('0001.0002.0013');
    expect(decodeCursor(encodeCursor('街长-1'))).toBe('街长-1');
  });

  it('rejects cursors it did not issue', () => {
    expect(decodeCursor('')).toBeNull();
    expect(decodeCursor('not a cursor!')).toBeNull();
    expect(decodeCursor('x'.repeat(600))).toBeNull();
    // Valid base64url, but not the encoding of a key of ours (broken UTF-8, control characters).
    expect(decodeCursor('abc')).toBeNull();
    expect(decodeCursor('zz')).toBeNull();
    expect(decodeCursor(encodeCursor('a\u0000b'))).toBeNull();
  });

  it('builds a page from first + 1 rows and says whether more follow', () => {
    const rows = ['a', 'b', 'c'];
    const page = toConnection(rows, 2, (r) => r);
    expect(page.nodes).toEqual(['a', 'b']);
    expect(page.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: encodeCursor('a'),
      endCursor: encodeCursor('b'),
    });
    expect(toConnection(['a'], 2, (r) => r).pageInfo.hasNextPage).toBe(false);
    expect(toConnection([], 2, (r: string) => r).pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: null,
      endCursor: null,
    });
    expect(toConnection(['c'], 2, (r) => r, { fromCursor: true }).pageInfo.hasPreviousPage).toBe(true);
  });

  it('pages backward: the rows before the cursor, nearest first from the fetch, answered in order', async () => {
    const list = ['a', 'b', 'c', 'd', 'e'];
    const fetch = async (limit: number, key: string | null, backward: boolean) =>
      backward
        ? list
            .filter((r) => key === null || r < key)
            .reverse()
            .slice(0, limit)
        : list.filter((r) => key === null || r > key).slice(0, limit);
    const count = async () => list.length;
    const last = await fetchPage({ first: 2, afterKey: null, backward: true }, fetch, (r) => r, count);
    expect(last.nodes).toEqual(['d', 'e']);
    expect(last.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    const before = await fetchPage({ first: 2, afterKey: 'd', backward: true }, fetch, (r) => r, count);
    expect(before.nodes).toEqual(['b', 'c']);
    expect(before.pageInfo).toEqual({
      hasPreviousPage: true,
      hasNextPage: true,
      startCursor: encodeCursor('b'),
      endCursor: encodeCursor('c'),
    });
    const first = await fetchPage({ first: 3, afterKey: 'b', backward: true }, fetch, (r) => r, count);
    expect(first.nodes).toEqual(['a']);
    expect(first.pageInfo.hasPreviousPage).toBe(false);
  });
});
