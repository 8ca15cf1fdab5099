import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateDevSigningKey, type Role, StaticKeyResolver, TokenIssuer } from '@sc/auth';
import { TaxonomyEvents } from '@sc/cases-contracts';
import { createLogger } from '@sc/config';
import { OutboxEvent } from '@sc/events';
import { freshMysqlDatabase, TEST_KAFKA_BROKERS, TEST_LOG_LEVEL, type TestDatabase } from '@sc/testing';
import { In } from 'typeorm';
import { cases as casesService, type RunningCases } from '../cases.service';
import { CaseItem, CaseItemVersion, CaseRecord, WorkCalendarDay } from '../entities';
import { fillReadModels, IDS } from './spec-helpers';

/**
 * ADMIN's taxonomy and calendar edits (ADR 0048) over real HTTP and JWT, on MariaDB: new versions,
 * filed cases keeping theirs, calendar changes reaching new deadlines only, and every refusal
 * writing nothing.
 */

let dir: string;
let db: TestDatabase;
let running: RunningCases;
let base: string;
const clock = { now: new Date('2026-11-30T02:00:00.000Z') }; // Monday 10:00 China
const tokens: Record<'admin' | 'staff' | 'resident' | 'chief', string> = {
  admin: '',
  staff: '',
  resident: '',
  chief: '',
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-cases-taxonomy-'));
  db = await freshMysqlDatabase('cases_taxonomy');
  const key = loadOrCreateDevSigningKey(dir);
  running = await casesService.start({
    env: {
      NODE_ENV: 'test',
      DATA_DIR: dir,
      CASES_HOST: '127.0.0.1',
      CASES_PORT: '0',
      CASES_DATABASE_URL: db.url,
      KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
      KAFKA_GROUP_SUFFIX: `.${db.name}`.slice(0, 40),
      KAFKA_TOPIC_PREFIX: `sc-test.${db.name}.`.slice(0, 60),
      CASES_SWEEP_INTERVAL_MS: '3600000',
    },
    logger: createLogger({ service: 'cases-taxonomy', level: TEST_LOG_LEVEL }),
    keyResolver: new StaticKeyResolver([key]),
    clock: () => clock.now,
  });
  await fillReadModels(running.dataSource);
  base = running.url;
  const issuer = new TokenIssuer(key, {
    issuer: 'street-chief/roster',
    audience: 'street-chief',
    ttlSeconds: 600,
  });
  const token = (subject: string, roles: Role[], scopes: string[]) =>
    issuer.issue({ subject, roles, scopes }).token;
  tokens.admin = token('admin-1', ['ADMIN'], []);
  tokens.staff = token('staff-1', ['COMMUNITY_STAFF'], ['community:caichang']);
  tokens.resident = token('resident-1', ['RESIDENT'], [`resident:${IDS.resident}`]);
  tokens.chief = token('chief-1', ['STREET_CHIEF'], [`grid:${IDS.grid}`]);
}, 120_000);

