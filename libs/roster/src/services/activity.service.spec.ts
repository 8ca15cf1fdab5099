import type { DataSource } from 'typeorm';
import { OutboxEvent } from '@sc/events';
import { TrainingAttendance } from '../entities/activity.entity';
import { demoGridId, stableId } from '../seed/caichang';
import { caller, ROSTER_DATABASES, type RosterServices } from './spec-helpers';

const staff = caller(['COMMUNITY_STAFF'], 'staff-1');
const officer = caller(['TOWN_OFFICER'], 'officer-1');
const chief = (n: number) => caller(['STREET_CHIEF'], `account-chief-${n}`, [`grid:${demoGridId(n)}`]);
const patrol = (streetName: string, needsAction: boolean) => ({
  streetId: stableId(`street:${streetName}`),
  patrolledAt: new Date('2026-04-02T01:00:00Z'),
  route: '沿街步行',
  findings: needsAction ? '消防通道被占用' : '无异常',
  hazardCount: needsAction ? 1 : 0,
  requestCount: 0,
  needsAction,
});

describe.each(ROSTER_DATABASES)('trainings and patrols on %s', (_database, seeded) => {
  let ds: DataSource;
  let s: RosterServices;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ ds, services: s, close } = await seeded());
  });
  afterAll(async () => close?.());

  const eventsOf = (type: string) => ds.getRepository(OutboxEvent).countBy({ type });

  it('records a training with its attendance; only staff and town officers may', async () => {
    const input = {
      topic: 'FOOD_SAFETY' as const,
      title: '食品安全培训',
      heldAt: new Date('2026-03-01T02:00:00Z'),
      trainer: '县市场监管局',
      chiefIds: [stableId('chief:1'), stableId('chief:2'), stableId('chief:1')],
    };
    const training = await s.activities.recordTraining(officer, input);
    expect(await ds.getRepository(TrainingAttendance).countBy({ trainingId: training.id })).toBe(2);
    expect(await eventsOf('cn.caichang.roster.training.held.v1')).toBe(1);
    await expect(s.activities.recordTraining(chief(1), input)).rejects.toMatchObject({
      extensions: { code: 'FORBIDDEN' },
    });
    await expect(
      s.activities.recordTraining(staff, { ...input, chiefIds: ['no-such-chief'] }),
    ).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  });

  it('lets a chief record patrols of own grid only; a finding that needs action gets its own event', async () => {
    const quiet = await s.activities.recordPatrol(chief(1), patrol('新街', false));
    expect([quiet.chiefId, quiet.gridId]).toEqual([stableId('chief:1'), demoGridId(1)]);
    expect(await eventsOf('cn.caichang.roster.patrol.finding-recorded.v1')).toBe(0);
    await s.activities.recordPatrol(chief(1), patrol('正街', true));
    expect(await eventsOf('cn.caichang.roster.patrol.recorded.v1')).toBe(2);
    expect(await eventsOf('cn.caichang.roster.patrol.finding-recorded.v1')).toBe(1);
    for (const attempt of [
      () => s.activities.recordPatrol(chief(1), patrol('南街', true)),
      () => s.activities.recordPatrol(chief(1), { ...patrol('正街', true), streetId: 'no-such-street' }),
      () => s.activities.recordPatrol(staff, patrol('正街', true)),
    ])
      await expect(attempt()).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
  });

  it('refuses a patrol while the grid has no appointed chief, naming the state', async () => {
    await s.chiefs.suspend(officer, stableId('chief:4'), '停职');
    await expect(s.activities.recordPatrol(chief(4), patrol('南街', false))).rejects.toMatchObject({
      extensions: { code: 'CONFLICT', currentState: 'SUSPENDED' },
    });
  });
});
