import { randomUUID } from 'node:crypto';
import { decodeCursor } from '@sc/db';
import { OutboxEvent } from '@sc/events';
import { GridChief, GridPlace, RosterPlace } from '@sc/roster-contracts';
import { CaseRecord, CaseSupport, CaseTransition, CaseUpdateNotice } from '../entities';
import { BOM, csvCell } from './csv';
import { boundingBox, haversineMeters } from './intake.service';
import {
  casesFixture,
  CHIEF,
  COUNTY,
  IDS,
  OTHER_RESIDENT,
  principal,
  report,
  RESIDENT,
  STAFF,
  type CasesFixture,
} from './spec-helpers';

const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p;
    return 'OK';
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code ?? String(error);
  }
};
const fieldOf = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => 'OK',
    (e: { extensions?: { field?: string } }) => e.extensions?.field,
  );

/** 正街 23 号, Caichang (a point near the fixture's street). */
const SPOT = { latitude: 29.6, longitude: 106.3 };
/** A point `m` metres north of SPOT. */
const north = (m: number) => ({ latitude: SPOT.latitude + m / 111_195, longitude: SPOT.longitude });
const THIRD = principal(['RESIDENT'], [`resident:${randomUUID()}`], 'resident-3');
const EXTRA = { street: randomUUID(), grid: randomUUID(), chief: randomUUID() };

