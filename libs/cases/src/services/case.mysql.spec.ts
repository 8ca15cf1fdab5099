import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import { contributions, LEDGER_COUNTERS, type Contributions } from '../domain/ledger';
import { CaseLedgerCell, CaseRecord } from '../entities';
import { casesFixture, CHIEF, report, RESIDENT, STAFF, type CasesFixture } from './spec-helpers';

describe('cases on MariaDB [needs: MariaDB]', () => {
  let db: TestDatabase;
  let f: CasesFixture;
  beforeAll(async () => {
    db = await freshMysqlDatabase('cases_mysql');
    f = await casesFixture(db.url);
  }, 60_000);
  afterAll(async () => {
    await f?.close();
    await db?.drop();
  });

  it('lets one of ten concurrent accepts of a case win; the others get CONFLICT naming the state', async () => {
    const c = await f.cases.report(f.request(RESIDENT), report());
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => f.cases.accept(f.request(STAFF), { id: c.id, version: c.version })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(9);
    for (const r of lost) {
      expect((r.reason as { extensions: Record<string, unknown> }).extensions).toMatchObject({
        code: 'CONFLICT',
        currentState: expect.stringMatching(/^(REPORTED|ACCEPTED)$/),
      });
    }
    const row = await f.ds.getRepository(CaseRecord).findOneByOrFail({ id: c.id });
    expect(row).toMatchObject({ status: 'ACCEPTED', version: 2 });
  });

  it('keeps the ledger equal to its recomputation from the raw cases after a randomised run', async () => {
    let seed = 20261202;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    const items = ['GARBAGE_COLLECTION_LATE', 'LITTERING', 'PILED_MATERIALS', 'FIRE_EXIT_BLOCKED'];
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      f.clock.now = new Date(f.clock.now.getTime() + Math.floor(random() * 20) * 3_600_000);
      ids.push((await f.cases.report(f.request(RESIDENT), report({ itemCode: pick(items) }))).id);
    }
    const step = async (id: string): Promise<void> => {
      const c = await f.ds.getRepository(CaseRecord).findOneByOrFail({ id });
      const base = { id, version: c.version, reason: '随机' };
      f.clock.now = new Date(f.clock.now.getTime() + Math.floor(random() * 30) * 3_600_000);
      const r = f.request(STAFF);
      switch (c.status) {
        case 'REPORTED':
          return void (await (random() < 0.9
            ? f.cases.accept(r, { ...base, itemCode: pick(items) })
            : f.cases.reject(r, base)));
        case 'ACCEPTED':
          return void (await (random() < 0.8 ? f.cases.assign(r, base) : f.cases.escalate(r, base)));
        case 'ESCALATED':
          return void (await f.cases.assign(r, { ...base, kind: 'DEPARTMENT', name: '城管中队' }));
        case 'ASSIGNED':
        case 'REOPENED':
          return void (await f.cases.start(f.request(CHIEF), base));
        case 'IN_PROGRESS':
          return void (await f.cases.resolve(f.request(CHIEF), {
            ...base,
            outcome: pick(['FIXED', 'FIXED', 'PARTLY_FIXED', 'NO_FURTHER_ACTION'] as const),
            resolution: '已处理',
          }));
        case 'RESOLVED': {
          const item = c.itemCode ?? '';
          if (item === 'PILED_MATERIALS' || item === 'FIRE_EXIT_BLOCKED') {
            return void (await f.cases.confirmRectification(f.request(CHIEF), base));
          }
          const roll = random();
          if (roll < 0.2) return void (await f.cases.autoClose(id));
          return void (await f.cases.rate(f.request(RESIDENT), {
            ...base,
            rating: 1 + Math.floor(random() * 5),
          }));
        }
        case 'CLOSED':
          if (random() < 0.2) await f.cases.reopen(r, base);
          return;
        case 'REJECTED':
        case 'DUPLICATE':
          return;
      }
    };
    for (let round = 0; round < 12; round++) {
      for (const id of ids) {
        if (random() >= 0.7) continue;
        // A refusal by rule (reopen window, default assignee missing) is a CONFLICT and changes nothing.
        await step(id).catch((error: unknown) => {
          if ((error as { extensions?: { code?: string } }).extensions?.code !== 'CONFLICT') throw error;
        });
      }
    }
    const all = await f.ds.getRepository(CaseRecord).find();
    const expected: Contributions = new Map();
    for (const c of all) {
      for (const [key, counters] of contributions(c)) {
        let cell = expected.get(key);
        if (!cell) expected.set(key, (cell = new Map<string, number>()));
        for (const [k, v] of counters) cell.set(k, (cell.get(k) ?? 0) + v);
      }
    }
    const stored = await f.ds.getRepository(CaseLedgerCell).find();
    const actual: Contributions = new Map();
    for (const row of stored) {
      const key = `${row.scopeKind}|${row.scopeId}|${row.categoryCode}|${row.itemCode}|${row.month}`;
      const cell = new Map<string, number>();
      for (const c of LEDGER_COUNTERS) if (Number(row[c]) !== 0) cell.set(c, Number(row[c]));
      if (cell.size) actual.set(key, cell);
    }
    const norm = (m: Contributions) =>
      Object.fromEntries(
        [...m]
          .filter(([, v]) => [...v.values()].some((x) => x !== 0))
          .map(([k, v]) => [k, Object.fromEntries([...v].filter(([, x]) => x !== 0).sort())])
          .sort(([a], [b]) => String(a).localeCompare(String(b))),
      );
    const states = new Set(all.map((c) => c.status));
    expect(states.size).toBeGreaterThanOrEqual(5);
    expect(norm(actual)).toEqual(norm(expected));
    const ledger = await f.ledger.query(STAFF, {
      scopeKind: 'COMMUNITY',
      scopeId: all[0]?.communityId ?? '',
      fromMonth: '2026-01',
      toMonth: '2027-12',
      groupBy: [],
    });
    expect(ledger[0]?.opened).toBe(all.length);
  }, 120_000);
});
