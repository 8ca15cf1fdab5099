import type { DataSource } from 'typeorm';
import { ROLES, type Role } from '@sc/auth';
import { OutboxEvent } from '@sc/events';
import { applyResidentEvent, PeopleEvents } from '@sc/people-contracts';
import {
  CHIEF_STATUSES,
  ChiefNomination,
  ChiefTransition,
  StreetChief,
  type ChiefStatus,
} from '../entities/chief.entity';
import { stableId } from '../seed/caichang';
import { CHIEF_ACTION_ROLES, CHIEF_ACTIONS, CHIEF_TRANSITIONS, type ChiefAction } from './chief-lifecycle';
import { caller, knownResidents, ROSTER_DATABASES, type RosterServices } from './spec-helpers';

const admin = caller(['ADMIN'], 'admin-1');
const staff = caller(['COMMUNITY_STAFF'], 'staff-1');
const officer = caller(['TOWN_OFFICER'], 'officer-1');
const GROUP_3 = stableId('group:3');

/** The legal way from NOMINATED to each state. */
const PATH: Record<ChiefStatus, ChiefAction[]> = {
  NOMINATED: [],
  VETTED: ['VET_PASS'],
  FILED: ['VET_PASS', 'FILE'],
  APPOINTED: ['VET_PASS', 'FILE', 'APPOINT'],
  SUSPENDED: ['VET_PASS', 'FILE', 'APPOINT', 'SUSPEND'],
  RETIRED: ['VET_PASS', 'FILE', 'APPOINT', 'RETIRE'],
  REJECTED: ['REJECT'],
};

