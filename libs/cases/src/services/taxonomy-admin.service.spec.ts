import { TaxonomyEvents } from '@sc/cases-contracts';
import { OutboxEvent } from '@sc/events';
import { CaseItem, CaseItemVersion, CaseRecord, WorkCalendarDay } from '../entities';
import { ADMIN, casesFixture, report, RESIDENT, STAFF, type CasesFixture } from './spec-helpers';
import { TaxonomyAdminService } from './taxonomy-admin.service';

/** The same edits in embedded mode (SQLite, synchronized schema); the MariaDB spec covers HTTP and concurrency. */
describe('taxonomy and calendar editing on SQLite (embedded mode)', () => {
  let f: CasesFixture;
  let admin: TaxonomyAdminService;
  beforeAll(async () => {
    f = await casesFixture();
    admin = new TaxonomyAdminService(f.ds, f.outbox, f.taxonomy, () => f.clock.now);
  });
  afterAll(async () => f?.close());

  const count = async () => ({
    versions: await f.ds.getRepository(CaseItemVersion).count(),
    days: await f.ds.getRepository(WorkCalendarDay).count(),
    events: await f.ds.getRepository(OutboxEvent).count(),
  });

  it('revises, retires and adds items as new versions; a case accepted before keeps its deadline', async () => {
    const staff = f.request(STAFF);
    const reportNew = async () => {
      const c = await f.cases.report(f.request(RESIDENT), report());
      return { id: c.id, version: c.version };
    };
    const early = await f.cases.accept(staff, await reportNew());
    expect(early.itemVersion).toBe(1);
    const v2 = await admin.revise(ADMIN, {
      code: 'GARBAGE_COLLECTION_LATE',
      expectedVersion: 1,
      resolveLimit: { value: 1, unit: 'WORKING_DAYS' },
      reason: '加快',
    });
    expect(v2).toMatchObject({ version: 2, resolveLimit: 1, respondLimit: 24, active: true });
    const late = await f.cases.accept(staff, await reportNew());
    expect(late.itemVersion).toBe(2);
    // Reported Monday 30 Nov: 3 working days (v1) → end of 3 Dec; 1 working day (v2) → end of 1 Dec.
    expect(late.resolveDueAt).toEqual(new Date('2026-12-01T16:00:00.000Z'));
    expect((await f.ds.getRepository(CaseRecord).findOneByOrFail({ id: early.id })).resolveDueAt).toEqual(
      new Date('2026-12-03T16:00:00.000Z'),
    );

    await expect(
      admin.revise(ADMIN, {
        code: 'GARBAGE_COLLECTION_LATE',
        expectedVersion: 1,
        urgent: true,
        reason: '旧',
      }),
    ).rejects.toMatchObject({ extensions: { code: 'CONFLICT', currentVersion: 2 } });

    const retired = await admin.retire(ADMIN, { code: 'POSTERS', expectedVersion: 1, reason: '合并' });
    expect(retired).toMatchObject({ version: 2, active: false });
    await expect(f.cases.report(f.request(RESIDENT), report({ itemCode: 'POSTERS' }))).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'input.itemCode' },
    });
    const items = await f.taxonomy.currentItems(['STREET_ORDER']);
    expect(items.get('STREET_ORDER')?.find((i) => i.itemCode === 'POSTERS')?.active).toBe(false);

    const added = await admin.add(ADMIN, {
      categoryCode: 'GREENERY',
      code: 'TREE_FALLEN',
      name: '树木倒伏',
      respondLimit: { value: 2, unit: 'HOURS' },
      resolveLimit: { value: 24, unit: 'HOURS' },
      confirmation: 'RECTIFICATION_CHECK',
      defaultAssignee: 'GRID_CHIEF',
      urgent: true,
      reason: '台风季',
    });
    expect(added).toMatchObject({ version: 1, categoryCode: 'GREENERY', active: true, urgent: true });
    const maxSort = await f.ds.getRepository(CaseItem).maximum('sort');
    expect((await f.ds.getRepository(CaseItem).findOneByOrFail({ code: 'TREE_FALLEN' })).sort).toBe(maxSort);

    const types = (await f.ds.getRepository(OutboxEvent).find({ order: { seq: 'ASC' } }))
      .map((e) => e.type)
      .filter((t) => t.includes('.taxonomy.'));
    expect(types).toEqual([
      TaxonomyEvents.taxonomyItemRevised.type,
      TaxonomyEvents.taxonomyItemRetired.type,
      TaxonomyEvents.taxonomyItemAdded.type,
    ]);
  });

  it('replaces a calendar year and removes an entry; refusals write nothing', async () => {
    const before2027 = await f.taxonomy.calendarYear(2027);
    const set = await admin.setCalendar(ADMIN, {
      year: 2026,
      days: [
        { date: '2026-12-02', kind: 'HOLIDAY', name: '停工日' },
        { date: '2026-12-05', kind: 'WORKDAY', name: '停工日调休上班' },
      ],
      reason: '临时安排',
    });
    expect(set.map((d) => d.day)).toEqual(['2026-12-02', '2026-12-05']);
    expect(await f.taxonomy.calendarYear(2027)).toEqual(before2027);
    const calendar = await f.taxonomy.calendar();
    expect(calendar.isWorkingDay('2026-12-02')).toBe(false);
    expect(calendar.isWorkingDay('2026-12-05')).toBe(true);
    expect(calendar.isWorkingDay('2026-10-01')).toBe(true); // the seeded 国庆 holiday is gone with the old table
    expect(
      (await admin.removeCalendarDay(ADMIN, { date: '2026-12-05', reason: '取消' })).map((d) => d.day),
    ).toEqual(['2026-12-02']);

    const before = await count();
    await expect(
      admin.setCalendar(ADMIN, {
        year: 2026,
        days: [
          { date: '2026-12-12', kind: 'WORKDAY', name: '调休' },
          { date: '2026-12-12', kind: 'HOLIDAY', name: '假日' },
        ],
        reason: '重复',
      }),
    ).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'input.days.1.date' } });
    await expect(admin.setCalendar(STAFF, { year: 2026, days: [], reason: '清空' })).rejects.toMatchObject({
      extensions: { code: 'FORBIDDEN' },
    });
    await expect(admin.removeCalendarDay(null, { date: '2026-12-02', reason: '取消' })).rejects.toMatchObject(
      {
        extensions: { code: 'UNAUTHENTICATED' },
      },
    );
    await expect(
      admin.removeCalendarDay(ADMIN, { date: '2026-12-05', reason: '再次' }),
    ).rejects.toMatchObject({
      extensions: { code: 'NOT_FOUND' },
    });
    await expect(
      admin.revise(ADMIN, { code: 'FIRE_EXIT_BLOCKED', expectedVersion: 1, reason: '无变化' }),
    ).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'input' } });
    expect(await count()).toEqual(before);
  });
});
