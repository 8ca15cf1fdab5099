import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ChildLists, type ChildListSpec, tablePage } from './child-lists';
import { openDatabase } from './data-source';
import { dropMysqlDatabase, ensureMysqlDatabase } from './mysql-admin';
import { decodeCursor, type Page } from './pagination';

const SERVER = (process.env['TEST_MYSQL_URL'] ?? 'mariadb://root@127.0.0.1:3306').replace(/\/+$/, '');

/** Every row of one parent's list, walked with pages of `size` from the end to the start. */
async function walkBackward(
  lists: () => ChildLists,
  spec: ChildListSpec,
  parent: string,
  size: number,
): Promise<string[]> {
  const out: string[] = [];
  let before: string | null = null;
  for (let guard = 0; guard < 50; guard++) {
    const page: Page = { first: size, afterKey: before, backward: true };
    const conn = await lists().page(spec, parent, page, async (ref) => ref);
    out.unshift(...conn.nodes);
    if (!conn.pageInfo.hasPreviousPage) return out;
    before = decodeCursor(conn.pageInfo.startCursor!);
  }
  throw new Error('backward walk did not end');
}

async function walkForward(lists: () => ChildLists, spec: ChildListSpec, parent: string, size: number) {
  const out: string[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 50; guard++) {
    const conn = await lists().page(spec, parent, { first: size, afterKey: after }, async (ref) => ref);
    out.push(...conn.nodes);
    if (!conn.pageInfo.hasNextPage) return out;
    after = decodeCursor(conn.pageInfo.endCursor!);
  }
  throw new Error('forward walk did not end');
}

describe('child lists and table pages backward (last/before) [needs: MariaDB]', () => {
  const url = `${SERVER}/sc_test_db_pages_${randomBytes(4).toString('hex')}`;
  let ds: DataSource;

  beforeAll(async () => {
    await ensureMysqlDatabase(url);
    ds = await openDatabase({ url, entities: [], migrations: [] });
    await ds.query(
      'CREATE TABLE item (id VARCHAR(8) PRIMARY KEY, parent VARCHAR(8) NOT NULL, at INT NOT NULL, seq INT NOT NULL, INDEX (parent, at, id), UNIQUE (parent, seq))',
    );
    // Two parents; ties on `at` (a row cursor breaks them by id).
    const rows: [string, string, number, number][] = [];
    for (let i = 0; i < 11; i++) rows.push([`a${String(i).padStart(2, '0')}`, 'A', Math.floor(i / 3), i]);
    for (let i = 0; i < 4; i++) rows.push([`b${i}`, 'B', i, i]);
    for (const r of rows) await ds.query('INSERT INTO item (id, parent, at, seq) VALUES (?, ?, ?, ?)', r);
  });
  afterAll(async () => {
    await ds?.destroy();
    await dropMysqlDatabase(url);
  });

  const byRow: ChildListSpec = {
    table: 'item',
    parentColumn: 'parent',
    refColumn: 'id',
    sortColumn: 'at',
    direction: 'DESC',
    cursor: 'row',
  };
  const byValue: ChildListSpec = { ...byRow, sortColumn: 'seq', direction: 'ASC', cursor: 'value' };

  for (const [name, spec] of [
    ['row cursor, newest first', byRow],
    ['value cursor, oldest first', byValue],
  ] as const) {
    it(`walking backward gives the same list as forward (${name})`, async () => {
      const lists = () => new ChildLists(ds);
      for (const size of [1, 2, 3, 4, 20]) {
        const forward = await walkForward(lists, spec, 'A', size);
        expect(forward).toHaveLength(11);
        expect(await walkBackward(lists, spec, 'A', size)).toEqual(forward);
      }
    });
  }

  it('the last page of sibling parents loads together, each in list order', async () => {
    const lists = new ChildLists(ds);
    const page: Page = { first: 2, afterKey: null, backward: true };
    const [a, b] = await Promise.all([
      lists.page(byValue, 'A', page, async (r) => r),
      lists.page(byValue, 'B', page, async (r) => r),
    ]);
    expect(a.nodes).toEqual(['a09', 'a10']);
    expect(b.nodes).toEqual(['b2', 'b3']);
    expect(a.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    expect(await b.totalCount()).toBe(4);
  });

  it('tablePage reads before the cursor, nearest first', async () => {
    const spec = { table: 'item', sortColumn: 'id', where: { parent: 'B' } };
    expect(await tablePage(ds, spec, 2, null, true)).toEqual(['b3', 'b2']);
    expect(await tablePage(ds, spec, 5, 'b2', true)).toEqual(['b1', 'b0']);
    expect(await tablePage(ds, spec, 5, 'b2')).toEqual(['b3']);
  });
});
