import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MoreThan, type DataSource } from 'typeorm';
import { createLogger } from '@sc/config';
import { openDatabase } from '@sc/db';
import { CAICHANG, DEMO_CHIEFS } from '@sc/demo';
import { OutboxEvent } from '@sc/events';
import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import { StreetChief } from '../entities/chief.entity';
import { Place } from '../entities/place.entity';
import { SignboardRefresh } from '../entities/signboard-refresh.entity';
import { Signboard } from '../entities/signboard.entity';
import { roster } from '../roster.service';
import { demoGridId, seedCaichang, stableId } from '../seed/caichang';
import { contentOf, loadSnapshot } from './signboard-content';
import { caller, rosterServices, type RosterServices } from './spec-helpers';

const admin = caller(['ADMIN'], 'admin-1');
const staff = caller(['COMMUNITY_STAFF'], 'staff-1');
const officer = caller(['TOWN_OFFICER'], 'officer-1');
const OUT_OF_DATE = 'cn.caichang.roster.signboard.out-of-date.v1';

const streets = CAICHANG.groups.flatMap((g) => g.streets.map(([name]) => name));
const courtyards = CAICHANG.groups.flatMap((g) =>
  g.streets.flatMap(([street, yards]) => yards.map((y) => ({ street, name: y }))),
);

/**
 * Two copies of the roster (two connection pools, each with its own services, as two processes have)
 * on one MariaDB database: writes of different aggregates do not wait for each other or lose an update,
 * and whatever the interleaving, every board ends with the content derived from the final roster,
 * flagged and announced once.
 */
