import { decodeCursor, encodeCursor, toConnection } from './pagination';

describe('cursor pagination', () => {
  it('round-trips a sort key through an opaque cursor', () => {
    const cursor = encodeCursor('0001.0002.0013');
    expect(cursor).not.toContain('0001.0002');
    expect(decodeCursor(cursor)).toBe('0001.0002.0013');
  });

  it('rejects cursors it did not issue', () => {
    expect(decodeCursor('')).toBeNull();
    expect(decodeCursor('not a cursor!')).toBeNull();
    expect(decodeCursor('x'.repeat(600))).toBeNull();
  });

  it('builds a page from first + 1 rows and says whether more follow', () => {
    const rows = ['a', 'b', 'c'];
    const page = toConnection(rows, 2, (r) => r);
    expect(page.nodes).toEqual(['a', 'b']);
    expect(page.pageInfo).toEqual({ hasNextPage: true, endCursor: encodeCursor('b') });
    expect(toConnection(['a'], 2, (r) => r).pageInfo.hasNextPage).toBe(false);
    expect(toConnection([], 2, (r: string) => r).pageInfo).toEqual({ hasNextPage: false, endCursor: null });
  });
});
