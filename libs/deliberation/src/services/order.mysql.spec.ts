import { parseOrderedPage } from '@sc/graphql';
import type { CountedConnection, ListOrders, OrderedPage, PageArgs } from '@sc/db';
import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import type { Meeting, Opinion } from '../entities';
import { DeliberationLoaders } from '../loaders';
import { MATTER_ORDERS, MEETING_ORDERS, OPINION_ORDERS } from '../orders';
import { CHIEF, deliberationFixture, draftInput, STAFF, type DeliberationFixture } from './spec-helpers';

type Direction = 'ASC' | 'DESC';

describe('deliberation lists under orderBy on MariaDB [needs: MariaDB]', () => {
  let db: TestDatabase;
  let f: DeliberationFixture;
  let matterId: string;
  beforeAll(async () => {
    db = await freshMysqlDatabase('delib_order');
    f = await deliberationFixture(db.url, 3);
    // Matters drafted in pairs at the same millisecond, titles repeating (ties on both orders).
    const start = f.clock.now.getTime();
    for (let i = 0; i < 10; i++) {
      f.clock.now = new Date(start + Math.floor(i / 2) * 60_000);
      await f.matters.draft(f.req(STAFF), draftInput({ title: ['停车位', '路灯', '垃圾点'][i % 3]! }));
    }
    matterId = await f.discussed();
    for (let i = 0; i < 9; i++) {
      f.clock.now = new Date(start + 3_600_000 + Math.floor(i / 3) * 1000);
      await f.discussion.postOpinion(f.req(STAFF), { matterId, body: `意见 ${i}`, replyTo: null });
      await f.discussion.scheduleMeeting(f.req(CHIEF), {
        matterId,
        kind: 'STREET',
        startsAt: new Date(Date.UTC(2026, 11, 10 + Math.floor(i / 3), 11)),
        place: '正街活动室',
        agenda: `议程 ${i}`,
      });
    }
  }, 60_000);
  afterAll(async () => {
    await f?.close();
    await db?.drop();
  });

  /** Every row's id, paging as the resolvers do (parseOrderedPage reads each cursor), one way. */
  async function walk<T extends { id: string }, F extends string>(
    orders: ListOrders<T, F>,
    orderBy: { field: F; direction: Direction } | null,
    size: number,
    backward: boolean,
    list: (page: OrderedPage<T>) => Promise<CountedConnection<T>>,
  ): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let guard = 0; guard < 100; guard++) {
      const args: PageArgs = backward ? { last: size, before: cursor } : { first: size, after: cursor };
      const page = await list(parseOrderedPage({ ...args, orderBy }, orders));
      if (backward) ids.unshift(...page.nodes.map((n) => n.id));
      else ids.push(...page.nodes.map((n) => n.id));
      if (!(backward ? page.pageInfo.hasPreviousPage : page.pageInfo.hasNextPage)) return ids;
      cursor = backward ? page.pageInfo.startCursor : page.pageInfo.endCursor;
    }
    throw new Error('walk did not end');
  }
  const idsOf = async (sql: string, params: unknown[] = []) =>
    ((await f.ds.query(sql, params)) as { id: string }[]).map((r) => r.id);

  it.each([
    ['CREATED', 'ASC', 'created_at'],
    ['CREATED', 'DESC', 'created_at'],
    ['TITLE', 'ASC', 'title'],
    ['TITLE', 'DESC', 'title'],
  ] as const)('matters by %s %s, both ways, ties by id', async (field, direction, column) => {
    const want = await idsOf(`SELECT id FROM matter ORDER BY ${column} ${direction}, id ${direction}`);
    expect(want).toHaveLength(11);
    for (const size of [1, 3, 11]) {
      for (const backward of [false, true]) {
        expect(
          await walk(MATTER_ORDERS, { field, direction }, size, backward, (p) => f.matters.list({}, p)),
        ).toEqual(want);
      }
    }
    const drafts = await idsOf(
      `SELECT id FROM matter WHERE status = 'DRAFT' ORDER BY ${column} ${direction}, id ${direction}`,
    );
    expect(
      await walk(MATTER_ORDERS, { field, direction }, 2, true, (p) => f.matters.list({ status: 'DRAFT' }, p)),
    ).toEqual(drafts);
  });

  it.each(['ASC', 'DESC'] as const)(
    'opinions and meetings by time %s, both ways, ties by id',
    async (direction) => {
      const opinions = await idsOf(
        `SELECT id FROM opinion WHERE matter_id = ? AND depth = 0 ORDER BY created_at ${direction}, id ${direction}`,
        [matterId],
      );
      const meetings = await idsOf(
        `SELECT id FROM meeting WHERE matter_id = ? ORDER BY starts_at ${direction}, id ${direction}`,
        [matterId],
      );
      expect([opinions.length, meetings.length]).toEqual([9, 9]);
      for (const size of [1, 2, 4]) {
        for (const backward of [false, true]) {
          const opinionList = (p: OrderedPage<Opinion>) =>
            new DeliberationLoaders(f.ds, f.discussion).matterOpinions(matterId, p);
          expect(
            await walk(OPINION_ORDERS, { field: 'CREATED', direction }, size, backward, opinionList),
          ).toEqual(opinions);
          const meetingList = (p: OrderedPage<Meeting>) =>
            new DeliberationLoaders(f.ds, f.discussion).matterMeetings(matterId, p);
          expect(
            await walk(MEETING_ORDERS, { field: 'STARTS', direction }, size, backward, meetingList),
          ).toEqual(meetings);
        }
      }
    },
  );

  it('refuses a cursor of another order (direction, field, none) as BAD_USER_INPUT naming after/before', async () => {
    const loaders = new DeliberationLoaders(f.ds, f.discussion);
    const newest = await loaders.matterOpinions(
      matterId,
      parseOrderedPage({ first: 2, orderBy: { field: 'CREATED', direction: 'DESC' } }, OPINION_ORDERS),
    );
    const cursor = newest.pageInfo.endCursor!;
    const bad = expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) });
    expect(() =>
      parseOrderedPage({ first: 2, after: cursor, orderBy: { field: 'CREATED' } }, OPINION_ORDERS),
    ).toThrow(bad);
    expect(() => parseOrderedPage({ last: 2, before: cursor }, OPINION_ORDERS)).toThrow(bad);
    const original = await loaders.matterOpinions(matterId, parseOrderedPage({ first: 2 }, OPINION_ORDERS));
    expect(() =>
      parseOrderedPage(
        { first: 2, after: original.pageInfo.endCursor, orderBy: { field: 'CREATED', direction: 'DESC' } },
        OPINION_ORDERS,
      ),
    ).toThrow(bad);
    // The original order's bare row cursors still page on.
    const next = await loaders.matterOpinions(
      matterId,
      parseOrderedPage({ first: 2, after: original.pageInfo.endCursor }, OPINION_ORDERS),
    );
    expect(next.nodes).toHaveLength(2);
  });

  it.each([
    ['ix_matter_order_created', 'SELECT id FROM matter ORDER BY created_at DESC, id DESC LIMIT 21'],
    ['ix_matter_order_title', 'SELECT id FROM matter ORDER BY title, id LIMIT 21'],
    [
      'ix_matter_status_order_created',
      "SELECT id FROM matter WHERE status = 'DRAFT' ORDER BY created_at, id LIMIT 21",
    ],
    [
      'ix_matter_status_order_title',
      "SELECT id FROM matter WHERE status = 'DRAFT' ORDER BY title DESC, id DESC LIMIT 21",
    ],
  ])('has %s for its order', async (index, sql) => {
    const plan: { key: string | null }[] = await f.ds.query(
      `EXPLAIN ${sql.replace('FROM matter', `FROM matter FORCE INDEX (${index})`)}`,
    );
    expect(plan[0]?.key).toBe(index);
  });
});