describe.each(ROSTER_DATABASES)('ChiefService on %s', (_database, seeded) => {
  let ds: DataSource;
  let s: RosterServices;
  let close: () => Promise<void>;
  let counter = 0;

  beforeAll(async () => {
    ({ ds, services: s, close } = await seeded());
  });
  afterAll(async () => close?.());

  /** A new street in a new grid, so each case appoints without touching the demo grids. */
  async function freshGrid(): Promise<string> {
    const n = ++counter;
    const street = await s.places.create(admin, { kind: 'STREET', parentId: GROUP_3, name: `测试街${n}` });
    const grid = await s.grids.create(staff, {
      name: `测试网格${n}`,
      streetIds: [street.id],
      courtyardIds: [],
      reason: '测试',
    });
    return grid.id;
  }

  const nominate = async (residentId: string, nominator = `nominator-${++counter}`) => {
    await knownResidents(ds, residentId, nominator);
    return s.chiefs.nominate(staff, {
      residentId,
      name: '测试人',
      nominatorResidentId: nominator,
      reason: '推荐',
    });
  };

  /** Takes one action on a chief with valid input (ADMIN, so only the state decides). */
  async function act(action: ChiefAction, chief: StreetChief, gridId?: string): Promise<StreetChief> {
    const reason = `because ${action}`;
    switch (action) {
      case 'NOMINATE':
        return nominate(chief.residentId);
      case 'VET_PASS':
      case 'VET_FAIL':
        return s.chiefs.vet(admin, chief.id, {
          passed: action === 'VET_PASS',
          reason,
          visitNotes: '走访三户',
          opinions: ['好'],
        });
      case 'FILE':
        return s.chiefs.file(admin, chief.id, {
          filedOn: new Date(),
          documentNumber: '蔡党备〔2026〕9号',
          reason,
        });
      case 'APPOINT':
        return s.chiefs.appoint(admin, chief.id, {
          gridId: gridId ?? (await freshGrid()),
          badge: `T-${++counter}`,
          phone: '13800000000',
          termStart: new Date('2026-01-01T00:00:00Z'),
          termEnd: new Date('2028-01-01T00:00:00Z'),
          reason,
        });
      case 'SUSPEND':
        return s.chiefs.suspend(admin, chief.id, reason);
      case 'RESUME':
        return s.chiefs.resume(admin, chief.id, reason);
      case 'RETIRE':
        return s.chiefs.retire(admin, chief.id, reason);
      case 'REJECT':
        return s.chiefs.reject(admin, chief.id, reason);
    }
  }

  async function chiefIn(status: ChiefStatus): Promise<StreetChief> {
    let chief = await nominate(`resident-${++counter}`);
    for (const action of PATH[status]) chief = await act(action, chief);
    expect(chief.status).toBe(status);
    return chief;
  }

  const cases = CHIEF_STATUSES.flatMap((status) => CHIEF_ACTIONS.map((action) => [status, action] as const));

  it.each(cases)(
    'from %s, %s is taken or refused exactly as the state machine says',
    async (status, action) => {
      const chief = await chiefIn(status);
      const next = CHIEF_TRANSITIONS[status][action];
      const gridId = action === 'APPOINT' ? await freshGrid() : undefined;
      const events = await ds.getRepository(OutboxEvent).count();
      if (action === 'NOMINATE' && (status === 'RETIRED' || status === 'REJECTED')) {
        // The candidacy is over: a new nomination of the resident opens a new one, the old one stays.
        const fresh = await act(action, chief);
        expect(fresh.id).not.toBe(chief.id);
        expect(fresh.status).toBe('NOMINATED');
        expect((await ds.getRepository(StreetChief).findOneByOrFail({ id: chief.id })).status).toBe(status);
        return;
      }
      if (next) {
        const after = await act(action, chief, gridId);
        expect(after.status).toBe(next);
        expect(await ds.getRepository(OutboxEvent).count()).toBeGreaterThan(events);
      } else {
        await expect(act(action, chief, gridId)).rejects.toMatchObject({
          message: expect.stringContaining(status),
          extensions: { code: 'CONFLICT', currentState: status },
        });
        const stored = await ds.getRepository(StreetChief).findOneByOrFail({ id: chief.id });
        expect([stored.status, stored.version]).toEqual([status, chief.version]);
        expect(await ds.getRepository(OutboxEvent).count()).toBe(events);
      }
    },
  );

  const roleCases = CHIEF_ACTIONS.flatMap((action) =>
    ROLES.filter((r) => r !== 'ADMIN' && !CHIEF_ACTION_ROLES[action].includes(r)).map(
      (r) => [action, r] as const,
    ),
  );

  it.each(roleCases)(
    'refuses %s to %s with FORBIDDEN before looking at the chief',
    async (action, role: Role) => {
      const p = caller([role]);
      const id = 'no-such-chief';
      const reason = 'x';
      const calls: Record<ChiefAction, () => Promise<unknown>> = {
        NOMINATE: () =>
          s.chiefs.nominate(p, { residentId: 'r', name: 'n', nominatorResidentId: 'x', reason }),
        VET_PASS: () => s.chiefs.vet(p, id, { passed: true, reason, visitNotes: 'n', opinions: [] }),
        VET_FAIL: () => s.chiefs.vet(p, id, { passed: false, reason, visitNotes: 'n', opinions: [] }),
        FILE: () => s.chiefs.file(p, id, { filedOn: new Date(), documentNumber: 'd', reason }),
        APPOINT: () =>
          s.chiefs.appoint(p, id, {
            gridId: 'g',
            badge: 'T-1',
            phone: '13800000000',
            termStart: new Date(0),
            termEnd: new Date(),
            reason,
          }),
        SUSPEND: () => s.chiefs.suspend(p, id, reason),
        RESUME: () => s.chiefs.resume(p, id, reason),
        RETIRE: () => s.chiefs.retire(p, id, reason),
        REJECT: () => s.chiefs.reject(p, id, reason),
      };
      await expect(calls[action]()).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    },
  );

  it('counts nominations, one per resident per candidate; a resident nominates only in their own name', async () => {
    const resident = caller(['RESIDENT'], 'resident-a');
    await knownResidents(ds, 'cand-1', 'resident-a', 'resident-b');
    const first = await s.chiefs.nominate(resident, { residentId: 'cand-1', name: '候选人', reason: '热心' });
    const second = await s.chiefs.nominate(caller(['RESIDENT'], 'resident-b'), {
      residentId: 'cand-1',
      name: '候选人',
      reason: '能干',
    });
    expect(second.id).toBe(first.id);
    expect(second.nominationCount).toBe(2);
    await expect(
      s.chiefs.nominate(resident, { residentId: 'cand-1', name: '候选人', reason: '再次' }),
    ).rejects.toMatchObject({ extensions: { code: 'CONFLICT', field: 'input.nominatorResidentId' } });
    await expect(
      s.chiefs.nominate(resident, {
        residentId: 'cand-1',
        name: '候选人',
        nominatorResidentId: 'someone-else',
        reason: 'x',
      }),
    ).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    await expect(
      s.chiefs.nominate(staff, { residentId: 'cand-1', name: '候选人', reason: 'x' }),
    ).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'input.nominatorResidentId' } });
    const nominators = await ds.getRepository(ChiefNomination).findBy({ chiefId: first.id });
    expect(nominators.map((n) => n.nominatorResidentId).sort()).toEqual(['resident-a', 'resident-b']);
  });

  it('refuses a nomination naming a resident the people service never announced or who moved out: NOT_FOUND naming the field, nothing written', async () => {
    const candidate = '6f1d2a00-0000-4000-8000-000000000001';
    const nominator = '6f1d2a00-0000-4000-8000-000000000002';
    await knownResidents(ds, candidate, nominator);
    const unknown = '6f1d2a00-0000-4000-8000-00000000dead';
    const counts = () =>
      Promise.all([
        ds.getRepository(StreetChief).count(),
        ds.getRepository(ChiefNomination).count(),
        ds.getRepository(OutboxEvent).count(),
      ]);
    const before = await counts();
    const refused = async (
      who: typeof staff,
      input: { residentId: string; nominatorResidentId?: string },
      field: string,
    ) =>
      expect(s.chiefs.nominate(who, { name: '候选人', reason: '推荐', ...input })).rejects.toMatchObject({
        extensions: { code: 'NOT_FOUND', field },
      });
    await refused(staff, { residentId: unknown, nominatorResidentId: nominator }, 'input.residentId');
    await refused(
      staff,
      { residentId: '00000000-0000-0000-0000-000000000000', nominatorResidentId: nominator },
      'input.residentId',
    );
    await refused(
      staff,
      { residentId: candidate, nominatorResidentId: unknown },
      'input.nominatorResidentId',
    );
    // A resident's token names the nominator: one the people service does not know is refused too.
    await refused(caller(['RESIDENT'], unknown), { residentId: candidate }, 'input.nominatorResidentId');
    // The people service says the candidate moved out: no longer a resident to nominate.
    await applyResidentEvent(
      {
        specversion: '1.0',
        id: '6f1d2a00-0000-4000-8000-0000000000e1',
        source: '/caichang/people',
        type: PeopleEvents.residentMovedOut.type,
        subject: candidate,
        time: new Date().toISOString(),
        datacontenttype: 'application/json',
        data: {
          id: candidate,
          category: 'REGISTERED',
          streetId: null,
          courtyardId: null,
          householdId: null,
          destination: '成都市',
          date: '2026-11-30',
          actor: 'staff-1',
        },
      },
      ds.manager,
    );
    await refused(staff, { residentId: candidate, nominatorResidentId: nominator }, 'input.residentId');
    expect(await counts()).toEqual(before);
  });

  it('keeps every transition with who, when and why, and a failed vetting ends as REJECTED', async () => {
    const chief = await nominate('cand-2');
    const rejected = await s.chiefs.vet(staff, chief.id, {
      passed: false,
      reason: '群众意见较大',
      visitNotes: '走访五户',
      opinions: ['不熟悉街情'],
    });
    expect(rejected.status).toBe('REJECTED');
    const rows = await ds
      .getRepository(ChiefTransition)
      .find({ where: { chiefId: chief.id }, order: { seq: 'ASC' } });
    expect(rows.map((r) => [r.action, r.fromStatus, r.toStatus, r.actor, r.reason])).toEqual([
      ['NOMINATE', null, 'NOMINATED', 'staff-1', '推荐'],
      ['VET_FAIL', 'NOMINATED', 'REJECTED', 'staff-1', '群众意见较大'],
    ]);
    const event = await ds
      .getRepository(OutboxEvent)
      .findOne({ where: { aggregateId: chief.id }, order: { seq: 'DESC' } });
    expect(event?.type).toBe('cn.caichang.roster.chief.rejected.v1');
  });

  it('refuses a second chief for a held grid and a badge already worn, with CONFLICT', async () => {
    const filed = await chiefIn('FILED');
    const demoGrid = stableId('grid:1');
    const appointment = {
      gridId: demoGrid,
      badge: 'T-999',
      phone: '13800000000',
      termStart: new Date('2026-01-01T00:00:00Z'),
      termEnd: new Date('2028-01-01T00:00:00Z'),
      reason: '任命',
    };
    await expect(s.chiefs.appoint(officer, filed.id, appointment)).rejects.toMatchObject({
      extensions: { code: 'CONFLICT', field: 'input.gridId', holderState: 'APPOINTED' },
    });
    await expect(
      s.chiefs.appoint(officer, filed.id, { ...appointment, gridId: await freshGrid(), badge: 'CC-001' }),
    ).rejects.toMatchObject({ extensions: { code: 'CONFLICT', field: 'input.badge' } });
    expect((await ds.getRepository(StreetChief).findOneByOrFail({ id: filed.id })).status).toBe('FILED');
  });

  it('writes the appointed event with grid, resident and the public phone only', async () => {
    const filed = await chiefIn('FILED');
    const gridId = await freshGrid();
    await s.chiefs.appoint(officer, filed.id, {
      gridId,
      badge: 'T-777',
      phone: '13900000000',
      termStart: new Date('2026-01-01T00:00:00Z'),
      termEnd: new Date('2028-01-01T00:00:00Z'),
      reason: '任命',
    });
    const event = await ds.getRepository(OutboxEvent).findOneOrFail({
      where: { aggregateId: filed.id, type: 'cn.caichang.roster.chief.appointed.v1' },
    });
    expect(event.topic).toBe('caichang.roster.chiefs.v1');
    expect(JSON.parse(event.envelope).data).toEqual({
      id: filed.id,
      residentId: filed.residentId,
      status: 'APPOINTED',
      previousStatus: 'FILED',
      reason: '任命',
      actor: 'officer-1',
      gridId,
      badge: 'T-777',
      phone: '13900000000',
      termStart: '2026-01-01T00:00:00.000Z',
      termEnd: '2028-01-01T00:00:00.000Z',
    });
  });
});
