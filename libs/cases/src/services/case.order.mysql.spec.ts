import { parseOrderedPage } from '@sc/graphql';
import type { PageArgs } from '@sc/db';
import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import { CaseRecord } from '../entities';
import { CASE_ORDERS } from '../repositories/case.repository';
import { casesFixture, CHIEF, report, RESIDENT, STAFF, type CasesFixture } from './spec-helpers';

type Field = 'REPORTED' | 'DUE' | 'UPDATED';
type OrderBy = { field: Field; direction: 'ASC' | 'DESC' } | null;

describe('cases under orderBy on MariaDB [needs: MariaDB]', () => {
  let db: TestDatabase;
  let f: CasesFixture;
  beforeAll(async () => {
    db = await freshMysqlDatabase('cases_order');
    f = await casesFixture(db.url);
    // 24 cases reported in groups of three at the same millisecond (ties on reportedAt); every other
    // group accepted (a deadline; the rest have none), some of those changed again later.
    const start = f.clock.now.getTime();
    for (let i = 0; i < 24; i++) {
      f.clock.now = new Date(start + Math.floor(i / 3) * 3_600_000);
      await f.cases.report(f.request(RESIDENT), report({ spot: `正街 ${i} 号` }));
    }
    const all = await f.ds.getRepository(CaseRecord).find({ order: { sortKey: 'ASC' } });
    f.clock.now = new Date(start + 30 * 3_600_000);
    for (const [i, c] of all.entries()) {
      if (Math.floor(i / 3) % 2 === 0) {
        const accepted = await f.cases.accept(f.request(STAFF), { id: c.id, version: c.version });
        if (i % 3 === 0) await f.cases.assign(f.request(STAFF), { id: c.id, version: accepted.version });
      }
    }
  }, 60_000);
  afterAll(async () => {
    await f?.close();
    await db?.drop();
  });

  /** Pages through `cases` as the resolver does (parseOrderedPage reads each cursor), one way. */
  async function walk(principal: typeof STAFF, orderBy: OrderBy, size: number, backward: boolean) {
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let guard = 0; guard < 200; guard++) {
      const args: PageArgs = backward ? { last: size, before: cursor } : { first: size, after: cursor };
      const page = await f.cases.list(
        f.request(principal),
        {},
        parseOrderedPage({ ...args, orderBy }, CASE_ORDERS),
      );
      if (backward) ids.unshift(...page.nodes.map((c) => c.id));
      else ids.push(...page.nodes.map((c) => c.id));
      const more = backward ? page.pageInfo.hasPreviousPage : page.pageInfo.hasNextPage;
      if (!more) return ids;
      cursor = backward ? page.pageInfo.startCursor : page.pageInfo.endCursor;
    }
    throw new Error('walk did not end');
  }

  const column = { REPORTED: 'reported_at', DUE: 'resolve_due_at', UPDATED: 'updated_at' } as const;
  const expected = async (field: Field, direction: 'ASC' | 'DESC', where = '') =>
    (
      (await f.ds.query(
        `SELECT id FROM case_record ${where} ORDER BY ${column[field]} ${direction}, id ${direction}`,
      )) as { id: string }[]
    ).map((r) => r.id);

  it.each([
    ['REPORTED', 'ASC'],
    ['REPORTED', 'DESC'],
    ['DUE', 'ASC'],
    ['DUE', 'DESC'],
    ['UPDATED', 'ASC'],
    ['UPDATED', 'DESC'],
  ] as const)(
    'by %s %s: every case once, in the database order, forward and backward',
    async (field, direction) => {
      const want = await expected(field, direction);
      expect(want).toHaveLength(24);
      const [ties] = (await f.ds.query(
        `SELECT COUNT(*) - COUNT(DISTINCT ${column[field]}) AS n FROM case_record`,
      )) as { n: string }[];
      expect(Number(ties?.n)).toBeGreaterThan(5);
      for (const size of [1, 2, 5, 24]) {
        expect(await walk(STAFF, { field, direction }, size, false)).toEqual(want);
        expect(await walk(STAFF, { field, direction }, size, true)).toEqual(want);
      }
    },
  );

  it("a chief's grid by deadline, and the original newest-first order without orderBy", async () => {
    const grid = await expected(
      'DUE',
      'ASC',
      'WHERE grid_id = (SELECT grid_id FROM case_record WHERE grid_id IS NOT NULL LIMIT 1)',
    );
    expect(grid.length).toBeGreaterThan(0);
    expect(await walk(CHIEF, { field: 'DUE', direction: 'ASC' }, 4, false)).toEqual(grid);
    const newest = (
      (await f.ds.query('SELECT id FROM case_record ORDER BY sort_key DESC')) as { id: string }[]
    ).map((r) => r.id);
    expect(await walk(STAFF, null, 5, false)).toEqual(newest);
    expect(await walk(STAFF, null, 5, true)).toEqual(newest);
  });

  it('refuses a cursor of another order, naming after', async () => {
    const page = await f.cases.list(
      f.request(STAFF),
      {},
      parseOrderedPage({ first: 2, orderBy: { field: 'DUE' } }, CASE_ORDERS),
    );
    const after = page.pageInfo.endCursor!;
    for (const orderBy of [
      { field: 'UPDATED' as const },
      { field: 'DUE' as const, direction: 'DESC' as const },
      null,
    ]) {
      expect(() => parseOrderedPage({ first: 2, after, orderBy }, CASE_ORDERS)).toThrow(
        expect.objectContaining({
          extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'after' }),
        }),
      );
    }
  });

  it.each([
    ['REPORTED', 'ix_case_order_reported', ''],
    ['DUE', 'ix_case_order_due', ''],
    ['UPDATED', 'ix_case_order_updated', ''],
    ['REPORTED', 'ix_case_grid_order_reported', "WHERE grid_id = 'g'"],
    ['DUE', 'ix_case_grid_order_due', "WHERE grid_id = 'g'"],
    ['UPDATED', 'ix_case_grid_order_updated', "WHERE grid_id = 'g'"],
  ] as const)('has an index for %s (%s)', async (field, index, where) => {
    const [present] = (await f.ds.query(
      'SELECT COUNT(*) AS n FROM information_schema.statistics WHERE table_schema = DATABASE() AND index_name = ?',
      [index],
    )) as { n: string }[];
    expect(Number(present?.n)).toBeGreaterThan(0);
    const plan: { key: string | null; possible_keys: string | null }[] = await f.ds.query(
      `EXPLAIN SELECT id FROM case_record FORCE INDEX (${index}) ${where} ORDER BY ${column[field]} DESC, id DESC LIMIT 21`,
    );
    expect(plan[0]?.key).toBe(index);
  });
});
