import { encodeCursor, ListOrders, orderKey } from '@sc/db';
import { parseOrderedPage, parsePage } from './validation';

const codeAndField = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    const ext = (e as { extensions?: Record<string, unknown> }).extensions ?? {};
    return [ext['code'], ext['field']];
  }
  throw new Error('no error');
};

describe('parsePage (Relay page arguments, both directions)', () => {
  it('reads forward and backward pages', () => {
    expect(parsePage({})).toEqual({ first: 20, afterKey: null });
    expect(parsePage({ first: 5, after: encodeCursor('k') })).toEqual({ first: 5, afterKey: 'k' });
    expect(parsePage({ last: 5 })).toEqual({ first: 5, afterKey: null, backward: true });
    expect(parsePage({ last: 3, before: encodeCursor('k') })).toEqual({
      first: 3,
      afterKey: 'k',
      backward: true,
    });
    expect(parsePage({ before: encodeCursor('k') })).toEqual({ first: 20, afterKey: 'k', backward: true });
  });

  it('refuses mixed directions, sizes over the cap and cursors it did not issue, naming the argument', () => {
    expect(codeAndField(() => parsePage({ first: 1, last: 1 }))).toEqual(['BAD_USER_INPUT', 'first']);
    expect(codeAndField(() => parsePage({ after: encodeCursor('a'), before: encodeCursor('b') }))).toEqual([
      'BAD_USER_INPUT',
      'after',
    ]);
    expect(codeAndField(() => parsePage({ last: 101 }))).toEqual(['BAD_USER_INPUT', 'last']);
    expect(codeAndField(() => parsePage({ first: -1 }))).toEqual(['BAD_USER_INPUT', 'first']);
    expect(codeAndField(() => parsePage({ last: 2, before: 'abc' }))).toEqual(['BAD_USER_INPUT', 'before']);
    expect(codeAndField(() => parsePage({ after: 'abc' }))).toEqual(['BAD_USER_INPUT', 'after']);
  });
});

describe('parseOrderedPage (orderBy and its cursors)', () => {
  type Row = { id: string; name: string };
  const orders = new ListOrders<Row, 'NAME'>(
    {
      name: 'ID',
      direction: 'ASC',
      legacy: true,
      columns: [{ column: 'r.id', kind: 'string', value: (r) => r.id }],
    },
    { NAME: [{ column: 'r.name', kind: 'string', value: (r) => r.name }] },
    { column: 'r.id', kind: 'string', value: (r) => r.id },
  );
  const row = { id: 'r1', name: '陈' };
  const byName = orders.resolve({ field: 'NAME', direction: 'DESC' });

  it('keeps the original order and its cursors without orderBy; reads an order’s own cursors', () => {
    expect(parseOrderedPage({ first: 2, after: encodeCursor('r1') }, orders)).toMatchObject({
      first: 2,
      order: { name: 'ID', legacy: true },
      after: ['r1'],
    });
    const cursor = encodeCursor(orderKey(byName, row));
    expect(
      parseOrderedPage({ last: 2, before: cursor, orderBy: { field: 'NAME', direction: 'DESC' } }, orders),
    ).toMatchObject({ first: 2, backward: true, order: { name: 'NAME:DESC' }, after: ['陈', 'r1'] });
  });

  it('refuses a cursor of another order (field, direction, or none) as BAD_USER_INPUT naming after/before', () => {
    const cursor = encodeCursor(orderKey(byName, row));
    expect(codeAndField(() => parseOrderedPage({ after: cursor }, orders))).toEqual([
      'BAD_USER_INPUT',
      'after',
    ]);
    expect(
      codeAndField(() =>
        parseOrderedPage({ before: cursor, orderBy: { field: 'NAME', direction: 'ASC' } }, orders),
      ),
    ).toEqual(['BAD_USER_INPUT', 'before']);
    expect(
      codeAndField(() => parseOrderedPage({ after: encodeCursor('r1'), orderBy: { field: 'NAME' } }, orders)),
    ).toEqual(['BAD_USER_INPUT', 'after']);
  });
});
