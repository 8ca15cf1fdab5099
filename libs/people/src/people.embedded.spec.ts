import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateDevSigningKey, StaticKeyResolver } from '@sc/auth';
import { createLogger } from '@sc/config';
import { demoGridId, stableId } from '@sc/demo';
import { BetterSqlite3QueryRunner } from 'typeorm/driver/better-sqlite3/BetterSqlite3QueryRunner';
import { type CloudEvent, InProcessBus, OutboxEvent, storedEnvelope } from '@sc/events';
import { PeopleEvents, PeopleSnapshotEvents, ResidentsImported } from '@sc/people-contracts';
import { errorCodes, gqlRequest, tokenMinter } from '@sc/testing';
import { makeTestIdNumber } from './domain/id-card';
import { GridPlace, GridsTopic, PlacesTopic, RosterEvents } from '@sc/roster-contracts';
import { Not } from 'typeorm';
import { openDatabase } from '@sc/db';
import {
  applyVoterEvent,
  PeopleHouse,
  PeopleSnapshotMark,
  PeopleVoter,
  ResidentsTopic,
  SnapshotsTopic,
  VOTERS_ENTITIES,
  VOTERS_READ_MODEL,
} from '@sc/people-contracts';
import { AccessLogEntry, Household, HouseholdMember, RealUnit, Resident, StandardAddress } from './entities';
import { people as peopleService, type RunningPeople } from './people.service';
import { DEMO_EVENT_HOUSEHOLDS, DEMO_EVENT_RESIDENTS } from './seed/demo';
import { SNAPSHOT_PART_SIZE } from './services/snapshot.service';
import { checkPlaceCounts, knownDemoPlaces } from './spec-helpers';

const STREET = stableId('street:正街');
const RESIDENT_1 = stableId('resident:1');
const NEWCOMER_ID = makeTestIdNumber('511823', '1992-03-15', 10, 'FEMALE');
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const UNKNOWN_UUID = '5e0c7a11-0000-4000-8000-0000000dead0';

