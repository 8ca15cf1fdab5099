import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { OutboxEvent } from '@sc/events';
import { DEMO_CHIEFS } from '@sc/demo';
import { StreetChief } from '../entities/chief.entity';
import { GridChange, GridMember } from '../entities/grid.entity';
import { Signboard } from '../entities/signboard.entity';
import { RosterRepository } from '../repositories/roster.repository';
import { demoGridId, stableId } from '../seed/caichang';
import { contentOf, loadSnapshot } from './signboard-content';
import { caller, ROSTER_DATABASES, type RosterServices } from './spec-helpers';

const staff = caller(['COMMUNITY_STAFF'], 'staff-1');
const officer = caller(['TOWN_OFFICER'], 'officer-1');
const street = (name: string) => stableId(`street:${name}`);

describe.each(ROSTER_DATABASES)('grids and signboards on %s', (_database, seeded) => {
  let ds: DataSource;
  let s: RosterServices;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ ds, services: s, close } = await seeded());
  });
  afterAll(async () => close?.());

  const outOfDate = async () =>
    (await ds.getRepository(Signboard).find({ where: { outOfDate: true }, order: { code: 'ASC' } })).map(
      (b) => b.code,
    );
  const events = (type: string) =>
    ds.getRepository(OutboxEvent).find({ where: { type }, order: { seq: 'ASC' } });

  it('seeds 10 appointed chiefs in 10 grids covering all 21 streets, and 30 boards that are up to date', async () => {
    expect(DEMO_CHIEFS.flatMap((c) => c.streetNames)).toHaveLength(21);
    expect(await ds.getRepository(StreetChief).countBy({ status: 'APPOINTED' })).toBe(10);
    expect(await ds.getRepository(GridMember).countBy({ kind: 'STREET' })).toBe(21);
    expect(await new RosterRepository(ds).countUncoveredStreets()).toBe(0);
    expect(await ds.getRepository(Signboard).count()).toBe(30);
    expect(await outOfDate()).toEqual([]);
    expect(await events('cn.caichang.roster.grid.changed.v1')).toHaveLength(10);
  });

  it('shows on a street board its grid, streets and the chief with name, phone and badge', async () => {
    const board = await ds.getRepository(Signboard).findOneByOrFail({ code: 'CC-SB-05' });
    const content = contentOf(board, await loadSnapshot(ds.manager, [board.placeId, board.scopePlaceId]));
    expect(content.scopeName).toBe('正街');
    expect(content.entries).toEqual([
      {
        gridId: demoGridId(1),
        gridName: '正街网格',
        streets: ['正街', '新街'],
        courtyards: [],
        streetIds: [street('正街'), street('新街')],
        courtyardIds: [],
        chief: { id: stableId('chief:1'), name: '张德明', phone: DEMO_CHIEFS[0]!.phone, badge: 'CC-001' },
      },
    ]);
    // The hash is over what the board prints: the ids (issue 15 §4) leave the hashes of boards
    // printed before them unchanged.
    const printed = {
      code: content.code,
      location: content.location,
      placeName: content.placeName,
      scopeName: content.scopeName,
      entries: content.entries.map((e) => ({
        gridId: e.gridId,
        gridName: e.gridName,
        streets: e.streets,
        courtyards: e.courtyards,
        chief: e.chief,
      })),
    };
    expect(content.hash).toBe(createHash('sha256').update(JSON.stringify(printed)).digest('hex'));
  });

  it('refuses a place that is already in another grid, and unknown or retired places', async () => {
    await expect(
      s.grids.setMembers(staff, demoGridId(2), {
        streetIds: [street('正街')],
        courtyardIds: [],
        reason: 'x',
      }),
    ).rejects.toMatchObject({ extensions: { code: 'CONFLICT', field: 'input.streetIds' } });
    await expect(
      s.grids.setMembers(staff, demoGridId(2), { streetIds: ['nope'], courtyardIds: [], reason: 'x' }),
    ).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'input.streetIds' } });
    await expect(
      s.grids.create(caller(['STREET_CHIEF']), {
        name: 'x',
        streetIds: [],
        courtyardIds: [],
        reason: 'x',
      }),
    ).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
  });

  it('a grid change marks exactly the boards whose content changed out of date, once, with events', async () => {
    const before = (await events('cn.caichang.roster.signboard.out-of-date.v1')).length;
    // 新街 leaves 正街网格: the community, group 1 and the 正街/新街 boards change, nothing else.
    await s.grids.setMembers(staff, demoGridId(1), {
      streetIds: [street('正街')],
      courtyardIds: [],
      reason: '调整',
    });
    const flagged = ['CC-SB-01', 'CC-SB-02', 'CC-SB-05', 'CC-SB-06', 'CC-SB-28', 'CC-SB-30'];
    expect(await outOfDate()).toEqual(flagged);
    const sent = (await events('cn.caichang.roster.signboard.out-of-date.v1')).slice(before);
    expect(sent.map((e) => JSON.parse(e.envelope).data.code).sort()).toEqual(flagged);
    expect(await new RosterRepository(ds).uncoveredStreetIds(50, null)).toEqual([street('新街')]);

    // The history keeps both memberships; the event carries the full membership after the change.
    const history = await ds
      .getRepository(GridChange)
      .find({ where: { gridId: demoGridId(1) }, order: { version: 'ASC' } });
    expect(history.map((h) => JSON.parse(h.streetIds))).toEqual([
      [street('正街'), street('新街')],
      [street('正街')],
    ]);
    const changed = (await events('cn.caichang.roster.grid.changed.v1')).at(-1)!;
    expect(JSON.parse(changed.envelope).data).toEqual({
      id: demoGridId(1),
      name: '正街网格',
      streetIds: [street('正街')],
      courtyardIds: [],
      actor: 'staff-1',
    });

    // A second change to an out-of-date board does not announce it again.
    await s.grids.setMembers(staff, demoGridId(1), {
      streetIds: [street('正街')],
      courtyardIds: [stableId('courtyard:新街:新街东院')],
      reason: '再调整',
    });
    expect((await events('cn.caichang.roster.signboard.out-of-date.v1')).length - before).toBe(6);
  });

  it('reprinting records the new version and clears the flag', async () => {
    const board = await s.signboards.markReprinted(staff, stableId('signboard:CC-SB-06'));
    expect([board.printedVersion, board.outOfDate]).toEqual([2, false]);
    const reprinted = await events('cn.caichang.roster.signboard.reprinted.v1');
    expect(JSON.parse(reprinted.at(-1)!.envelope).data).toMatchObject({
      code: 'CC-SB-06',
      printedVersion: 2,
    });
    await expect(s.signboards.markReprinted(caller(['RESIDENT']), board.id)).rejects.toMatchObject({
      extensions: { code: 'FORBIDDEN' },
    });
  });

  it('suspending a chief outdates the boards showing them; the streets become uncovered', async () => {
    for (const b of await ds.getRepository(Signboard).findBy({ outOfDate: true }))
      await s.signboards.markReprinted(staff, b.id);
    await s.grids.setMembers(staff, demoGridId(1), {
      streetIds: [street('正街'), street('新街')],
      courtyardIds: [],
      reason: '恢复',
    });
    for (const b of await ds.getRepository(Signboard).findBy({ outOfDate: true }))
      await s.signboards.markReprinted(staff, b.id);
    await s.chiefs.suspend(officer, stableId('chief:10'), '病假');
    // 学堂网格 (蔡场路, 学堂街): the community and group 3 boards, both street boards, and the
    // market and school (group 3) and bus station (community) boards.
    expect(await outOfDate()).toEqual([
      'CC-SB-01',
      'CC-SB-04',
      'CC-SB-24',
      'CC-SB-25',
      'CC-SB-26',
      'CC-SB-27',
      'CC-SB-28',
    ]);
    expect(await new RosterRepository(ds).uncoveredStreetIds(50, null)).toEqual([
      street('蔡场路'),
      street('学堂街'),
    ]);
    await s.chiefs.resume(officer, stableId('chief:10'), '销假');
    expect(await new RosterRepository(ds).countUncoveredStreets()).toBe(0);
  });

  it('renaming a street outdates the boards that print its name', async () => {
    for (const b of await ds.getRepository(Signboard).findBy({ outOfDate: true }))
      await s.signboards.markReprinted(staff, b.id);
    await s.places.rename(caller(['ADMIN']), 'STREET', street('桂花巷'), '桂花街');
    // 花园网格 (花园街, 桂花巷): community, group 3, both street boards, market, school, bus station.
    expect(await outOfDate()).toEqual([
      'CC-SB-01',
      'CC-SB-04',
      'CC-SB-20',
      'CC-SB-21',
      'CC-SB-26',
      'CC-SB-27',
      'CC-SB-28',
    ]);
  });
});
