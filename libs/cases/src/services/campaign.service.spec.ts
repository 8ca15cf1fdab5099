import { CampaignsTopic } from '@sc/cases-contracts';
import { Outbox, OutboxEvent } from '@sc/events';
import { CASES_EVENTS } from '@sc/cases-contracts';
import { Campaign, CampaignAction, CampaignTarget } from '../entities';
import { CasesAccess } from './access';
import { CampaignLoaders, CampaignService } from './campaign.service';
import {
  casesFixture,
  CHIEF,
  COUNTY,
  IDS,
  OTHER_CHIEF,
  report,
  RESIDENT,
  STAFF,
  type CasesFixture,
} from './spec-helpers';

const errorOf = async (p: Promise<unknown>): Promise<Record<string, unknown> | string> => {
  try {
    await p;
    return 'OK';
  } catch (error) {
    return (error as { extensions?: Record<string, unknown> }).extensions ?? String(error);
  }
};

describe('CampaignService on the embedded database (SQLite)', () => {
  let f: CasesFixture;
  let campaigns: CampaignService;
  beforeAll(async () => {
    f = await casesFixture();
    campaigns = new CampaignService(
      f.ds,
      new Outbox(CASES_EVENTS),
      new CasesAccess('caichang'),
      () => f.clock.now,
    );
  });
  afterAll(async () => f?.close());

  // The fixture's clock: 2026-11-30 10:00 China time.
  const hundredDays = {
    name: '消防安全百日攻坚',
    scopeKind: 'COMMUNITY' as const,
    scopeId: IDS.community,
    startsOn: '2026-11-30',
    endsOn: '2027-03-09',
    targets: [
      { name: 'HOUSEHOLDS_VISITED' as const, goal: 1800 },
      { name: 'HAZARDS_FOUND' as const, goal: 2 },
      { name: 'HAZARDS_RECTIFIED' as const, goal: 2 },
      { name: 'EXTINGUISHERS_INSTALLED' as const, goal: 800 },
    ],
  };

  it('creates a campaign for staff only, every input checked against the read models', async () => {
    expect(await errorOf(campaigns.create(CHIEF, hundredDays))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await errorOf(campaigns.create(null, hundredDays))).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(
      await errorOf(campaigns.create(STAFF, { ...hundredDays, scopeId: IDS.grid, scopeKind: 'STREET' })),
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.scopeId' });
    expect(await errorOf(campaigns.create(STAFF, { ...hundredDays, endsOn: '2026-11-01' }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.endsOn',
    });
    expect(await errorOf(campaigns.create(STAFF, { ...hundredDays, endsOn: '2028-01-01' }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.endsOn',
    });
    // Given as the Date-typed lastDay (issue 15 §4), the refusal names that field.
    expect(
      await errorOf(
        campaigns.create(STAFF, { ...hundredDays, endsOn: '2028-01-01', lastDayField: 'input.lastDay' }),
      ),
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.lastDay' });
    expect(
      await errorOf(
        campaigns.create(STAFF, {
          ...hundredDays,
          targets: [...hundredDays.targets, { name: 'HAZARDS_FOUND', goal: 1 }],
        }),
      ),
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.targets' });
    expect(await f.ds.getRepository(Campaign).count()).toBe(0);

    const grid = await campaigns.create(STAFF, {
      ...hundredDays,
      scopeKind: 'GRID',
      scopeId: IDS.grid,
      startsOn: '2026-12-10',
    });
    expect(grid.communityId).toBe(IDS.community);
    expect(campaigns.state(grid)).toBe('PLANNED');
  });

  it('records actions: the target grows in the same transaction; hazards, other grids, planned campaigns refused', async () => {
    const c = await campaigns.create(STAFF, hundredDays);
    expect(campaigns.state(c)).toBe('ACTIVE');
    const visit = {
      campaignId: c.id,
      target: 'HOUSEHOLDS_VISITED' as const,
      quantity: 12,
      streetId: IDS.street,
    };
    await campaigns.record(CHIEF, visit);
    await campaigns.record(STAFF, { ...visit, quantity: 3, courtyardId: IDS.courtyard, note: '入户宣传' });
    const refusals = [
      [RESIDENT, visit, 'FORBIDDEN'],
      [COUNTY, visit, 'FORBIDDEN'],
      [OTHER_CHIEF, visit, 'FORBIDDEN'],
      [CHIEF, { ...visit, streetId: IDS.uncoveredStreet }, 'FORBIDDEN'],
      [STAFF, { ...visit, target: 'HAZARDS_FOUND' as const }, 'BAD_USER_INPUT'],
      [STAFF, { ...visit, target: 'CAMERAS_INSTALLED' as const }, 'BAD_USER_INPUT'],
      [STAFF, { ...visit, day: '2026-12-01' }, 'BAD_USER_INPUT'],
      [STAFF, { ...visit, day: '2026-11-29' }, 'BAD_USER_INPUT'],
      [STAFF, { ...visit, streetId: IDS.courtyard }, 'BAD_USER_INPUT'],
      [STAFF, { ...visit, courtyardId: IDS.otherCourtyard }, 'BAD_USER_INPUT'],
      [STAFF, { ...visit, campaignId: IDS.grid }, 'NOT_FOUND'],
    ] as const;
    for (const [who, input, code] of refusals) {
      expect([who.subject, input, await errorOf(campaigns.record(who, input))]).toMatchObject([
        who.subject,
        input,
        { code },
      ]);
    }
    const planned = await f.ds.getRepository(Campaign).findOneByOrFail({ startsOn: '2026-12-10' });
    expect(
      await errorOf(campaigns.record(STAFF, { ...visit, campaignId: planned.id, streetId: IDS.street })),
    ).toMatchObject({ code: 'CONFLICT', currentState: 'PLANNED' });
    expect(await f.ds.getRepository(CampaignAction).countBy({ campaignId: c.id })).toBe(2);
    const targets = await new CampaignLoaders(f.ds).targets.load(c.id);
    expect(targets.find((t) => t.name === 'HOUSEHOLDS_VISITED')).toEqual({
      name: 'HOUSEHOLDS_VISITED',
      goal: 1800,
      achieved: 15,
    });
  });

  it('counts hazards from the cases (a request is not a hazard), freezes them at the end and writes each event once', async () => {
    const c = await f.ds.getRepository(Campaign).findOneByOrFail({ scopeKind: 'COMMUNITY' });
    const staff = f.request(STAFF);
    const hazard = await f.cases.report(staff, report({ channel: 'PATROL', itemCode: 'FIRE_EXIT_BLOCKED' }));
    await f.cases.report(staff, report({ channel: 'PATROL', itemCode: 'EBIKE_CHARGING' }));
    await f.cases.report(f.request(RESIDENT), report());
    let v = (await f.cases.accept(staff, { id: hazard.id, version: 1 })).version;
    v = (await f.cases.assign(staff, { id: hazard.id, version: v })).version;
    v = (await f.cases.start(staff, { id: hazard.id, version: v, reason: '开始整改' })).version;
    v = (
      await f.cases.resolve(staff, { id: hazard.id, version: v, outcome: 'FIXED', resolution: '已清理通道' })
    ).version;
    await f.cases.confirmRectification(staff, { id: hazard.id, version: v, reason: '复查合格' });

    const live = await new CampaignLoaders(f.ds).targets.load(c.id);
    expect(live.filter((t) => t.name.startsWith('HAZARDS'))).toEqual([
      { name: 'HAZARDS_FOUND', goal: 2, achieved: 2 },
      { name: 'HAZARDS_RECTIFIED', goal: 2, achieved: 1 },
    ]);

    expect(await campaigns.tick(f.clock.now)).toEqual({ started: 1, ended: 0 });
    expect(await campaigns.tick(f.clock.now)).toEqual({ started: 0, ended: 0 });
    const end = new Date('2027-03-09T16:00:00.000Z'); // 2027-03-10 00:00 China time
    // The grid campaign of the first test starts on 2026-12-10.
    expect(await campaigns.tick(new Date(end.getTime() - 1))).toEqual({ started: 1, ended: 0 });
    expect(await campaigns.tick(end)).toEqual({ started: 0, ended: 2 });
    expect(await campaigns.tick(end)).toEqual({ started: 0, ended: 0 });
    const frozen = await f.ds
      .getRepository(CampaignTarget)
      .findOneByOrFail({ campaignId: c.id, target: 'HAZARDS_FOUND' });
    expect(frozen.achieved).toBe(2);

    const events = await f.ds
      .getRepository(OutboxEvent)
      .find({ where: { topic: CampaignsTopic.name, aggregateId: c.id } });
    expect(events.map((e) => e.type).sort()).toEqual([
      'cn.caichang.cases.campaign.ended.v1',
      'cn.caichang.cases.campaign.started.v1',
    ]);
    const ended = events.find((e) => e.type.endsWith('ended.v1'));
    expect(JSON.parse(String(ended?.envelope)).data.targets).toContainEqual({
      name: 'HAZARDS_RECTIFIED',
      goal: 2,
      achieved: 1,
    });
    f.clock.now = end;
    expect(
      await errorOf(
        campaigns.record(STAFF, {
          campaignId: c.id,
          target: 'HOUSEHOLDS_VISITED',
          quantity: 1,
          streetId: IDS.street,
          day: '2027-03-09',
        }),
      ),
    ).toMatchObject({ code: 'CONFLICT', currentState: 'ENDED' });
  });
});