describe('people subgraph in embedded mode [starts: people subgraph on SQLite with the demo population, in-process bus]', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-people-'));
  const bus = new InProcessBus();
  const tokens = tokenMinter(dir);
  let people: RunningPeople;
  let url: string;
  let seedMs = 0;

  beforeAll(async () => {
    const env = {
      NODE_ENV: 'test',
      DATA_DIR: dir,
      PEOPLE_HOST: '127.0.0.1',
      PEOPLE_PORT: '0',
      PEOPLE_DATABASE_URL: `sqlite:${dir}/people.sqlite`,
      PEOPLE_SEED_DEMO: 'true',
    };
    const started = Date.now();
    people = await peopleService.start({
      env: env,
      logger: createLogger({ service: 'test', level: 'silent' }),
      bus,
      keyResolver: new StaticKeyResolver([loadOrCreateDevSigningKey(dir)]),
    });
    seedMs = Date.now() - started;
    url = `${people.url}/graphql`;
    // No roster here: its seed would announce these places (see the places read-model case below).
    await knownDemoPlaces(people.dataSource);
  }, 60_000);
  afterAll(async () => {
    await people?.close();
    await bus.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const staff = () =>
    tokens.mint(['COMMUNITY_STAFF'], { scopes: ['community:caichang'], subject: 'staff-1' });

  // How long the seed takes is measured by `npm run bench:embedded`, not asserted here (timings vary 1.5×).
  it('loads 11,000 residents and 2,400 households, announced as residents.imported, households.imported and a snapshot (no moved-in, nothing personal)', async () => {
    process.stderr.write(`people embedded start with the demo seed: ${seedMs} ms\n`);
    expect(await people.dataSource.getRepository(Resident).count()).toBe(11_000);
    const all = await people.dataSource
      .getRepository(OutboxEvent)
      .find({ where: { topic: Not(SnapshotsTopic.name) }, order: { seq: 'ASC' } });
    expect(
      await people.dataSource.getRepository(OutboxEvent).countBy({ topic: SnapshotsTopic.name }),
    ).toBeGreaterThan(0);
    expect(new Set(all.map((e) => e.type))).toEqual(
      new Set([ResidentsImported.type, PeopleEvents.householdsImported.type]),
    );
    // The households: every one of the 2,400 once, as household.created would carry it (no actor, no door).
    const householdEvents = all.filter((e) => e.type === PeopleEvents.householdsImported.type);
    expect(householdEvents).toHaveLength(2_400 / DEMO_EVENT_HOUSEHOLDS);
    const loaded = householdEvents.flatMap(
      (e) =>
        PeopleEvents.householdsImported.parse(JSON.parse(storedEnvelope(e.envelope)) as CloudEvent<unknown>)
          .data.households,
    );
    const stored = await people.dataSource.getRepository(Household).find();
    expect(new Set(loaded.map((h) => h.id))).toEqual(new Set(stored.map((h) => h.id)));
    const firstStored = stored.find((h) => h.id === loaded[0]?.id);
    expect(loaded[0]).toEqual({
      id: firstStored?.id,
      addressId: firstStored?.addressId,
      streetId: firstStored?.streetId,
      courtyardId: firstStored?.courtyardId,
      headResidentId: firstStored?.headResidentId,
      housing: firstStored?.housing,
      entryDate: firstStored?.entryDate,
    });
    const events = all.filter((e) => e.type === ResidentsImported.type);
    expect(events).toHaveLength(11_000 / DEMO_EVENT_RESIDENTS);
    const announced = events.flatMap(
      (e) =>
        ResidentsImported.parse(JSON.parse(storedEnvelope(e.envelope)) as CloudEvent<unknown>).data.residents,
    );
    expect(new Set(announced.map((r) => r.id)).size).toBe(11_000);
    expect(announced[0]).toMatchObject({ id: RESIDENT_1, change: 'CREATED', version: 1 });
    // Ids, category, county of origin, places and a date: no name, ID number, phone or door.
    expect(Object.keys(announced[0] ?? {}).sort()).toEqual([
      'addressId',
      'category',
      'change',
      'courtyardId',
      'id',
      'movedInAt',
      'origin',
      'streetId',
      'version',
    ]);
    const res = await gqlRequest<{ residents: { totalCount: number }; households: { totalCount: number } }>(
      url,
      '{ residents(first: 1) { totalCount } households(first: 1) { totalCount } }',
      {},
      staff(),
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ residents: { totalCount: 11_000 }, households: { totalCount: 2_400 } });
  });

  it('announces the demo as a snapshot that bootstraps a voters read model from scratch, without personal data', async () => {
    // Everything the seed announced on the voters model's topics, in outbox order: the residents as
    // residents.imported (no household) first, then the snapshot at the same versions, which must
    // still fill in households and relationships.
    const rows = await people.dataSource.getRepository(OutboxEvent).find({
      where: VOTERS_READ_MODEL.topics.map((t) => ({ topic: t.name })),
      order: { seq: 'ASC' },
    });
    expect(new Set(rows.map((r) => r.topic))).toEqual(new Set([ResidentsTopic.name, SnapshotsTopic.name]));
    const envelopes = rows.map((e) => storedEnvelope(e.envelope));
    const resident = await people.dataSource.getRepository(Resident).findOneByOrFail({ id: RESIDENT_1 });
    const all = envelopes.join('\n');
    expect(all).not.toContain(resident.name);
    expect(all).not.toContain(resident.idNumberMasked.slice(0, 4) + '**');
    const consumer = await openDatabase({
      url: `sqlite:${dir}/voters.sqlite`,
      entities: VOTERS_ENTITIES,
      migrations: [],
    });
    try {
      for (const e of envelopes) {
        await consumer.transaction((m) => applyVoterEvent(JSON.parse(e), m));
      }
      expect(await consumer.getRepository(PeopleVoter).count()).toBe(11_000);
      expect(await consumer.getRepository(PeopleHouse).count()).toBe(
        await people.dataSource
          .query('SELECT COUNT(*) AS n FROM house')
          .then((r: { n: number }[]) => Number(r[0]?.n)),
      );
      const mark = await consumer.getRepository(PeopleSnapshotMark).find();
      expect(mark).toHaveLength(1);
      expect(mark[0]).toMatchObject({ residents: 11_000 });
      const voter = await consumer.getRepository(PeopleVoter).findOneByOrFail({ id: RESIDENT_1 });
      expect(voter).toMatchObject({
        status: 'ACTIVE',
        birthYear: resident.birthYear,
        householdId: resident.householdId,
        streetId: resident.streetId,
        version: resident.version,
      });
      const heads = await consumer.getRepository(PeopleVoter).countBy({ relationship: 'HEAD' });
      expect(heads).toBe(2_400);
      const owned = await consumer
        .getRepository(PeopleHouse)
        .findOneByOrFail({ ownerResidentId: RESIDENT_1 });
      expect(owned.floorArea).toBeGreaterThan(0);
      // A snapshot item older than what the model holds changes nothing.
      await consumer
        .getRepository(PeopleVoter)
        .update({ id: RESIDENT_1 }, { version: 99, status: 'MOVED_OUT' });
      const firstSnapshotPart = rows.findIndex((r) => r.topic === SnapshotsTopic.name);
      await consumer.transaction((m) => applyVoterEvent(JSON.parse(envelopes[firstSnapshotPart] ?? '{}'), m));
      expect(await consumer.getRepository(PeopleVoter).findOneByOrFail({ id: RESIDENT_1 })).toMatchObject({
        status: 'MOVED_OUT',
      });
    } finally {
      await consumer.destroy();
    }
  });

  it('writes each snapshot part of residents as v1 and, beside it, v2 with category and 户籍地, then every household', async () => {
    const rows = await people.dataSource
      .getRepository(OutboxEvent)
      .find({ where: { topic: SnapshotsTopic.name }, order: { seq: 'ASC' } });
    const parsed = rows.map((r) => JSON.parse(storedEnvelope(r.envelope)) as CloudEvent<unknown>);
    const v1 = parsed.filter((e) => PeopleSnapshotEvents.residents.matches(e));
    const v2 = parsed.filter((e) => PeopleSnapshotEvents.residentsV2.matches(e));
    expect(v1.length).toBe(Math.ceil(11_000 / SNAPSHOT_PART_SIZE));
    expect(v2.length).toBe(v1.length);
    const v1Items = v1.flatMap((e) => PeopleSnapshotEvents.residents.parse(e).data.residents);
    const v2Items = v2.flatMap((e) => PeopleSnapshotEvents.residentsV2.parse(e).data.residents);
    // The same residents at the same versions; v1 items unchanged (no field v2 added).
    expect(v2Items.map(({ category: _c, origin: _o, ...rest }) => rest)).toEqual(v1Items);
    expect(Object.keys(v1Items[0] ?? {})).not.toContain('category');
    const resident = await people.dataSource.getRepository(Resident).findOneByOrFail({ id: RESIDENT_1 });
    expect(v2Items.find((r) => r.id === RESIDENT_1)).toMatchObject({
      category: resident.category,
      origin: resident.origin,
    });
    const byCategory = await people.dataSource
      .getRepository(Resident)
      .countBy({ category: 'MIGRANT_LONG_TERM' });
    expect(v2Items.filter((r) => r.category === 'MIGRANT_LONG_TERM')).toHaveLength(byCategory);
    const households = parsed
      .filter((e) => PeopleSnapshotEvents.households.matches(e))
      .flatMap((e) => PeopleSnapshotEvents.households.parse(e).data.households);
    expect(households).toHaveLength(2_400);
    expect(new Set(households.map((h) => h.status))).toEqual(new Set(['ACTIVE']));
    const completed = parsed.filter((e) => PeopleSnapshotEvents.completed.matches(e));
    expect(completed.map((e) => PeopleSnapshotEvents.completed.parse(e).data)).toEqual([
      expect.objectContaining({ residents: 11_000, households: 2_400, parts: parsed.length - 1 }),
    ]);
  });

  it('masks by default and shows whole values only through `sensitive`, logging each view', async () => {
    const res = await gqlRequest<{
      resident: { idNumberMasked: string; phoneMasked: string | null; sensitive: { idNumber: string } };
    }>(
      url,
      'query ViewResident($id: ID!) { resident(id: $id) { idNumberMasked phoneMasked sensitive(purpose: "核实身份") { idNumber } } }',
      { id: RESIDENT_1 },
      staff(),
    );
    expect(res.errors).toBeUndefined();
    const r = res.data!.resident;
    expect(r.idNumberMasked).toMatch(/^\d{4}\*{10}[\dX]{4}$/);
    expect(r.sensitive.idNumber).toMatch(/^\d{17}[\dX]$/);
    expect(r.sensitive.idNumber.slice(-4)).toBe(r.idNumberMasked.slice(-4));
    const log = await people.dataSource.getRepository(AccessLogEntry).findBy({ residentId: RESIDENT_1 });
    expect(log).toEqual([
      expect.objectContaining({
        actor: 'staff-1',
        fields: 'ID_NUMBER',
        operation: 'ViewResident',
        purpose: '核实身份',
      }),
    ]);
  });

  it('shows only the birth year by default: the whole date (which with the mask would give the number away) is a logged whole view', async () => {
    const res = await gqlRequest<{
      resident: { birthYear: number; sensitive: { birthDate: string; idNumber: string } };
    }>(
      url,
      'query Birth($id: ID!) { resident(id: $id) { birthYear sensitive(purpose: "核对年龄") { birthDate idNumber } } }',
      { id: RESIDENT_1 },
      staff(),
    );
    expect(res.errors).toBeUndefined();
    const r = res.data!.resident;
    expect(r.sensitive.birthDate).toBe(
      `${r.sensitive.idNumber.slice(6, 10)}-${r.sensitive.idNumber.slice(10, 12)}-${r.sensitive.idNumber.slice(12, 14)}`,
    );
    expect(r.birthYear).toBe(Number(r.sensitive.birthDate.slice(0, 4)));
    const log = await people.dataSource
      .getRepository(AccessLogEntry)
      .findBy({ residentId: RESIDENT_1, operation: 'Birth' });
    expect(log.map((e) => e.fields.split(',').sort())).toEqual([['BIRTH_DATE', 'ID_NUMBER']]);
    const noBirthDate = await gqlRequest(url, '{ __type(name: "Resident") { fields { name } } }');
    expect(JSON.stringify(noBirthDate)).not.toContain('"birthDate"');
  });

  it('resolves a page of 50 residents with households, heads, members, addresses and moves in a few batched statements', async () => {
    const spy = jest.spyOn(BetterSqlite3QueryRunner.prototype, 'query');
    try {
      const res = await gqlRequest<{ residents: { nodes: { household: { members: unknown[] } }[] } }>(
        url,
        `{ residents(first: 50) { nodes { name address { doorMasked house { usage } } moves { nodes { kind } }
            household { head { name } memberCount members { relationship resident { name } } } } } }`,
        {},
        staff(),
      );
      expect(res.errors).toBeUndefined();
      expect(res.data?.residents.nodes).toHaveLength(50);
      // page, addresses, houses, households, members, member residents, heads, moves (ranked ids, rows):
      // one statement each, not one per resident.
      const selects = spy.mock.calls.filter(([sql]) => /^\s*SELECT/i.test(String(sql)));
      expect(selects.length).toBeLessThanOrEqual(10);
    } finally {
      spy.mockRestore();
    }
  });

  it('finds a resident by whole ID number through the blind index', async () => {
    const whole = await gqlRequest<{ resident: { sensitive: { idNumber: string } } }>(
      url,
      '{ resident(id: "' + RESIDENT_1 + '") { sensitive(purpose: "查询") { idNumber } } }',
      {},
      staff(),
    );
    const idNumber = whole.data!.resident.sensitive.idNumber;
    const found = await gqlRequest<{ residents: { totalCount: number; nodes: { id: string }[] } }>(
      url,
      'query($f: ResidentFilter) { residents(filter: $f) { totalCount nodes { id } } }',
      { f: { idNumber } },
      staff(),
    );
    expect(found.data?.residents).toEqual({ totalCount: 1, nodes: [{ id: RESIDENT_1 }] });
  });

  it('refuses a malformed ID number with BAD_USER_INPUT naming the field, without echoing it', async () => {
    const res = await gqlRequest(
      url,
      'query($f: ResidentFilter) { residents(filter: $f) { totalCount } }',
      { f: { idNumber: '510129199001011235' } },
      staff(),
    );
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors?.[0]?.extensions?.['field']).toBe('filter.idNumber');
    expect(JSON.stringify(res)).not.toContain('510129199001011235');
  });

  it('limits a chief to the grid fed by roster events, and refuses whole values outside it', async () => {
    const grid = demoGridId(1);
    await bus.publish([
      {
        topic: GridsTopic.name,
        key: grid,
        value: JSON.stringify({
          specversion: '1.0',
          id: 'e6b1a0a4-0000-4000-8000-000000000001',
          source: '/caichang/roster',
          type: 'cn.caichang.roster.grid.changed.v1',
          subject: grid,
          time: new Date().toISOString(),
          datacontenttype: 'application/json',
          data: { id: grid, name: '正街网格', streetIds: [STREET], courtyardIds: [], actor: 'admin' },
        }),
        headers: {},
      },
    ]);
    await bus.idle();
    expect(await people.dataSource.getRepository(GridPlace).countBy({ gridId: grid })).toBe(1);
    const chief = tokens.mint(['STREET_CHIEF'], { scopes: [`grid:${grid}`], subject: 'chief-1' });
    const inGrid = await people.dataSource
      .getRepository(Resident)
      .countBy({ streetId: STREET, status: 'ACTIVE' });
    const list = await gqlRequest<{ residents: { totalCount: number; nodes: { id: string }[] } }>(
      url,
      '{ residents(first: 5) { totalCount nodes { id sensitive(purpose: "走访") { phone } } } }',
      {},
      chief,
    );
    expect(list.errors).toBeUndefined();
    expect(list.data?.residents.totalCount).toBe(inGrid);
    const outside = await people.dataSource
      .getRepository(Resident)
      .createQueryBuilder('r')
      .where('r.street_id <> :s', { s: STREET })
      .getOneOrFail();
    const denied = await gqlRequest<{ resident: unknown }>(
      url,
      `{ resident(id: "${outside.id}") { id } }`,
      {},
      chief,
    );
    expect(denied.data?.resident).toBeNull();
  });

  it('gives COUNTY_VIEWER statistics but no resident', async () => {
    const county = tokens.mint(['COUNTY_VIEWER']);
    const stats = await gqlRequest<{
      populationStats: { residents: number; households: number; migrants: number; byStreet: unknown[] };
    }>(
      url,
      '{ populationStats { residents households migrants byStreet { street { id } residents } } }',
      {},
      county,
    );
    expect(stats.errors).toBeUndefined();
    expect(stats.data?.populationStats).toMatchObject({ residents: 11_000, households: 2_400 });
    expect(stats.data?.populationStats.byStreet).toHaveLength(21);
    const yard = await gqlRequest<{
      populationStats: { residents: number; byCourtyard: { courtyard: { id: string }; residents: number }[] };
    }>(
      url,
      'query($s: StatsScope) { populationStats(scope: $s) { residents byCourtyard { courtyard { id } residents } } }',
      { s: { streetId: STREET } },
      county,
    );
    expect(yard.errors).toBeUndefined();
    expect(yard.data?.populationStats.byCourtyard).toHaveLength(4);
    expect(yard.data?.populationStats.byCourtyard.reduce((sum, c) => sum + c.residents, 0)).toBe(
      yard.data?.populationStats.residents,
    );
    expect(errorCodes(await gqlRequest(url, '{ residents { totalCount } }', {}, county))).toEqual([
      'FORBIDDEN',
    ]);
    const one = await gqlRequest<{ resident: unknown }>(
      url,
      `{ resident(id: "${RESIDENT_1}") { id } }`,
      {},
      county,
    );
    expect(one.data?.resident).toBeNull();
  });

  it('counts residents, households and units on Street and Grid in one statement per type (issue 15 §4)', async () => {
    await checkPlaceCounts(url, people.dataSource, {
      reader: tokens.mint(['STREET_CHIEF'], { scopes: [`grid:${demoGridId(1)}`] }),
      resident: tokens.mint(['RESIDENT'], { scopes: [`resident:${RESIDENT_1}`] }),
    });
  });

  it('moves a resident in and out with events, and never holds a resident twice in a household', async () => {
    const moveIn = await gqlRequest<{
      moveIn: { id: string; household: { id: string; memberCount: number } };
    }>(
      url,
      `mutation($i: MoveInInput!) { moveIn(input: $i) { id household { id memberCount } } }`,
      {
        i: {
          idNumber: NEWCOMER_ID,
          name: '新住户',
          phone: '13900001111',
          origin: '汉源县',
          category: 'MIGRANT_LONG_TERM',
          address: { streetId: STREET, building: '9', unit: '1', door: '101' },
          newHousehold: { housing: 'RENTED' },
        },
      },
      staff(),
    );
    expect(moveIn.errors).toBeUndefined();
    const { id, household } = moveIn.data!.moveIn;
    expect(household.memberCount).toBe(1);
    const again = await gqlRequest(
      url,
      'mutation($i: ChangeHouseholdInput!) { changeHousehold(input: $i) { id } }',
      { i: { residentId: id, householdId: household.id, relationship: 'SPOUSE' } },
      staff(),
    );
    expect(errorCodes(again)).toEqual(['CONFLICT']);
    expect(await people.dataSource.getRepository(HouseholdMember).countBy({ residentId: id })).toBe(1);
    const needs = await gqlRequest<{ reportNeeds: { needs: string[]; languages: string[] } }>(
      url,
      'mutation($i: ReportNeedsInput!) { reportNeeds(input: $i) { needs languages } }',
      { i: { residentId: id, needs: ['WORK', 'SCHOOLING', 'WORK'], languages: ['四川话', '彝语'] } },
      staff(),
    );
    expect(needs.data?.reportNeeds).toEqual({ needs: ['WORK', 'SCHOOLING'], languages: ['四川话', '彝语'] });
    const out = await gqlRequest<{ moveOut: { status: string; household: unknown } }>(
      url,
      'mutation($i: MoveOutInput!) { moveOut(input: $i) { status household { id } } }',
      { i: { residentId: id, destination: '成都市' } },
      staff(),
    );
    expect(out.data?.moveOut).toEqual({ status: 'MOVED_OUT', household: null });
    const types = (
      await people.dataSource
        .getRepository(OutboxEvent)
        .find({ where: { topic: Not(SnapshotsTopic.name) }, order: { seq: 'ASC' } })
    )
      .map((e) => e.type)
      // The seed's announcements (the first test checks them): what follows is this test's own.
      .filter((t) => t !== ResidentsImported.type && t !== PeopleEvents.householdsImported.type);
    expect(types).toEqual([
      'cn.caichang.people.household.created.v1',
      'cn.caichang.people.resident.moved-in.v1',
      'cn.caichang.people.resident.moved-out.v1',
    ]);
    const envelopes = (await people.dataSource.getRepository(OutboxEvent).find())
      .map((e) => storedEnvelope(e.envelope))
      .join('\n');
    expect(envelopes).not.toContain(NEWCOMER_ID);

    // Back again: the same record (one person, one record), a move-in that is not a first registration.
    const back = await gqlRequest<{ moveIn: { id: string; status: string } }>(
      url,
      'mutation($i: MoveInInput!) { moveIn(input: $i) { id status } }',
      {
        i: {
          idNumber: NEWCOMER_ID,
          name: '新住户',
          origin: '汉源县',
          category: 'FLOATING',
          address: { streetId: STREET, building: '9', unit: '1', door: '102' },
        },
      },
      staff(),
    );
    expect(back.data?.moveIn).toEqual({ id, status: 'ACTIVE' });
    const last = await people.dataSource.getRepository(OutboxEvent).findOneOrFail({
      where: { aggregateId: id },
      order: { seq: 'DESC' },
    });
    expect(JSON.parse(last.envelope).data).toMatchObject({
      firstRegistration: false,
      category: 'FLOATING',
      birthYear: 1992,
    });
    expect(JSON.parse(last.envelope).data.version).toBeGreaterThan(1);
    expect(envelopes).not.toContain('13900001111');
    expect(envelopes).not.toContain('新住户');
  });

  it('checks every place and resident an input names before writing: BAD_USER_INPUT for a malformed id, NOT_FOUND for an unknown one', async () => {
    const p = people.dataSource;
    const counts = () =>
      Promise.all(
        [Resident, Household, HouseholdMember, StandardAddress, RealUnit, OutboxEvent].map((e) =>
          p.getRepository(e).count(),
        ),
      );
    const before = await counts();
    const COURTYARD_ELSEWHERE = stableId('courtyard:新街:新街东院');
    const address = (a: Record<string, unknown> = {}) => ({
      streetId: STREET,
      building: '7',
      door: '701',
      ...a,
    });
    let n = 0;
    const moveIn = (a: Record<string, unknown>, newHousehold: Record<string, unknown> | null = null) =>
      gqlRequest(
        url,
        'mutation($i: MoveInInput!) { moveIn(input: $i) { id } }',
        {
          i: {
            idNumber: makeTestIdNumber('110101', '1951-02-03', 200 + ++n, 'MALE'),
            name: '来访者',
            origin: '汉源县',
            category: 'FLOATING',
            address: address(a),
            newHousehold,
          },
        },
        staff(),
      );
    const createHousehold = (i: Record<string, unknown>) =>
      gqlRequest(
        url,
        'mutation($i: CreateHouseholdInput!) { createHousehold(input: $i) { id } }',
        { i: { address: address(), headResidentId: RESIDENT_1, housing: 'RENTED', ...i } },
        staff(),
      );
    const registerUnit = (a: Record<string, unknown>) =>
      gqlRequest(
        url,
        'mutation($i: RegisterUnitInput!) { registerUnit(input: $i) { id } }',
        { i: { name: '测试商店', kind: 'MERCHANT', address: address(a) } },
        staff(),
      );
    const refused = (res: Awaited<ReturnType<typeof gqlRequest>>) => [
      errorCodes(res)[0],
      res.errors?.[0]?.extensions?.['field'],
      res.data ?? null,
    ];

    // The examples: malformed ids are the caller's error (the value is never echoed).
    for (const bad of ['not-a-uuid', "' OR 1=1 --", 42]) {
      const res = await moveIn({ streetId: bad });
      expect(refused(res)).toEqual(['BAD_USER_INPUT', 'input.address.streetId', null]);
      expect(JSON.stringify(res)).not.toContain('OR 1=1');
    }
    // Well-formed ids of places the roster never announced: NOT_FOUND naming the field.
    for (const unknown of [ZERO_UUID, UNKNOWN_UUID]) {
      expect(refused(await moveIn({ streetId: unknown }))).toEqual([
        'NOT_FOUND',
        'input.address.streetId',
        null,
      ]);
      expect(refused(await moveIn({ courtyardId: unknown }))).toEqual([
        'NOT_FOUND',
        'input.address.courtyardId',
        null,
      ]);
      expect(refused(await createHousehold({ address: address({ streetId: unknown }) }))).toEqual([
        'NOT_FOUND',
        'input.address.streetId',
        null,
      ]);
      expect(refused(await registerUnit({ streetId: unknown }))).toEqual([
        'NOT_FOUND',
        'input.address.streetId',
        null,
      ]);
      expect(refused(await moveIn({}, { housing: 'RENTED', landlordResidentId: unknown }))).toEqual([
        'NOT_FOUND',
        'input.newHousehold.landlordResidentId',
        null,
      ]);
      expect(refused(await createHousehold({ landlordResidentId: unknown }))).toEqual([
        'NOT_FOUND',
        'input.landlordResidentId',
        null,
      ]);
    }
    expect(refused(await moveIn({}, { housing: 'RENTED', landlordResidentId: 'not-a-uuid' }))).toEqual([
      'BAD_USER_INPUT',
      'input.newHousehold.landlordResidentId',
      null,
    ]);
    // A courtyard of another street is not where this address is.
    expect(refused(await moveIn({ courtyardId: COURTYARD_ELSEWHERE }))).toEqual([
      'BAD_USER_INPUT',
      'input.address.courtyardId',
      null,
    ]);
    expect(await counts()).toEqual(before);
  });

  it('knows the places from the roster’s place events: a new street can be moved into, a retired one no more', async () => {
    const street = '5e0c7a11-0000-4000-8000-000000000001';
    const placeEvent = (type: string, data: Record<string, unknown>, n: number) => ({
      topic: PlacesTopic.name,
      key: street,
      value: JSON.stringify({
        specversion: '1.0',
        id: `5e0c7a11-0000-4000-8000-00000000e00${n}`,
        source: '/caichang/roster',
        type,
        subject: street,
        time: new Date().toISOString(),
        datacontenttype: 'application/json',
        data,
      }),
      headers: {},
    });
    const moveIn = (door: string) =>
      gqlRequest(
        url,
        'mutation($i: MoveInInput!) { moveIn(input: $i) { id } }',
        {
          i: {
            idNumber: makeTestIdNumber('110101', '1952-04-05', 300 + Number(door), 'FEMALE'),
            name: '新街住户',
            origin: '汉源县',
            category: 'FLOATING',
            address: { streetId: street, building: '1', door },
          },
        },
        staff(),
      );
    expect(errorCodes(await moveIn('1'))).toEqual(['NOT_FOUND']);
    await bus.publish([
      placeEvent(
        RosterEvents.streetCreated.type,
        {
          id: street,
          kind: 'STREET',
          name: '测试新街',
          code: null,
          parentId: stableId('group:1'),
          communityId: stableId('community'),
          sortKey: '0001.0001.0099',
          actor: 'admin',
        },
        1,
      ),
    ]);
    await bus.idle();
    const ok = await moveIn('2');
    expect(ok.errors).toBeUndefined();
    await bus.publish([
      placeEvent(
        RosterEvents.streetRetired.type,
        { id: street, kind: 'STREET', reason: '撤并', actor: 'admin' },
        2,
      ),
    ]);
    await bus.idle();
    const res = await moveIn('3');
    expect(errorCodes(res)).toEqual(['NOT_FOUND']);
    expect(res.errors?.[0]?.extensions?.['field']).toBe('input.address.streetId');
  });

  it('lists the 306 demo merchants, records a safety-check visit with its event, and logs a whole contact phone', async () => {
    const list = await gqlRequest<{
      units: {
        totalCount: number;
        nodes: { id: string; contactPhoneMasked: string; address: { house: { usage: string } } }[];
      };
    }>(
      url,
      '{ units(first: 2, filter: { kind: MERCHANT }) { totalCount nodes { id contactPhoneMasked address { house { usage } } } } }',
      {},
      staff(),
    );
    expect(list.errors).toBeUndefined();
    expect(list.data?.units.totalCount).toBe(306);
    const unit = list.data!.units.nodes[0]!;
    expect(unit.contactPhoneMasked).toMatch(/^1\d{2}\*{4}\d{4}$/);
    expect(unit.address.house.usage).toBe('COMMERCIAL');

    const visit = await gqlRequest<{ recordUnitInspection: { result: string; hazards: number } }>(
      url,
      'mutation($i: RecordInspectionInput!) { recordUnitInspection(input: $i) { result hazards } }',
      { i: { unitId: unit.id, result: 'HAZARDS_FOUND', hazards: 2, notes: '灭火器过期' } },
      staff(),
    );
    expect(visit.data?.recordUnitInspection).toEqual({ result: 'HAZARDS_FOUND', hazards: 2 });
    const bad = await gqlRequest(
      url,
      'mutation($i: RecordInspectionInput!) { recordUnitInspection(input: $i) { id } }',
      { i: { unitId: unit.id, result: 'PASSED', hazards: 1 } },
      staff(),
    );
    expect(errorCodes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(bad.errors?.[0]?.extensions?.['field']).toBe('input.hazards');

    const whole = await gqlRequest<{
      unit: { inspections: { nodes: { notes: string }[] }; sensitive: { contactPhone: string } };
    }>(
      url,
      `query UnitContact { unit(id: "${unit.id}") { inspections { nodes { notes } } sensitive(purpose: "安全检查回访") { contactPhone } } }`,
      {},
      staff(),
    );
    expect(whole.errors).toBeUndefined();
    expect(whole.data?.unit.inspections.nodes).toEqual([{ notes: '灭火器过期' }]);
    expect(whole.data?.unit.sensitive.contactPhone).toMatch(/^1\d{10}$/);
    expect(await people.dataSource.getRepository(AccessLogEntry).countBy({ unitId: unit.id })).toBe(1);
    const types = (await people.dataSource.getRepository(OutboxEvent).findBy({ aggregateId: unit.id })).map(
      (e) => e.type,
    );
    expect(types).toEqual(['cn.caichang.people.unit.inspected.v1']);
  });

  it("pages through a unit's visits newest first, and loads the first pages of many units together", async () => {
    const list = await gqlRequest<{ units: { nodes: { id: string }[] } }>(
      url,
      '{ units(first: 3, after: null, filter: { kind: MERCHANT }) { nodes { id } } }',
      {},
      staff(),
    );
    const unitId = list.data!.units.nodes[2]!.id;
    for (const notes of ['第一次', '第二次', '第三次', '第四次', '第五次']) {
      const res = await gqlRequest(
        url,
        'mutation($i: RecordInspectionInput!) { recordUnitInspection(input: $i) { id } }',
        { i: { unitId, result: 'PASSED', hazards: 0, notes } },
        staff(),
      );
      expect(res.errors).toBeUndefined();
    }
    type Page = {
      unit: {
        inspections: {
          totalCount: number;
          nodes: { notes: string }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      };
    };
    const PAGE = `query($id: ID!, $after: String) { unit(id: $id) { inspections(first: 2, after: $after) {
      totalCount nodes { notes } pageInfo { hasNextPage endCursor } } } }`;
    const seen: string[][] = [];
    let after: string | null = null;
    for (let i = 0; i < 4; i++) {
      const res: Awaited<ReturnType<typeof gqlRequest<Page>>> = await gqlRequest<Page>(
        url,
        PAGE,
        { id: unitId, after },
        staff(),
      );
      expect(res.errors).toBeUndefined();
      const page = res.data!.unit.inspections;
      expect(page.totalCount).toBe(5);
      seen.push(page.nodes.map((n) => n.notes));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual([['第五次', '第四次'], ['第三次', '第二次'], ['第一次']]);

    const bad = await gqlRequest(url, PAGE.replace('first: 2', 'first: 101'), { id: unitId }, staff());
    expect(errorCodes(bad)).toEqual(['BAD_USER_INPUT']);
    const badCursor = await gqlRequest(url, PAGE, { id: unitId, after: '!!' }, staff());
    expect(errorCodes(badCursor)).toEqual(['BAD_USER_INPUT']);

    // 50 units with their latest visit and the count: one ranked query and one count, not one per unit.
    const spy = jest.spyOn(BetterSqlite3QueryRunner.prototype, 'query');
    try {
      const many = await gqlRequest<{ units: { nodes: { inspections: { totalCount: number } }[] } }>(
        url,
        '{ units(first: 50) { nodes { inspections(first: 1) { totalCount nodes { notes } } } } }',
        {},
        staff(),
      );
      expect(many.errors).toBeUndefined();
      expect(many.data?.units.nodes).toHaveLength(50);
      const selects = spy.mock.calls.filter(([sql]) => /^\s*SELECT/i.test(String(sql)));
      // the page of units, the ranked visit ids, the visit rows, the counts
      expect(selects.length).toBeLessThanOrEqual(5);
    } finally {
      spy.mockRestore();
    }
  });
});