describe('concurrent signboard-changing writes [needs: MariaDB]', () => {
  let db: TestDatabase;
  let dir: string;
  const copies: { ds: DataSource; s: RosterServices }[] = [];
  let ds: DataSource;

  beforeAll(async () => {
    db = await freshMysqlDatabase('roster_board_race');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-board-race-'));
    for (let i = 0; i < 2; i++) {
      const source = await openDatabase({
        url: db.url,
        entities: roster.entities,
        migrations: roster.migrations,
        poolSize: 12,
      });
      copies.push({ ds: source, s: rosterServices(source, dir) });
    }
    ds = (copies[0] as { ds: DataSource }).ds;
    await seedCaichang(
      ds,
      (copies[0] as { s: RosterServices }).s,
      createLogger({ service: 'test', level: 'silent' }),
    );
  }, 60_000);
  afterAll(async () => {
    for (const c of copies) await c.ds.destroy();
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const copy = (i: number) => (copies[i % copies.length] as { s: RosterServices }).s;

  /** Every board as stored, against the content derived now from the roster. */
  async function boardsAgainstRoster() {
    const boards = await ds.getRepository(Signboard).find({ order: { code: 'ASC' } });
    const snapshot = await loadSnapshot(
      ds.manager,
      boards.flatMap((b) => [b.placeId, b.scopePlaceId]),
    );
    return boards.map((b) => ({
      code: b.code,
      stored: b.contentHash,
      derived: contentOf(b, snapshot).hash,
      outOfDate: b.outOfDate,
      differsFromPrint: b.contentHash !== b.printedHash,
    }));
  }

  /** The boards are what the roster says, nothing is left to refresh, and each flag matches print. */
  async function expectConverged() {
    expect(await ds.getRepository(SignboardRefresh).count()).toBe(0);
    for (const b of await boardsAgainstRoster()) {
      expect({ code: b.code, hash: b.stored }).toEqual({ code: b.code, hash: b.derived });
      expect({ code: b.code, outOfDate: b.outOfDate }).toEqual({
        code: b.code,
        outOfDate: b.differsFromPrint,
      });
    }
  }

  const lastSeq = async () =>
    (await ds.getRepository(OutboxEvent).find({ order: { seq: 'DESC' }, take: 1 }))[0]?.seq ?? 0;

  /** signboard.outOfDate events after `seq`, by board code. */
  async function outOfDateEvents(seq: number): Promise<Map<string, number>> {
    const rows = await ds
      .getRepository(OutboxEvent)
      .find({ where: { type: OUT_OF_DATE, seq: MoreThan(seq) } });
    const counts = new Map<string, number>();
    for (const r of rows) {
      const code = (JSON.parse(r.envelope) as { data: { code: string } }).data.code;
      counts.set(code, (counts.get(code) ?? 0) + 1);
    }
    return counts;
  }

  it('renames 21 streets and 72 courtyards at once from two copies: none fails, none is lost, each board is announced once', async () => {
    const before = await lastSeq();
    const renames = [
      ...streets.map((name, i) =>
        copy(i).places.rename(admin, 'STREET', stableId(`street:${name}`), `${name}（新）`),
      ),
      ...courtyards.map((y, i) =>
        copy(i + 1).places.rename(
          admin,
          'COURTYARD',
          stableId(`courtyard:${y.street}:${y.name}`),
          `${y.name}（新）`,
        ),
      ),
    ];
    const results = await Promise.allSettled(renames);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);

    const places = await ds.getRepository(Place).findBy({ kind: 'STREET' });
    expect(places.map((p) => [p.name.endsWith('（新）'), p.version])).toEqual(places.map(() => [true, 2]));
    const yards = await ds.getRepository(Place).findBy({ kind: 'COURTYARD' });
    expect(yards.every((p) => p.name.endsWith('（新）') && p.version === 2)).toBe(true);
    const renamed = await ds
      .getRepository(OutboxEvent)
      .countBy({ type: 'cn.caichang.roster.street.renamed.v1', seq: MoreThan(before) });
    expect(renamed).toBe(21);

    await expectConverged();
    // Every board shows a street (the community's, the groups', the streets' and the extra ones), so
    // all 30 went out of date, and each was announced exactly once although up to 21 renames touched it.
    const boards = await ds.getRepository(Signboard).find();
    expect(boards.filter((b) => b.outOfDate)).toHaveLength(30);
    const announced = await outOfDateEvents(before);
    expect([...announced.values()]).toEqual(boards.map(() => 1));
    expect(new Set(announced.keys())).toEqual(new Set(boards.map((b) => b.code)));
  }, 120_000);

  it('converges on one board written by renames, grid changes, chief transitions and reprints at once, from two copies', async () => {
    // A street leaves grid 1 first; grid 2 takes it during the burst.
    const g1 = DEMO_CHIEFS[0] as (typeof DEMO_CHIEFS)[number];
    const g2 = DEMO_CHIEFS[1] as (typeof DEMO_CHIEFS)[number];
    const moved = g1.streetNames[0] as string;
    await copy(0).grids.setMembers(staff, demoGridId(1), {
      streetIds: g1.streetNames.slice(1).map((n) => stableId(`street:${n}`)),
      courtyardIds: [],
      reason: '调整',
    });
    // Print every board anew, so that the next round starts from boards that are current.
    for (const b of await ds.getRepository(Signboard).find())
      await copy(0).signboards.markReprinted(staff, b.id);
    await expectConverged();
    const before = await lastSeq();

    // All of them alter the community's board (CC-SB-01), most also a group's or a street's board.
    const chief2 = await ds
      .getRepository(StreetChief)
      .findOneByOrFail({ heldGridId: demoGridId(2), status: 'APPOINTED' });
    const community = await ds.getRepository(Signboard).findOneByOrFail({ code: 'CC-SB-01' });
    const work: Promise<unknown>[] = [];
    for (let round = 0; round < 3; round++) {
      for (const [i, name] of streets.entries()) {
        work.push(
          copy(i + round).places.rename(admin, 'STREET', stableId(`street:${name}`), `${name}·${round}`),
        );
      }
    }
    work.push(
      copy(0).grids.setMembers(staff, demoGridId(2), {
        streetIds: [...g2.streetNames, moved].map((n) => stableId(`street:${n}`)),
        courtyardIds: [],
        reason: '调整',
      }),
      copy(1).chiefs.suspend(officer, chief2.id, '停职检查'),
      copy(0).signboards.markReprinted(staff, community.id),
      copy(1).signboards.markReprinted(staff, community.id),
    );
    const results = await Promise.allSettled(work);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    // The three rounds of one street serialize on the street (its lock): the last one committed wins,
    // and none is lost (version 2 after the first test, then + 3).
    const places = await ds.getRepository(Place).findBy({ kind: 'STREET' });
    expect(places.map((p) => p.version)).toEqual(places.map(() => 5));

    await expectConverged();
    const snapshot = await loadSnapshot(ds.manager, [community.placeId, community.scopePlaceId]);
    const shown = contentOf(community, snapshot);
    expect(shown.entries.find((e) => e.gridId === demoGridId(2))?.chief).toBeNull();
    expect(shown.entries.find((e) => e.gridId === demoGridId(2))?.streets).toContain(
      places.find((p) => p.id === stableId(`street:${moved}`))?.name,
    );
    // A board that is out of date now was announced once at least and, between two reprints, once.
    const announced = await outOfDateEvents(before);
    for (const b of await ds.getRepository(Signboard).find()) {
      if (b.code === 'CC-SB-01') expect(announced.get(b.code) ?? 0).toBeLessThanOrEqual(3);
      else
        expect({ code: b.code, events: announced.get(b.code) ?? 0 }).toEqual({
          code: b.code,
          events: b.outOfDate ? 1 : 0,
        });
    }
  }, 120_000);
});