afterAll(async () => {
  await running?.close();
  await db?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

interface GqlResult {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- GraphQL response data, checked by the assertions
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}
const gql = async (query: string, variables: Record<string, unknown>, token?: string): Promise<GqlResult> => {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GqlResult;
};
/** The data of a successful answer (fails the test with the errors otherwise). */
const ok = async (query: string, variables: Record<string, unknown>, token?: string) => {
  const r = await gql(query, variables, token);
  expect(r.errors).toBeUndefined();
  if (!r.data) throw new Error('no data');
  return r.data;
};
const errorOf = (r: GqlResult) => {
  expect(r.errors).toHaveLength(1);
  return r.errors?.[0]?.extensions ?? {};
};

const ITEM_FIELDS = `code version name active reason since
  respondLimit { value unit } resolveLimit { value unit } confirmation defaultAssignee urgent category { code }`;
const REVISE = `mutation($input: ReviseTaxonomyItemInput!) { reviseTaxonomyItem(input: $input) { ${ITEM_FIELDS} } }`;
const ADD = `mutation($input: AddTaxonomyItemInput!) { addTaxonomyItem(input: $input) { ${ITEM_FIELDS} } }`;
const RETIRE = `mutation($input: RetireTaxonomyItemInput!) { retireTaxonomyItem(input: $input) { ${ITEM_FIELDS} } }`;
const SET_CALENDAR = `mutation($input: SetWorkingCalendarInput!) { setWorkingCalendar(input: $input) { date kind name } }`;
const REMOVE_DAY = `mutation($date: Date!, $reason: String!) { removeCalendarDay(date: $date, reason: $reason) { date kind name } }`;
const TAXONOMY = `query($all: Boolean) { taxonomy { code items(includeRetired: $all) { code version active } } }`;
const REPORT = `mutation($input: ReportCaseInput!) { reportCase(input: $input) { id version } }`;
const ACCEPT = `mutation($input: AcceptCaseInput!) {
  acceptCase(input: $input) { id version respondBy resolveBy item { code version resolveLimit { value unit } } } }`;

const report = async (itemCode: string): Promise<{ id: string; version: number }> =>
  (
    await ok(
      REPORT,
      {
        input: {
          channel: 'PLATFORM',
          streetId: IDS.street,
          spot: '正街 8 号',
          description: '门口垃圾没人收',
          itemCode,
        },
      },
      tokens.resident,
    )
  )['reportCase'];
const accept = async (c: { id: string; version: number }, itemCode?: string) =>
  (
    await ok(
      ACCEPT,
      { input: { id: c.id, version: c.version, ...(itemCode ? { itemCode } : {}) } },
      tokens.staff,
    )
  )['acceptCase'];

/** What the edits write: item versions and rows, calendar rows, taxonomy events. */
async function written(): Promise<Record<string, unknown>> {
  const ds = running.dataSource;
  return {
    versions: await ds.getRepository(CaseItemVersion).find({ order: { itemCode: 'ASC', version: 'ASC' } }),
    items: await ds.getRepository(CaseItem).find({ order: { code: 'ASC' } }),
    calendar: await ds.getRepository(WorkCalendarDay).find({ order: { day: 'ASC' } }),
    events: await ds
      .getRepository(OutboxEvent)
      .countBy({ type: In(Object.values(TaxonomyEvents).map((e) => e.type)) }),
  };
}

const taxonomyEvents = async (aggregateId: string) =>
  (
    await running.dataSource
      .getRepository(OutboxEvent)
      .find({ where: { aggregateId }, order: { seq: 'ASC' } })
  ).map((e) => ({ type: e.type, data: (JSON.parse(e.envelope) as { data: Record<string, unknown> }).data }));

describe('editing the taxonomy and the calendar (ADMIN) [starts: a cases service on MariaDB; needs: MariaDB, Kafka]', () => {
  it('refuses anonymous (UNAUTHENTICATED) and every other role (FORBIDDEN) on every edit; writes nothing', async () => {
    const before = await written();
    const edits: [string, Record<string, unknown>][] = [
      [REVISE, { input: { code: 'LITTERING', expectedVersion: 1, name: '乱扔垃圾', reason: '改名' } }],
      [
        ADD,
        {
          input: {
            categoryCode: 'SANITATION',
            code: 'DOG_FOULING',
            name: '犬只粪便',
            respondLimit: { value: 24, unit: 'HOURS' },
            resolveLimit: { value: 3, unit: 'WORKING_DAYS' },
            confirmation: 'RATING',
            defaultAssignee: 'GRID_CHIEF',
            reason: '新增',
          },
        },
      ],
      [RETIRE, { input: { code: 'LITTERING', expectedVersion: 1, reason: '合并' } }],
      [SET_CALENDAR, { input: { year: 2026, days: [], reason: '清空' } }],
      [REMOVE_DAY, { date: '2026-10-01', reason: '误录' }],
    ];
    for (const [query, variables] of edits) {
      expect(errorOf(await gql(query, variables))).toMatchObject({ code: 'UNAUTHENTICATED' });
      for (const t of [tokens.staff, tokens.resident, tokens.chief]) {
        expect(errorOf(await gql(query, variables, t))).toMatchObject({ code: 'FORBIDDEN' });
      }
    }
    const history = `query { taxonomyItemHistory(code: "LITTERING") { version } }`;
    expect(errorOf(await gql(history, {}))).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(errorOf(await gql(history, {}, tokens.staff))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await written()).toEqual(before);
  });

  it('refuses bad input with BAD_USER_INPUT naming the field, unknown codes with NOT_FOUND; writes nothing', async () => {
    const before = await written();
    const revise = (input: Record<string, unknown>) =>
      gql(
        REVISE,
        { input: { code: 'FIRE_EXIT_BLOCKED', expectedVersion: 1, reason: '调整', ...input } },
        tokens.admin,
      );
    const bad: [Promise<GqlResult>, string][] = [
      [revise({ name: '' }), 'input.name'],
      [revise({ name: '长'.repeat(41) }), 'input.name'],
      [revise({ reason: ' ' }), 'input.reason'],
      [revise({ code: 'fire exit' }), 'input.code'],
      [revise({ expectedVersion: 0 }), 'input.expectedVersion'],
      [revise({ respondLimit: { value: 0, unit: 'HOURS' } }), 'input.respondLimit.value'],
      [revise({ resolveLimit: { value: 721, unit: 'HOURS' } }), 'input.resolveLimit.value'],
      [revise({ resolveLimit: { value: 61, unit: 'WORKING_DAYS' } }), 'input.resolveLimit.value'],
      // FIRE: 2 h to respond, 24 h to resolve.
      [revise({ respondLimit: { value: 30, unit: 'HOURS' } }), 'input.respondLimit.value'],
      [revise({ respondLimit: { value: 1, unit: 'WORKING_DAYS' } }), 'input.respondLimit.unit'],
      // Only the resolve limit given: the refusal names it (FIRE responds in 2 h).
      [revise({ resolveLimit: { value: 1, unit: 'HOURS' } }), 'input.resolveLimit.value'],
      [revise({}), 'input'],
      [revise({ name: '消防通道堵塞' }), 'input'],
      [
        gql(
          SET_CALENDAR,
          {
            input: {
              year: 2026,
              days: [{ date: '2027-01-01', kind: 'HOLIDAY', name: '元旦' }],
              reason: '调整',
            },
          },
          tokens.admin,
        ),
        'input.days.0.date',
      ],
      [
        gql(
          SET_CALENDAR,
          {
            input: {
              year: 2026,
              days: [
                { date: '2026-10-01', kind: 'HOLIDAY', name: '国庆节' },
                { date: '2026-10-01', kind: 'WORKDAY', name: '国庆节调休上班' },
              ],
              reason: '调整',
            },
          },
          tokens.admin,
        ),
        'input.days.1.date',
      ],
      [
        gql(
          SET_CALENDAR,
          // 2026-10-12 is a Monday: a WORKDAY there means nothing.
          {
            input: {
              year: 2026,
              days: [{ date: '2026-10-12', kind: 'WORKDAY', name: '调休' }],
              reason: '调整',
            },
          },
          tokens.admin,
        ),
        'input.days.0.kind',
      ],
      [
        gql(
          SET_CALENDAR,
          {
            input: {
              year: 2026,
              days: [{ date: '2026-02-30', kind: 'HOLIDAY', name: '春节' }],
              reason: '调整',
            },
          },
          tokens.admin,
        ),
        // Refused by the Date scalar while the variables are read (its path notation).
        'input.days[0].date',
      ],
      [gql(SET_CALENDAR, { input: { year: 1999, days: [], reason: '调整' } }, tokens.admin), 'input.year'],
      [
        gql(
          SET_CALENDAR,
          {
            input: { year: 2026, days: [{ date: '2026-10-01', kind: 'HOLIDAY', name: '' }], reason: '调整' },
          },
          tokens.admin,
        ),
        'input.days.0.name',
      ],
      [
        gql(
          ADD,
          {
            input: {
              categoryCode: 'SANITATION',
              code: 'dog',
              name: '犬只粪便',
              respondLimit: { value: 24, unit: 'HOURS' },
              resolveLimit: { value: 3, unit: 'WORKING_DAYS' },
              confirmation: 'RATING',
              defaultAssignee: 'GRID_CHIEF',
              reason: '新增',
            },
          },
          tokens.admin,
        ),
        'input.code',
      ],
      [gql(REMOVE_DAY, { date: '2026-10-01', reason: '' }, tokens.admin), 'reason'],
    ];
    for (const [pending, field] of bad) {
      const e = errorOf(await pending);
      expect({ code: e['code'], field: e['field'] }).toEqual({ code: 'BAD_USER_INPUT', field });
    }
    expect(errorOf(await revise({ code: 'NO_SUCH_ITEM', name: '无' }))).toMatchObject({
      code: 'NOT_FOUND',
      field: 'input.code',
    });
    expect(
      errorOf(
        await gql(
          RETIRE,
          { input: { code: 'NO_SUCH_ITEM', expectedVersion: 1, reason: '无' } },
          tokens.admin,
        ),
      ),
    ).toMatchObject({ code: 'NOT_FOUND' });
    expect(errorOf(await gql(REMOVE_DAY, { date: '2026-03-03', reason: '无' }, tokens.admin))).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(
      errorOf(await gql(`query { taxonomyItemHistory(code: "NO_SUCH_ITEM") { version } }`, {}, tokens.admin)),
    ).toMatchObject({ code: 'NOT_FOUND' });
    expect(await written()).toEqual(before);
  });

  it('an edit makes a new version: a case accepted before keeps its limits and deadlines, one accepted after gets the new', async () => {
    // GARBAGE_COLLECTION_LATE v1: respond 24 h, resolve 3 working days.
    const filedBefore = await report('GARBAGE_COLLECTION_LATE');
    const acceptedBefore = await accept(filedBefore);
    expect(acceptedBefore.item).toMatchObject({ code: 'GARBAGE_COLLECTION_LATE', version: 1 });
    // Monday 30 Nov + 3 working days: end of Thursday 3 Dec, China time.
    expect(acceptedBefore.resolveBy).toBe('2026-12-03T16:00:00.000Z');
    const reportedNotAccepted = await report('GARBAGE_COLLECTION_LATE');

    const revised = (
      await ok(
        REVISE,
        {
          input: {
            code: 'GARBAGE_COLLECTION_LATE',
            expectedVersion: 1,
            name: '垃圾清运不及时（含大件）',
            resolveLimit: { value: 5, unit: 'WORKING_DAYS' },
            reason: '街道要求放宽',
          },
        },
        tokens.admin,
      )
    )['reviseTaxonomyItem'];
    expect(revised).toMatchObject({
      code: 'GARBAGE_COLLECTION_LATE',
      version: 2,
      name: '垃圾清运不及时（含大件）',
      active: true,
      reason: '街道要求放宽',
      since: clock.now.toISOString(),
      respondLimit: { value: 24, unit: 'HOURS' },
      resolveLimit: { value: 5, unit: 'WORKING_DAYS' },
      confirmation: 'RATING',
      defaultAssignee: 'GRID_CHIEF',
      urgent: false,
      category: { code: 'SANITATION' },
    });

    // The case accepted before: same version, same deadlines, as stored and as served.
    const before = await running.dataSource.getRepository(CaseRecord).findOneByOrFail({ id: filedBefore.id });
    expect(before).toMatchObject({ itemVersion: 1, resolveDueAt: new Date('2026-12-03T16:00:00.000Z') });
    const served = await ok(
      `query($id: ID!) { case(id: $id) { resolveBy item { version name resolveLimit { value } } } }`,
      { id: filedBefore.id },
      tokens.staff,
    );
    expect(served['case']).toEqual({
      resolveBy: '2026-12-03T16:00:00.000Z',
      item: { version: 1, name: '垃圾清运不及时', resolveLimit: { value: 3 } },
    });

    // Accepted after the edit: version 2, 5 working days → end of Monday 7 Dec.
    const acceptedAfter = await accept(reportedNotAccepted);
    expect(acceptedAfter.item).toMatchObject({
      version: 2,
      resolveLimit: { value: 5, unit: 'WORKING_DAYS' },
    });
    expect(acceptedAfter.resolveBy).toBe('2026-12-07T16:00:00.000Z');

    // The public taxonomy shows the current version; the history both.
    const tax = await ok(TAXONOMY, {});
    const sanitation = (
      tax['taxonomy'] as { code: string; items: { code: string; version: number }[] }[]
    ).find((c) => c.code === 'SANITATION');
    expect(sanitation?.items.find((i) => i.code === 'GARBAGE_COLLECTION_LATE')?.version).toBe(2);
    const history = await ok(
      `query { taxonomyItemHistory(code: "GARBAGE_COLLECTION_LATE") { version resolveLimit { value } } }`,
      {},
      tokens.admin,
    );
    expect(history['taxonomyItemHistory']).toEqual([
      { version: 1, resolveLimit: { value: 3 } },
      { version: 2, resolveLimit: { value: 5 } },
    ]);

    expect(await taxonomyEvents('GARBAGE_COLLECTION_LATE')).toEqual([
      {
        type: TaxonomyEvents.taxonomyItemRevised.type,
        data: expect.objectContaining({
          itemCode: 'GARBAGE_COLLECTION_LATE',
          version: 2,
          previousVersion: 1,
          resolveLimit: { value: 5, unit: 'WORKING_DAYS' },
          actor: 'admin-1',
        }),
      },
    ]);
  });

  it('refuses a stale expectedVersion with CONFLICT (currentVersion); of five concurrent edits one wins', async () => {
    const before = await written();
    const stale = await gql(
      REVISE,
      {
        input: {
          code: 'GARBAGE_COLLECTION_LATE',
          expectedVersion: 1,
          name: '旧页面的改名',
          reason: '旧页面',
        },
      },
      tokens.admin,
    );
    expect(errorOf(stale)).toMatchObject({ code: 'CONFLICT', currentVersion: 2 });
    expect(await written()).toEqual(before);

    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        gql(
          REVISE,
          {
            input: {
              code: 'GARBAGE_COLLECTION_LATE',
              expectedVersion: 2,
              respondLimit: { value: 12 + i, unit: 'HOURS' },
              reason: `并发 ${i}`,
            },
          },
          tokens.admin,
        ),
      ),
    );
    const won = results.filter((r) => !r.errors);
    const lost = results.filter((r) => r.errors);
    expect(won).toHaveLength(1);
    expect(lost.map((r) => r.errors?.[0]?.extensions?.['code'])).toEqual([
      'CONFLICT',
      'CONFLICT',
      'CONFLICT',
      'CONFLICT',
    ]);
    const versions = await running.dataSource
      .getRepository(CaseItemVersion)
      .findBy({ itemCode: 'GARBAGE_COLLECTION_LATE' });
    expect(versions.map((v) => v.version).sort()).toEqual([1, 2, 3]);
    expect(
      await running.dataSource.getRepository(CaseItem).findOneByOrFail({ code: 'GARBAGE_COLLECTION_LATE' }),
    ).toMatchObject({
      currentVersion: 3,
    });
  });

  it('retires an item: no new case on it, a case filed before keeps it; retiring again is a CONFLICT', async () => {
    const filedBefore = await report('LITTERING');
    const retired = (
      await ok(
        RETIRE,
        { input: { code: 'LITTERING', expectedVersion: 1, reason: '并入卫生保洁' } },
        tokens.admin,
      )
    )['retireTaxonomyItem'];
    expect(retired).toMatchObject({ code: 'LITTERING', version: 2, active: false, name: '垃圾乱丢' });

    const refused = await gql(
      REPORT,
      {
        input: {
          channel: 'PLATFORM',
          streetId: IDS.street,
          spot: '正街',
          description: '垃圾',
          itemCode: 'LITTERING',
        },
      },
      tokens.resident,
    );
    expect(errorOf(refused)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.itemCode' });
    // Staff cannot pick it for another case either…
    const other = await report('CLEANING_POOR');
    expect(
      errorOf(
        await gql(
          ACCEPT,
          { input: { id: other.id, version: other.version, itemCode: 'LITTERING' } },
          tokens.staff,
        ),
      ),
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.itemCode' });
    // …but the case filed under it before keeps it.
    const accepted = await accept(filedBefore);
    expect(accepted.item).toMatchObject({ code: 'LITTERING', version: 2 });

    const listed = async (all: boolean) =>
      ((await ok(TAXONOMY, { all }))['taxonomy'] as { code: string; items: { code: string }[] }[])
        .find((c) => c.code === 'SANITATION')
        ?.items.map((i) => i.code);
    expect(await listed(false)).not.toContain('LITTERING');
    expect(await listed(true)).toContain('LITTERING');

    expect(
      errorOf(
        await gql(RETIRE, { input: { code: 'LITTERING', expectedVersion: 2, reason: '再次' } }, tokens.admin),
      ),
    ).toMatchObject({ code: 'CONFLICT', currentState: 'RETIRED' });
    // Made active again by an edit (a new version).
    const back = (
      await ok(
        REVISE,
        { input: { code: 'LITTERING', expectedVersion: 2, active: true, reason: '恢复' } },
        tokens.admin,
      )
    )['reviseTaxonomyItem'];
    expect(back).toMatchObject({ version: 3, active: true });
    expect((await taxonomyEvents('LITTERING')).map((e) => e.type)).toEqual([
      TaxonomyEvents.taxonomyItemRetired.type,
      TaxonomyEvents.taxonomyItemRevised.type,
    ]);
  });

  it('adds an item at the end of its category; a taken code is a CONFLICT, an unknown category NOT_FOUND', async () => {
    const input = {
      categoryCode: 'SANITATION',
      code: 'DOG_FOULING',
      name: '犬只粪便',
      respondLimit: { value: 24, unit: 'HOURS' },
      resolveLimit: { value: 2, unit: 'WORKING_DAYS' },
      confirmation: 'RATING',
      defaultAssignee: 'GRID_CHIEF',
      reason: '居民反映多',
    };
    const added = (await ok(ADD, { input }, tokens.admin))['addTaxonomyItem'];
    expect(added).toMatchObject({
      code: 'DOG_FOULING',
      version: 1,
      active: true,
      urgent: false,
      category: { code: 'SANITATION' },
    });
    const tax = await ok(TAXONOMY, {});
    const items = (tax['taxonomy'] as { code: string; items: { code: string }[] }[]).find(
      (c) => c.code === 'SANITATION',
    )?.items;
    expect(items?.at(-1)?.code).toBe('DOG_FOULING');
    const accepted = await accept(await report('DOG_FOULING'));
    expect(accepted).toMatchObject({
      item: { code: 'DOG_FOULING', version: 1 },
      resolveBy: '2026-12-02T16:00:00.000Z',
    });

    expect(errorOf(await gql(ADD, { input }, tokens.admin))).toMatchObject({
      code: 'CONFLICT',
      field: 'input.code',
    });
    expect(
      errorOf(await gql(ADD, { input: { ...input, code: 'CATS', categoryCode: 'NO_SUCH' } }, tokens.admin)),
    ).toMatchObject({
      code: 'NOT_FOUND',
      field: 'input.categoryCode',
    });
    expect((await taxonomyEvents('DOG_FOULING')).map((e) => e.type)).toEqual([
      TaxonomyEvents.taxonomyItemAdded.type,
    ]);
  });

  it('a calendar change moves the deadline of a case accepted after it, not of one accepted before', async () => {
    // CLEANING_POOR: 3 working days. Accepted now: end of Thursday 3 Dec.
    const before = await accept(await report('CLEANING_POOR'));
    expect(before.resolveBy).toBe('2026-12-03T16:00:00.000Z');

    const table = [
      { date: '2026-10-01', kind: 'HOLIDAY', name: '国庆节' },
      { date: '2026-12-01', kind: 'HOLIDAY', name: '停工日' },
      { date: '2026-12-02', kind: 'HOLIDAY', name: '停工日' },
      { date: '2026-12-06', kind: 'WORKDAY', name: '停工日调休上班' },
    ];
    const set = await ok(
      SET_CALENDAR,
      { input: { year: 2026, days: [...table].reverse(), reason: '临时安排' } },
      tokens.admin,
    );
    expect(set['setWorkingCalendar']).toEqual(table);
    expect((await ok(`query { workCalendar(year: 2026) { date kind name } }`, {}))['workCalendar']).toEqual(
      table,
    );
    // 2027 untouched.
    expect(
      (await ok(`query { workCalendar(year: 2027) { date } }`, {}))['workCalendar'].length,
    ).toBeGreaterThan(0);

    // Now 1–2 Dec are holidays and Sunday 6 Dec is worked: Thursday 3, Friday 4, Sunday 6.
    const after = await accept(await report('CLEANING_POOR'));
    expect(after.resolveBy).toBe('2026-12-06T16:00:00.000Z');
    const kept = await running.dataSource.getRepository(CaseRecord).findOneByOrFail({ id: before.id });
    expect(kept.resolveDueAt).toEqual(new Date('2026-12-03T16:00:00.000Z'));

    // Removing one entry: 2 Dec is a working day again → Wednesday 2, Thursday 3, Friday 4.
    const removed = await ok(REMOVE_DAY, { date: '2026-12-01', reason: '误录' }, tokens.admin);
    expect(removed['removeCalendarDay']).toEqual(table.filter((d) => d.date !== '2026-12-01'));
    const third = await accept(await report('CLEANING_POOR'));
    expect(third.resolveBy).toBe('2026-12-04T16:00:00.000Z');
    expect(
      errorOf(await gql(REMOVE_DAY, { date: '2026-12-01', reason: '再次' }, tokens.admin)),
    ).toMatchObject({
      code: 'NOT_FOUND',
      field: 'date',
    });

    expect(await taxonomyEvents('calendar:2026')).toEqual([
      {
        type: TaxonomyEvents.workCalendarSet.type,
        data: expect.objectContaining({ year: 2026, days: table, reason: '临时安排', actor: 'admin-1' }),
      },
      {
        type: TaxonomyEvents.workCalendarDayRemoved.type,
        data: expect.objectContaining({ year: 2026, removed: table[1], reason: '误录' }),
      },
    ]);
  });
});
