import type { CaseState } from '@sc/cases-contracts';
import { OutboxEvent } from '@sc/events';
import { CASE_LIFECYCLE, type CaseAction } from '../domain/lifecycle';
import { CaseRecord, CaseTransition } from '../entities';
import {
  ADMIN,
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
} from './spec-helpers';

const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p;
    return 'OK';
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code ?? String(error);
  }
};

describe('CaseService on the embedded database (SQLite)', () => {
  let f: CasesFixture;
  beforeAll(async () => {
    f = await casesFixture();
  });
  afterAll(async () => f?.close());

  describe('reportCase', () => {
    it('routes a report to the grid of its street and writes one REPORTED transition and one event', async () => {
      const c = await f.cases.report(f.request(RESIDENT), report());
      expect(c).toMatchObject({
        status: 'REPORTED',
        gridId: IDS.grid,
        communityId: IDS.community,
        reporterResidentId: IDS.resident,
        itemCode: 'GARBAGE_COLLECTION_LATE',
      });
      expect(await f.ds.getRepository(CaseTransition).countBy({ caseId: c.id })).toBe(1);
      const events = await f.ds.getRepository(OutboxEvent).findBy({ aggregateId: c.id });
      expect(events.map((e) => e.type)).toEqual(['cn.caichang.cases.case.reported.v1']);
      expect(JSON.stringify(events[0])).not.toContain(IDS.resident);
    });

    it.each([
      ['an unknown street', { streetId: IDS.grid }, 'input.streetId'],
      ['a courtyard of another street', { courtyardId: IDS.otherCourtyard }, 'input.courtyardId'],
      ['an unknown item', { itemCode: 'NO_SUCH_ITEM' }, 'input.itemCode'],
    ])('refuses %s with BAD_USER_INPUT naming the field and writes nothing', async (_, over, field) => {
      const before = await f.ds.getRepository(CaseRecord).count();
      const error = await f.cases.report(f.request(STAFF), report(over)).catch((e: unknown) => e);
      expect((error as { extensions: Record<string, unknown> }).extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field,
      });
      expect(await f.ds.getRepository(CaseRecord).count()).toBe(before);
    });

    it('refuses a reporter who is not a resident, and a resident reporting for someone else', async () => {
      const bad = await f.cases
        .report(f.request(STAFF), report({ reporterResidentId: IDS.chief }))
        .catch((e: unknown) => e);
      expect((bad as { extensions: Record<string, unknown> }).extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.reporterResidentId',
      });
      expect(
        await codeOf(f.cases.report(f.request(RESIDENT), report({ reporterResidentId: IDS.otherResident }))),
      ).toBe('FORBIDDEN');
    });

    it('keeps channels to roles: a resident files PLATFORM only, a chief in own grid only, county never', async () => {
      expect(await codeOf(f.cases.report(f.request(RESIDENT), report({ channel: 'PHONE' })))).toBe(
        'FORBIDDEN',
      );
      expect(await codeOf(f.cases.report(f.request(CHIEF), report({ channel: 'PHONE' })))).toBe('OK');
      expect(
        await codeOf(
          f.cases.report(f.request(CHIEF), report({ channel: 'PHONE', streetId: IDS.uncoveredStreet })),
        ),
      ).toBe('FORBIDDEN');
      expect(await codeOf(f.cases.report(f.request(COUNTY), report()))).toBe('FORBIDDEN');
      expect(await codeOf(f.cases.report(f.request(null), report()))).toBe('UNAUTHENTICATED');
    });

    it('takes a 12345 number once: the second referral with it is a CONFLICT', async () => {
      const hotline = report({ channel: 'HOTLINE_12345', externalNumber: 'SC-12345-0001' });
      expect(await codeOf(f.cases.report(f.request(STAFF), hotline))).toBe('OK');
      expect(await codeOf(f.cases.report(f.request(STAFF), hotline))).toBe('CONFLICT');
      expect(await codeOf(f.cases.report(f.request(STAFF), report({ channel: 'HOTLINE_12345' })))).toBe(
        'BAD_USER_INPUT',
      );
    });
  });

  describe('who sees what', () => {
    it('gives the full view to the reporter, the grid chief and staff; the public view to others', async () => {
      const c = await f.cases.report(f.request(RESIDENT), report());
      expect(f.cases.fullView(f.request(RESIDENT), c)).toBe(true);
      expect(f.cases.fullView(f.request(CHIEF), c)).toBe(true);
      expect(f.cases.fullView(f.request(STAFF), c)).toBe(true);
      expect(f.cases.fullView(f.request(OTHER_RESIDENT), c)).toBe(false);
      expect(f.cases.fullView(f.request(OTHER_CHIEF), c)).toBe(false);
      expect(f.cases.fullView(f.request(COUNTY), c)).toBe(false);
      expect(f.cases.fullView(f.request(null), c)).toBe(false);
    });

    it('lists with totalCount: staff all, a resident own, a chief own grid; county is refused', async () => {
      const all = await f.cases.list(f.request(STAFF), {}, { first: 2, afterKey: null });
      const total = await all.totalCount();
      expect(total).toBe(await f.ds.getRepository(CaseRecord).count());
      expect(all.nodes).toHaveLength(2);
      const own = await f.cases.list(f.request(RESIDENT), {}, { first: 100, afterKey: null });
      expect(own.nodes.every((c) => c.reporterResidentId === IDS.resident)).toBe(true);
      const grid = await f.cases.list(f.request(CHIEF), {}, { first: 100, afterKey: null });
      expect(grid.nodes.every((c) => c.gridId === IDS.grid)).toBe(true);
      expect(await codeOf(f.cases.list(f.request(COUNTY), {}, { first: 1, afterKey: null }))).toBe(
        'FORBIDDEN',
      );
      const next = await f.cases.list(
        f.request(STAFF),
        {},
        { first: 100, afterKey: all.nodes[1]?.sortKey ?? null },
      );
      expect(next.nodes).toHaveLength(total - 2);
    });
  });

  describe('the lifecycle table, every (state, action) pair', () => {
    /** A case put straight into `state`, with what that state implies. */
    async function caseIn(state: CaseState, action: CaseAction): Promise<CaseRecord> {
      const hazard = action === 'CONFIRM';
      const c = await f.cases.report(
        f.request(RESIDENT),
        report(hazard ? { itemCode: 'PILED_MATERIALS' } : {}),
      );
      const accepted = state !== 'REPORTED';
      await f.ds.getRepository(CaseRecord).update(
        { id: c.id },
        {
          status: state,
          acceptedAt: accepted ? f.clock.now : null,
          resolvedAt: ['RESOLVED', 'CLOSED'].includes(state) ? f.clock.now : null,
          escalationLevel: state === 'ESCALATED' ? 'TOWN' : 'NONE',
        },
      );
      return (await f.ds.getRepository(CaseRecord).findOneByOrFail({ id: c.id })) as CaseRecord;
    }

    async function take(action: CaseAction, c: CaseRecord): Promise<CaseRecord> {
      const base = { id: c.id, version: c.version, reason: '表驱动测试' };
      switch (action) {
        case 'ACCEPT':
          return f.cases.accept(f.request(STAFF), {
            id: c.id,
            version: c.version,
            itemCode: c.itemCode ?? undefined,
          });
        case 'ASSIGN':
          return f.cases.assign(f.request(STAFF), { ...base, kind: 'DEPARTMENT', name: '城管中队' });
        case 'START':
          return f.cases.start(f.request(STAFF), base);
        case 'RESOLVE':
          return f.cases.resolve(f.request(STAFF), { ...base, outcome: 'FIXED', resolution: '已清运' });
        case 'RATE':
          return f.cases.rate(f.request(RESIDENT), { ...base, rating: 5 });
        case 'CONFIRM':
          return f.cases.confirmRectification(f.request(CHIEF), base);
        case 'AUTO_CLOSE':
          return f.cases.autoClose(c.id);
        case 'REOPEN':
          return f.cases.reopen(f.request(STAFF), base);
        case 'ESCALATE':
          return f.cases.escalate(f.request(STAFF), base);
        case 'REJECT':
          return f.cases.reject(f.request(STAFF), base);
        case 'MARK_DUPLICATE': {
          const original = await f.cases.report(f.request(STAFF), report());
          return f.cases.markDuplicate(f.request(STAFF), { ...base, originalId: original.id });
        }
      }
    }

    it.each(CASE_LIFECYCLE.table())('$state + $action → $next', async ({ state, action, next }) => {
      const c = await caseIn(state, action);
      if (next === null) {
        const error = await take(action, c).catch((e: unknown) => e);
        expect((error as { extensions: Record<string, unknown> }).extensions).toMatchObject({
          code: 'CONFLICT',
          currentState: state,
        });
        expect((await f.ds.getRepository(CaseRecord).findOneByOrFail({ id: c.id })).version).toBe(c.version);
      } else {
        const after = await take(action, c);
        expect(after.status).toBe(next);
        expect(after.version).toBe(c.version + 1);
        const history = await f.ds.getRepository(CaseTransition).findBy({ caseId: c.id, action });
        expect(history.map((h) => [h.fromStatus, h.toStatus])).toEqual([[state, next]]);
      }
    });
  });

  describe('rules of the actions', () => {
    it('computes deadlines at accept from the item version, counted from the report', async () => {
      const c = await f.cases.report(f.request(RESIDENT), report({ itemCode: 'FIRE_EXIT_BLOCKED' }));
      f.clock.now = new Date(f.clock.now.getTime() + 3_600_000);
      const accepted = await f.cases.accept(f.request(STAFF), { id: c.id, version: c.version });
      expect(accepted.respondDueAt?.toISOString()).toBe(
        new Date(c.reportedAt.getTime() + 2 * 3_600_000).toISOString(),
      );
      expect(accepted.resolveDueAt?.toISOString()).toBe(
        new Date(c.reportedAt.getTime() + 24 * 3_600_000).toISOString(),
      );
    });

    it('assigns to the appointed chief of the grid by default, and refuses when the place is uncovered', async () => {
      const c = await f.cases.report(f.request(STAFF), report());
      const a = await f.cases.accept(f.request(STAFF), { id: c.id, version: c.version });
      const assigned = await f.cases.assign(f.request(STAFF), { id: a.id, version: a.version });
      expect(assigned).toMatchObject({ status: 'ASSIGNED', assigneeKind: 'CHIEF', assigneeId: IDS.chief });
      expect(assigned.respondedAt).not.toBeNull();
      const u = await f.cases.report(f.request(STAFF), report({ streetId: IDS.uncoveredStreet }));
      const ua = await f.cases.accept(f.request(STAFF), { id: u.id, version: u.version });
      expect(await codeOf(f.cases.assign(f.request(STAFF), { id: ua.id, version: ua.version }))).toBe(
        'CONFLICT',
      );
    });

    it('refuses a stale version with CONFLICT, and a chief outside the grid with FORBIDDEN', async () => {
      const c = await f.cases.report(f.request(STAFF), report());
      await f.cases.accept(f.request(STAFF), { id: c.id, version: c.version });
      expect(await codeOf(f.cases.accept(f.request(STAFF), { id: c.id, version: c.version }))).toBe(
        'CONFLICT',
      );
      const fresh = await f.cases.report(f.request(STAFF), report());
      expect(await codeOf(f.cases.accept(f.request(OTHER_CHIEF), { id: fresh.id, version: 1 }))).toBe(
        'FORBIDDEN',
      );
      expect(await codeOf(f.cases.accept(f.request(RESIDENT), { id: fresh.id, version: 1 }))).toBe(
        'FORBIDDEN',
      );
    });

    it('lets only the reporter rate; 1–2 reopen the case with the rating kept', async () => {
      let c = await f.cases.report(f.request(RESIDENT), report());
      c = await f.cases.accept(f.request(STAFF), { id: c.id, version: c.version });
      c = await f.cases.assign(f.request(STAFF), { id: c.id, version: c.version });
      c = await f.cases.start(f.request(CHIEF), { id: c.id, version: c.version, reason: '到场' });
      c = await f.cases.resolve(f.request(CHIEF), {
        id: c.id,
        version: c.version,
        outcome: 'FIXED',
        resolution: '已清运',
      });
      expect(
        await codeOf(f.cases.rate(f.request(OTHER_RESIDENT), { id: c.id, version: c.version, rating: 5 })),
      ).toBe('FORBIDDEN');
      const low = await f.cases.rate(f.request(RESIDENT), { id: c.id, version: c.version, rating: 2 });
      expect(low).toMatchObject({ status: 'REOPENED', rating: 2, reopenCount: 1 });
    });

    it('requires referredTo for NOT_OUR_RESPONSIBILITY, and an open original for a duplicate', async () => {
      let c = await f.cases.report(f.request(STAFF), report());
      c = await f.cases.accept(f.request(STAFF), { id: c.id, version: c.version });
      c = await f.cases.assign(f.request(STAFF), { id: c.id, version: c.version });
      c = await f.cases.start(f.request(STAFF), { id: c.id, version: c.version, reason: 'x' });
      expect(
        await codeOf(
          f.cases.resolve(f.request(STAFF), {
            id: c.id,
            version: c.version,
            outcome: 'NOT_OUR_RESPONSIBILITY',
            resolution: '不属于社区',
          }),
        ),
      ).toBe('BAD_USER_INPUT');
      const d = await f.cases.report(f.request(STAFF), report());
      expect(
        await codeOf(
          f.cases.markDuplicate(f.request(ADMIN), { id: d.id, version: 1, originalId: d.id, reason: 'x' }),
        ),
      ).toBe('BAD_USER_INPUT');
    });
  });
});
