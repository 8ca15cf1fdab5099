import { type DataSource, EntitySchema } from 'typeorm';
import {
  applyKeyset,
  decodeOrderKey,
  fetchOrderedPage,
  ListOrders,
  type OrderedPage,
  type SortDirection,
} from './keyset';
import { decodeCursor } from './pagination';

/** A row of the scenario's table: ties on `name` and `at`, NULLs in `due`. */
export interface Item {
  id: string;
  name: string;
  at: Date;
  due: string | null;
  rank: number;
}

export const ItemSchema = new EntitySchema<Item>({
  name: 'Item',
  tableName: 'ks_item',
  columns: {
    id: { type: 'varchar', length: 8, primary: true },
    name: { type: 'varchar', length: 40 },
    at: { type: 'datetime', precision: 3 },
    due: { type: 'date', nullable: true },
    rank: { type: 'int' },
  },
  indices: [
    { name: 'ix_ks_name', columns: ['name', 'id'] },
    { name: 'ix_ks_at', columns: ['at', 'id'] },
    { name: 'ix_ks_due', columns: ['due', 'id'] },
  ],
});

export type ItemField = 'NAME' | 'AT' | 'DUE' | 'RANK';

export const ITEM_ORDERS = new ListOrders<Item, ItemField>(
  {
    name: 'ID',
    direction: 'ASC',
    legacy: true,
    columns: [{ column: 'i.id', kind: 'string', value: (r) => r.id }],
  },
  {
    NAME: [{ column: 'i.name', kind: 'string', value: (r) => r.name }],
    AT: [{ column: 'i.at', kind: 'datetime', value: (r) => r.at }],
    DUE: [{ column: 'i.due', kind: 'string', value: (r) => r.due, nullable: true }],
    RANK: [{ column: 'i.rank', kind: 'number', value: (r) => r.rank }],
  },
  { column: 'i.id', kind: 'string', value: (r) => r.id },
);

/** 23 rows: names in 5 groups (ties), times in 4 (ties to the millisecond), every third `due` NULL. */
export function scenarioRows(): Item[] {
  const names = ['Chen', 'an', 'Bo', '陈', 'Chen'];
  return Array.from({ length: 23 }, (_, i) => ({
    id: `i${String((i * 7) % 23).padStart(2, '0')}`,
    name: names[i % names.length]!,
    at: new Date(Date.UTC(2026, 10, 1 + (i % 4), 8, 0, 0, 123)),
    due: i % 3 === 0 ? null : `2026-12-${String(1 + (i % 5)).padStart(2, '0')}`,
    rank: i % 6,
  }));
}

export async function seedScenario(ds: DataSource): Promise<Item[]> {
  const rows = scenarioRows();
  await ds.getRepository(ItemSchema).insert(rows);
  // What the database holds (as its driver reads it back).
  return ds.getRepository(ItemSchema).find();
}

function fetchItems(ds: DataSource, page: OrderedPage<Item>) {
  return fetchOrderedPage(
    page,
    (limit, after, backward) =>
      applyKeyset(
        ds.getRepository(ItemSchema).createQueryBuilder('i'),
        page.order,
        after,
        backward,
        limit,
      ).getMany(),
    async () => 0,
  );
}

const decode = (cursor: string, page: Omit<OrderedPage<Item>, 'after'>): OrderedPage<Item> => {
  const key = decodeCursor(cursor);
  if (key === null) throw new Error('not a cursor');
  const after = decodeOrderKey(page.order, key);
  if (after === null) throw new Error(`a cursor of another order: ${key}`);
  return { ...page, afterKey: key, after };
};

/** Every row's id under an order, walked forward with pages of `size`. */
export async function walkForward(
  ds: DataSource,
  orderBy: Parameters<typeof ITEM_ORDERS.resolve>[0],
  size: number,
) {
  const order = ITEM_ORDERS.resolve(orderBy);
  const out: string[] = [];
  let page: OrderedPage<Item> = { first: size, afterKey: null, order, after: null };
  for (let guard = 0; guard < 100; guard++) {
    const conn = await fetchItems(ds, page);
    out.push(...conn.nodes.map((n) => n.id));
    if (!conn.pageInfo.hasNextPage) return out;
    page = decode(conn.pageInfo.endCursor!, { first: size, afterKey: null, order });
  }
  throw new Error('forward walk did not end');
}

/** Every row's id under an order, walked backward from the end with pages of `size`. */
export async function walkBackward(
  ds: DataSource,
  orderBy: Parameters<typeof ITEM_ORDERS.resolve>[0],
  size: number,
) {
  const order = ITEM_ORDERS.resolve(orderBy);
  const out: string[] = [];
  let page: OrderedPage<Item> = { first: size, afterKey: null, backward: true, order, after: null };
  for (let guard = 0; guard < 100; guard++) {
    const conn = await fetchItems(ds, page);
    out.unshift(...conn.nodes.map((n) => n.id));
    if (!conn.pageInfo.hasPreviousPage) return out;
    page = decode(conn.pageInfo.startCursor!, { first: size, afterKey: null, backward: true, order });
  }
  throw new Error('backward walk did not end');
}

/**
 * The expected order, computed apart from SQL: NULL lowest, ties by id in the same direction. Text
 * compares as the database's collation does for these values (case-insensitive in MariaDB's default
 * collation, binary in SQLite): `collate` says which.
 */
export function expectedOrder(
  rows: Item[],
  field: ItemField,
  direction: SortDirection,
  collate: (a: string, b: string) => number,
): string[] {
  const cmpValue = (a: Item, b: Item): number => {
    switch (field) {
      case 'NAME':
        return collate(a.name, b.name);
      case 'AT':
        return a.at.getTime() - b.at.getTime();
      case 'RANK':
        return a.rank - b.rank;
      case 'DUE':
        if (a.due === b.due) return 0;
        if (a.due === null) return -1;
        if (b.due === null) return 1;
        return a.due < b.due ? -1 : 1;
    }
  };
  const sign = direction === 'ASC' ? 1 : -1;
  return [...rows]
    .sort((a, b) => sign * (cmpValue(a, b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)))
    .map((r) => r.id);
}

/** Both walks under every order and direction, page sizes that cut through the ties. */
export function describeWalks(
  label: string,
  open: () => Promise<DataSource>,
  collate: (a: string, b: string) => number,
) {
  describe(`keyset pages under every order, both ways (${label})`, () => {
    let ds: DataSource;
    let rows: Item[];
    beforeAll(async () => {
      ds = await open();
      rows = await seedScenario(ds);
    });
    afterAll(async () => ds?.destroy());

    for (const field of ['NAME', 'AT', 'DUE', 'RANK'] as ItemField[]) {
      for (const direction of ['ASC', 'DESC'] as const) {
        it(`${field} ${direction}: forward and backward walks give every row once, in order, ties by id`, async () => {
          const expected = expectedOrder(rows, field, direction, collate);
          expect(expected).toHaveLength(23);
          for (const size of [1, 2, 4, 7, 100]) {
            expect(await walkForward(ds, { field, direction }, size)).toEqual(expected);
            expect(await walkBackward(ds, { field, direction }, size)).toEqual(expected);
          }
        });
      }
    }

    it('the original order pages by id with its bare cursors', async () => {
      const ids = rows.map((r) => r.id).sort();
      expect(await walkForward(ds, null, 5)).toEqual(ids);
      expect(await walkBackward(ds, null, 5)).toEqual(ids);
    });
  });
}