describe('intake on the embedded database (SQLite): me too, similar cases, corrections, updates, CSV', () => {
  let f: CasesFixture;
  const events = async (caseId: string) =>
    (
      await f.ds.getRepository(OutboxEvent).find({ where: { aggregateId: caseId }, order: { seq: 'ASC' } })
    ).map((e) => e.type.replace('cn.caichang.cases.case.', '').replace('.v1', ''));
  const row = (id: string) => f.ds.getRepository(CaseRecord).findOneByOrFail({ id });

  beforeAll(async () => {
    f = await casesFixture();
    // A second covered street with its own grid and chief, to re-route to.
    await f.ds.getRepository(RosterPlace).save({
      id: EXTRA.street,
      kind: 'STREET',
      name: '后街',
      parentId: IDS.community,
      communityId: IDS.community,
      status: 'ACTIVE',
    });
    await f.ds.getRepository(GridPlace).save({ gridId: EXTRA.grid, placeId: EXTRA.street, kind: 'STREET' });
    await f.ds
      .getRepository(GridChief)
      .save({ gridId: EXTRA.grid, chiefId: EXTRA.chief, residentId: randomUUID(), status: 'APPOINTED' });
  });
  afterAll(async () => f?.close());

  describe('geometry', () => {
    it('measures haversine distances and boxes that hold the radius', () => {
      expect(haversineMeters(SPOT, north(50))).toBeCloseTo(50, 0);
      const box = boundingBox(SPOT, 50);
      expect(box.maxLat - SPOT.latitude).toBeGreaterThan(north(50).latitude - SPOT.latitude - 1e-9);
      const east = { latitude: SPOT.latitude, longitude: box.maxLng };
      expect(haversineMeters(SPOT, east)).toBeGreaterThanOrEqual(50);
    });
  });

  describe('similarOpenCases', () => {
    it('offers open cases of the same item within 50 m or on the same courtyard, nearest first', async () => {
      const req = f.request(RESIDENT);
      const near = await f.cases.report(req, report({ location: north(20), spot: '近处' }));
      const edge = await f.cases.report(req, report({ location: north(45), spot: '边上' }));
      const far = await f.cases.report(req, report({ location: north(60), spot: '远处' }));
      const otherItem = await f.cases.report(req, report({ location: north(5), itemCode: 'LITTERING' }));
      const yard = await f.cases.report(req, report({ courtyardId: IDS.courtyard, spot: '院里' }));
      const closed = await f.cases.report(f.request(STAFF), report({ location: north(1) }));
      await f.cases.reject(f.request(STAFF), { id: closed.id, version: closed.version, reason: '重复报送' });

      const found = await f.intake.similarOpenCases(f.request(OTHER_RESIDENT), {
        itemCode: 'GARBAGE_COLLECTION_LATE',
        streetId: IDS.street,
        courtyardId: IDS.courtyard,
        location: SPOT,
      });
      const ids = found.map((s) => s.case.id);
      expect(ids).toEqual([near.id, edge.id, yard.id]);
      expect(ids).not.toContain(far.id);
      expect(ids).not.toContain(otherItem.id);
      expect(found[0]!.distanceMeters).toBeCloseTo(20, 0);
      expect(found[2]).toMatchObject({ distanceMeters: null, sameCourtyard: true });
    });

    it('refuses an unknown item (BAD_USER_INPUT naming it) and anonymous callers', async () => {
      expect(
        await fieldOf(
          f.intake.similarOpenCases(f.request(RESIDENT), { itemCode: 'NO_SUCH', streetId: IDS.street }),
        ),
      ).toBe('args.itemCode');
      expect(
        await codeOf(
          f.intake.similarOpenCases(f.request(null), { itemCode: 'LITTERING', streetId: IDS.street }),
        ),
      ).toBe('UNAUTHENTICATED');
    });
  });

  describe('supportCase (me too, 附议)', () => {
    it('counts once per resident, with one event each, without changing the version', async () => {
      const c = await f.cases.report(f.request(RESIDENT), report({ spot: '附议' }));
      const once = await f.intake.support(f.request(OTHER_RESIDENT), c.id);
      const twice = await f.intake.support(f.request(OTHER_RESIDENT), c.id);
      expect(once.supportCount).toBe(1);
      expect(twice.supportCount).toBe(1);
      expect((await f.intake.support(f.request(THIRD), c.id)).supportCount).toBe(2);
      const stored = await row(c.id);
      expect(stored).toMatchObject({ supportCount: 2, version: c.version });
      expect(await f.ds.getRepository(CaseSupport).countBy({ caseId: c.id })).toBe(2);
      expect(await events(c.id)).toEqual(['reported', 'supported', 'supported']);
      const payload = JSON.stringify(await f.ds.getRepository(OutboxEvent).findBy({ aggregateId: c.id }));
      expect(payload).not.toContain(IDS.otherResident);
      expect(await f.intake.supportedByMe(f.request(OTHER_RESIDENT), stored)).toBe(true);
      expect(await f.intake.supportedByMe(f.request(RESIDENT), stored)).toBe(false);
      expect(await f.intake.supportedByMe(f.request(STAFF), stored)).toBeNull();
    });

    it('refuses the reporter, closed cases, unknown cases and non-residents', async () => {
      const c = await f.cases.report(f.request(RESIDENT), report());
      expect(await codeOf(f.intake.support(f.request(RESIDENT), c.id))).toBe('CONFLICT');
      expect(await codeOf(f.intake.support(f.request(OTHER_RESIDENT), randomUUID()))).toBe('NOT_FOUND');
      expect(await codeOf(f.intake.support(f.request(STAFF), c.id))).toBe('FORBIDDEN');
      await f.cases.reject(f.request(STAFF), { id: c.id, version: c.version, reason: '不属实' });
      const error = await f.intake.support(f.request(OTHER_RESIDENT), c.id).catch((e: unknown) => e);
      expect((error as { extensions: Record<string, unknown> }).extensions).toMatchObject({
        code: 'CONFLICT',
        currentState: 'REJECTED',
      });
      expect((await row(c.id)).supportCount).toBe(0);
    });
  });

  describe("the reporter's updates and adding to a resolved case", () => {
    it('tells the reporter and supporters of every transition and public note, not of internal notes', async () => {
      const staff = f.request(STAFF);
      let c = await f.cases.report(f.request(RESIDENT), report({ spot: '通知' }));
      await f.intake.support(f.request(THIRD), c.id);
      c = await f.cases.accept(staff, { id: c.id, version: c.version });
      c = await f.cases.assign(staff, { id: c.id, version: c.version });
      await f.cases.addNote(staff, { id: c.id, visibility: 'PUBLIC', body: '已联系环卫，电话 13812345678' });
      await f.cases.addNote(staff, { id: c.id, visibility: 'INTERNAL', body: '内部：司机请假' });
      const mine = await f.ds
        .getRepository(CaseUpdateNotice)
        .find({ where: { caseId: c.id, residentId: IDS.resident }, order: { sortKey: 'ASC' } });
      expect(mine.map((n) => `${n.kind}:${n.action}:${n.state}`)).toEqual([
        'STATE_CHANGED:ACCEPT:ACCEPTED',
        'STATE_CHANGED:ASSIGN:ASSIGNED',
        'PUBLIC_NOTE:NOTE:ASSIGNED',
      ]);
      expect(
        await f.ds
          .getRepository(CaseUpdateNotice)
          .countBy({ caseId: c.id, residentId: THIRD.scopes[0]!.slice(9) }),
      ).toBe(3);
      const page = await f.intake.myCaseUpdates(f.request(RESIDENT), { first: 2, afterKey: null });
      expect(await page.totalCount()).toBeGreaterThanOrEqual(3);
      expect(page.nodes).toHaveLength(2);
      expect(page.nodes[0]!.kind).toBe('PUBLIC_NOTE');
      expect(await codeOf(f.intake.myCaseUpdates(f.request(STAFF), { first: 5, afterKey: null }))).toBe(
        'FORBIDDEN',
      );
    });

    it('reopens a resolved case with the addition as a public note within 30 days, not after', async () => {
      const staff = f.request(STAFF);
      let c = await f.cases.report(f.request(RESIDENT), report({ spot: '补充' }));
      c = await f.cases.accept(staff, { id: c.id, version: c.version });
      c = await f.cases.assign(staff, { id: c.id, version: c.version });
      c = await f.cases.start(staff, { id: c.id, version: c.version, reason: '开始' });
      c = await f.cases.resolve(staff, {
        id: c.id,
        version: c.version,
        outcome: 'FIXED',
        resolution: '已清运',
      });
      expect(
        await codeOf(
          f.intake.addToResolved(f.request(OTHER_RESIDENT), {
            id: c.id,
            version: c.version,
            addition: '还有',
          }),
        ),
      ).toBe('FORBIDDEN');
      const reopened = await f.intake.addToResolved(f.request(RESIDENT), {
        id: c.id,
        version: c.version,
        addition: '第二天又堆起来了',
      });
      expect(reopened).toMatchObject({ status: 'REOPENED', reopenCount: 1 });
      const notes = await f.cases.notes(f.request(null), reopened, { first: 10, afterKey: null });
      expect(notes.nodes.map((n) => n.body)).toContain('第二天又堆起来了');

      c = await f.cases.start(staff, { id: c.id, version: reopened.version, reason: '再办' });
      c = await f.cases.resolve(staff, {
        id: c.id,
        version: c.version,
        outcome: 'FIXED',
        resolution: '再清运',
      });
      const saved = f.clock.now;
      f.clock.now = new Date(saved.getTime() + 31 * 86_400_000);
      try {
        const late = await f.intake
          .addToResolved(f.request(RESIDENT), { id: c.id, version: c.version, addition: '又来了' })
          .catch((e: unknown) => e);
        expect((late as { extensions: Record<string, unknown> }).extensions).toMatchObject({
          code: 'CONFLICT',
          currentState: 'RESOLVED',
        });
      } finally {
        f.clock.now = saved;
      }
    });
  });

  describe('correctCase', () => {
    it('corrects item and place, logs it, re-routes to the grid, keeps the deadlines, moves the ledger', async () => {
      const staff = f.request(STAFF);
      let c = await f.cases.report(f.request(RESIDENT), report({ spot: '更正' }));
      c = await f.cases.accept(staff, { id: c.id, version: c.version });
      c = await f.cases.assign(staff, { id: c.id, version: c.version });
      expect(c).toMatchObject({ gridId: IDS.grid, assigneeId: IDS.chief });
      const due = c.resolveDueAt;
      const corrected = await f.intake.correct(staff, {
        id: c.id,
        version: c.version,
        itemCode: 'FIRE_EXIT_BLOCKED',
        streetId: EXTRA.street,
        reason: '报错了地点和事项',
      });
      expect(corrected).toMatchObject({
        itemCode: 'FIRE_EXIT_BLOCKED',
        categoryCode: 'FIRE',
        streetId: EXTRA.street,
        gridId: EXTRA.grid,
        assigneeKind: 'CHIEF',
        assigneeId: EXTRA.chief,
        status: 'ASSIGNED',
        version: c.version + 1,
      });
      expect(corrected.resolveDueAt).toEqual(due);
      const history = await f.ds.getRepository(CaseTransition).findBy({ caseId: c.id, action: 'CORRECT' });
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({ fromStatus: 'ASSIGNED', toStatus: 'ASSIGNED', actor: 'staff-1' });
      expect(history[0]!.reason).toContain('时限不变');
      expect((await events(c.id)).at(-1)).toBe('corrected');

      const [oldStreet] = await f.ledger
        .query(STAFF, {
          scopeKind: 'STREET',
          scopeId: IDS.street,
          fromMonth: '2026-11',
          toMonth: '2026-11',
          groupBy: ['ITEM'],
        })
        .then((rows) => rows.filter((r) => r.itemCode === 'FIRE_EXIT_BLOCKED'));
      expect(oldStreet).toBeUndefined();
      const newStreet = await f.ledger.query(STAFF, {
        scopeKind: 'STREET',
        scopeId: EXTRA.street,
        fromMonth: '2026-11',
        toMonth: '2026-11',
        groupBy: ['ITEM'],
      });
      expect(newStreet.find((r) => r.itemCode === 'FIRE_EXIT_BLOCKED')?.opened).toBe(1);

      // Recomputed on request: fire is 24 h from the report.
      const again = await f.intake.correct(staff, {
        id: c.id,
        version: corrected.version,
        recomputeDeadlines: true,
        reason: '按消防时限',
      });
      expect(again.resolveDueAt?.getTime()).toBe(c.reportedAt.getTime() + 24 * 3_600_000);
    });

    it('refuses non-staff, stale versions, closed cases and bad places', async () => {
      const staff = f.request(STAFF);
      const c = await f.cases.report(f.request(RESIDENT), report());
      expect(
        await codeOf(
          f.intake.correct(f.request(CHIEF), { id: c.id, version: c.version, spot: 'x', reason: 'y' }),
        ),
      ).toBe('FORBIDDEN');
      expect(
        await codeOf(
          f.intake.correct(f.request(COUNTY), { id: c.id, version: c.version, spot: 'x', reason: 'y' }),
        ),
      ).toBe('FORBIDDEN');
      expect(
        await codeOf(f.intake.correct(staff, { id: c.id, version: c.version + 5, spot: 'x', reason: 'y' })),
      ).toBe('CONFLICT');
      expect(
        await fieldOf(
          f.intake.correct(staff, {
            id: c.id,
            version: c.version,
            courtyardId: IDS.otherCourtyard,
            reason: 'y',
          }),
        ),
      ).toBe('input.courtyardId');
      expect(await fieldOf(f.intake.correct(staff, { id: c.id, version: c.version, reason: 'y' }))).toBe(
        'input',
      );
      expect((await row(c.id)).version).toBe(c.version);
    });
  });

  describe('closed is not fixed', () => {
    it('counts closed cases with other outcomes as closed but never as fixed', async () => {
      const staff = f.request(STAFF);
      const streetId = EXTRA.street;
      const closeWith = async (outcome: 'FIXED' | 'PARTLY_FIXED' | 'NOT_OUR_RESPONSIBILITY') => {
        let c = await f.cases.report(
          staff,
          report({ streetId, itemCode: 'POSTERS', reporterResidentId: undefined }),
        );
        c = await f.cases.accept(staff, { id: c.id, version: c.version });
        c = await f.cases.assign(staff, { id: c.id, version: c.version });
        c = await f.cases.start(staff, { id: c.id, version: c.version, reason: '办' });
        c = await f.cases.resolve(staff, {
          id: c.id,
          version: c.version,
          outcome,
          referredTo: outcome === 'NOT_OUR_RESPONSIBILITY' ? '县住建局' : undefined,
          resolution: '处理',
        });
        await f.cases.confirmRectification(staff, { id: c.id, version: c.version, reason: '复查' });
      };
      await closeWith('FIXED');
      await closeWith('PARTLY_FIXED');
      await closeWith('NOT_OUR_RESPONSIBILITY');
      const [posters] = (
        await f.ledger.query(STAFF, {
          scopeKind: 'STREET',
          scopeId: streetId,
          fromMonth: '2026-11',
          toMonth: '2026-11',
          groupBy: ['ITEM'],
        })
      ).filter((r) => r.itemCode === 'POSTERS');
      expect(posters).toMatchObject({ closed: 3, fixed: 1 });
    });
  });

  describe('CSV exports', () => {
    it('escapes per RFC 4180 and defuses formulas', () => {
      expect(csvCell('a,b')).toBe('"a,b"');
      expect(csvCell('say "hi"')).toBe('"say ""hi"""');
      expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
      expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
      expect(csvCell('+1')).toBe("'+1");
      expect(csvCell('-2')).toBe("'-2");
      expect(csvCell('@SUM')).toBe("'@SUM");
      expect(csvCell(-2)).toBe('-2');
      expect(csvCell(null)).toBe('');
    });

    it('exports a filtered case list page by page (BOM and header once), staff only', async () => {
      const staff = f.request(STAFF);
      await f.cases.report(
        staff,
        report({ streetId: EXTRA.street, itemCode: 'OUTSIDE_TRADING', description: '=cmd|calc' }),
      );
      await f.cases.report(
        staff,
        report({ streetId: EXTRA.street, itemCode: 'OUTSIDE_TRADING', description: '店外,"经营"' }),
      );
      await f.cases.report(
        staff,
        report({ streetId: EXTRA.street, itemCode: 'OUTSIDE_TRADING', description: '第三' }),
      );
      const filter = { streetId: EXTRA.street, itemCode: 'OUTSIDE_TRADING' };
      const first = await f.csv.caseList(STAFF, filter, { first: 2, afterKey: null });
      expect(first).toMatchObject({ rows: 2, totalCount: 3, hasNextPage: true });
      expect(first.csv.startsWith(`${BOM}id,state,channel,`)).toBe(true);
      expect(first.csv.split('\r\n')).toHaveLength(4); // header, 2 rows, trailing empty
      const second = await f.csv.caseList(STAFF, filter, {
        first: 2,
        afterKey: decodeCursor(first.endCursor!),
      });
      expect(second).toMatchObject({ rows: 1, hasNextPage: false });
      expect(second.csv.startsWith(BOM)).toBe(false);
      const all = first.csv + second.csv;
      expect(all).toContain(`'=cmd|calc`);
      expect(all).toContain('"店外,""经营"""');
      expect(all).not.toContain(IDS.resident);
      expect(await codeOf(f.csv.caseList(CHIEF, filter, { first: 2, afterKey: null }))).toBe('FORBIDDEN');
      expect(await codeOf(f.csv.caseList(null, filter, { first: 2, afterKey: null }))).toBe('FORBIDDEN');
    });

    it('exports the ledger with a BOM and one row per group', async () => {
      const csv = await f.csv.ledgerCsv(STAFF, {
        scopeKind: 'COMMUNITY',
        scopeId: IDS.community,
        fromMonth: '2026-11',
        toMonth: '2026-11',
        groupBy: ['ITEM'],
      });
      const lines = csv.slice(1).split('\r\n').filter(Boolean);
      expect(csv.startsWith(BOM)).toBe(true);
      expect(lines[0]).toMatch(/^category,item,month,opened,resolved,resolved_on_time,on_time_rate/);
      expect(lines.some((l) => l.startsWith('SANITATION,GARBAGE_COLLECTION_LATE,'))).toBe(true);
      expect(
        await codeOf(
          f.csv.ledgerCsv(COUNTY, {
            scopeKind: 'COMMUNITY',
            scopeId: IDS.community,
            fromMonth: '2026-11',
            toMonth: '2026-11',
            groupBy: [],
          }),
        ),
      ).toBe('FORBIDDEN');
    });
  });
});
