import { CasesAccess } from './services/access';
import {
  casesFixture,
  CHIEF,
  COUNTY,
  IDS,
  OTHER_CHIEF,
  OTHER_RESIDENT,
  report,
  RESIDENT,
  STAFF,
  type CasesFixture,
} from './services/spec-helpers';

const first = (n: number) => ({ first: n, afterKey: null });

describe('one graph: the fields cases adds to streets, grids, chiefs and residents (SQLite)', () => {
  let f: CasesFixture;
  const access = new CasesAccess('caichang');
  beforeAll(async () => {
    f = await casesFixture();
    const staff = f.request(STAFF);
    for (let i = 0; i < 3; i++) await f.cases.report(f.request(RESIDENT), report({ spot: `正街 ${i} 号` }));
    await f.cases.report(f.request(OTHER_RESIDENT), report());
    await f.cases.report(staff, report({ streetId: IDS.uncoveredStreet, channel: 'PHONE' }));
    // One accepted and assigned to the grid's chief, one rejected (not open).
    const [a, b] = (await f.cases.list(staff, { streetId: IDS.street }, first(10))).nodes;
    if (!a || !b) throw new Error('fixture cases missing');
    const accepted = await f.cases.accept(staff, { id: a.id, version: a.version });
    await f.cases.assign(staff, { id: a.id, version: accepted.version });
    await f.cases.reject(staff, { id: b.id, version: b.version, reason: '不属实' });
  });
  afterAll(async () => f?.close());

  it('Street.cases pages newest first with totalCount, filtered by state; two streets share one statement', async () => {
    const loaders = f.request(null).loaders;
    const spy = jest.spyOn(f.ds, 'query');
    const [covered, uncovered] = await Promise.all([
      loaders.streetCases(IDS.street, null, first(2)),
      loaders.streetCases(IDS.uncoveredStreet, null, first(2)),
    ]);
    const pageStatements = spy.mock.calls.filter(([sql]) => String(sql).includes('ROW_NUMBER')).length;
    spy.mockRestore();
    expect(pageStatements).toBe(1);
    expect(covered.nodes).toHaveLength(2);
    expect(covered.pageInfo.hasNextPage).toBe(true);
    expect(await (covered.totalCount as () => Promise<number>)()).toBe(4);
    expect(await (uncovered.totalCount as () => Promise<number>)()).toBe(1);
    const sorted = [...covered.nodes].sort((x, y) => (x.sortKey < y.sortKey ? 1 : -1));
    expect(covered.nodes).toEqual(sorted);
    const rejected = await f.request(null).loaders.streetCases(IDS.street, 'REJECTED', first(10));
    expect(rejected.nodes.map((c) => c.status)).toEqual(['REJECTED']);
  });

  it('Grid.openCases lists the open cases of the grid only', async () => {
    const open = await f.request(null).loaders.gridOpenCases(IDS.grid, first(20));
    expect(open.nodes).toHaveLength(3);
    expect(open.nodes.every((c) => c.gridId === IDS.grid && c.status !== 'REJECTED')).toBe(true);
    expect(await (open.totalCount as () => Promise<number>)()).toBe(3);
  });

  it('Resident.cases: own cases for the resident and staff, nobody else', async () => {
    const own = await f.request(RESIDENT).loaders.residentCases(IDS.resident, first(20));
    expect(own.nodes.every((c) => c.reporterResidentId === IDS.resident)).toBe(true);
    expect(await (own.totalCount as () => Promise<number>)()).toBe(3);
    expect(access.seesResidentCases(RESIDENT, IDS.resident)).toBe(true);
    expect(access.seesResidentCases(STAFF, IDS.resident)).toBe(true);
    expect(access.seesResidentCases(OTHER_RESIDENT, IDS.resident)).toBe(false);
    expect(access.seesResidentCases(CHIEF, IDS.resident)).toBe(false);
    expect(access.seesResidentCases(null, IDS.resident)).toBe(false);
  });

  it('StreetChief.caseload comes from the ledger; chiefs see their own grid only, statistics roles all', async () => {
    const loaders = f.request(STAFF).loaders;
    const [load, none] = await Promise.all([
      loaders.caseload.load(IDS.chief),
      loaders.caseload.load(IDS.grid),
    ]);
    expect(load).toEqual({ open: 1, overdue: 0 });
    expect(none).toEqual({ open: 0, overdue: 0 });
    const grid = await loaders.chiefGrid.load(IDS.chief);
    expect(grid).toBe(IDS.grid);
    expect(access.seesCaseload(STAFF, grid)).toBe(true);
    expect(access.seesCaseload(COUNTY, grid)).toBe(true);
    expect(access.seesCaseload(CHIEF, grid)).toBe(true);
    expect(access.seesCaseload(OTHER_CHIEF, grid)).toBe(false);
    expect(access.seesCaseload(RESIDENT, grid)).toBe(false);
    expect(access.seesCaseload(null, grid)).toBe(false);
  });
});
