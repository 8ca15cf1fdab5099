import { randomUUID } from 'node:crypto';
import { createLogger } from '@sc/config';
import { createDataSource, pendingSchemaChanges } from '@sc/db';
import {
  type CloudEvent,
  type EventContract,
  KafkaPublisher,
  OUTBOX_ENTITIES,
  type PublishRecord,
} from '@sc/events';
import { CaseEvents, CASES_SOURCE, type CaseEventData } from '@sc/cases-contracts';
import { DeliberationEvents, DELIBERATION_SOURCE } from '@sc/deliberation-contracts';
import { PEOPLE_SOURCE, PeopleEvents, PeopleSnapshotEvents } from '@sc/people-contracts';
import { ChiefEvents, GridEvents, ROSTER_SOURCE, RosterEvents } from '@sc/roster-contracts';
import { freshMysqlDatabase, scrapeMetrics, TEST_KAFKA_BROKERS, type TestDatabase } from '@sc/testing';
import { FEED_ENTITIES } from './entities';
import type { CountyFigures } from './figures';
import { type RunningCountyFeed, startCountyFeed } from './testing';

/**
 * The county feed as a county system runs it: its own process on the real broker and MariaDB, fed
 * events built by the producers' contracts (and broken ones by hand), checked through its HTTP API.
 */
const PREFIX = `t${randomUUID().slice(0, 8)}.`;
const logger = createLogger({ service: 'county-feed-spec', level: 'silent' });

const SOURCES: Record<string, string> = {
  roster: ROSTER_SOURCE,
  people: PEOPLE_SOURCE,
  cases: CASES_SOURCE,
  deliberation: DELIBERATION_SOURCE,
};

/** The envelope a producer's outbox writes for `contract` (the payload checked by the contract). */
function envelope<T>(contract: EventContract<T>, subject: string, data: T, time = new Date()): CloudEvent<T> {
  const built = contract.build(subject, data);
  const service = built.type.split('.')[2] ?? '';
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: SOURCES[service] ?? '/caichang/unknown',
    type: built.type,
    subject,
    time: time.toISOString(),
    datacontenttype: 'application/json',
    data: built.data,
  };
}

function record(topic: string, event: CloudEvent<unknown>): PublishRecord {
  return { topic, key: event.subject, value: JSON.stringify(event) };
}
const on = <T>(contract: EventContract<T>, event: CloudEvent<T>) => record(contract.topic ?? '', event);

const S1 = randomUUID();
const S2 = randomUUID();
const S3 = randomUUID();
const COMMUNITY = randomUUID();
const G1 = randomUUID();
const G2 = randomUUID();
const H1 = randomUUID();
const H2 = randomUUID();
const H3 = randomUUID();
const actor = 'spec';

const street = (id: string, n: number) =>
  envelope(RosterEvents.streetCreated, id, {
    id,
    kind: 'STREET',
    name: `街${n}`,
    code: null,
    parentId: COMMUNITY,
    communityId: COMMUNITY,
    sortKey: `01.${n}`,
    actor,
  });
/** A chief event (the contract checks the payload when it builds it). */
const chief = <T>(typed: EventContract<T>, id: string, data: Record<string, unknown>) => {
  const contract = typed as unknown as EventContract<Record<string, unknown>>;
  return on(
    contract,
    envelope(contract, id, {
      id,
      residentId: randomUUID(),
      previousStatus: null,
      reason: '',
      actor,
      ...data,
    }),
  );
};

const movedIn = (
  id: string,
  category: 'REGISTERED' | 'MIGRANT_LONG_TERM' | 'FLOATING',
  origin: string,
  streetId: string,
  householdId: string | null,
  version: number,
) =>
  envelope(PeopleEvents.residentMovedIn, id, {
    id,
    category,
    origin,
    addressId: randomUUID(),
    streetId,
    courtyardId: null,
    householdId,
    relationship: householdId ? 'HEAD' : null,
    date: '2026-11-02',
    firstRegistration: true,
    actor,
    version,
  });
const movedOut = (
  id: string,
  category: 'REGISTERED' | 'MIGRANT_LONG_TERM' | 'FLOATING',
  householdId: string | null,
  version: number,
) =>
  envelope(PeopleEvents.residentMovedOut, id, {
    id,
    category,
    streetId: null,
    courtyardId: null,
    householdId,
    destination: '成都市',
    date: '2026-11-20',
    actor,
    version,
  });
const household = (id: string, streetId: string) =>
  envelope(PeopleEvents.householdCreated, id, {
    id,
    addressId: randomUUID(),
    streetId,
    courtyardId: null,
    headResidentId: null,
    housing: 'OWNED',
    entryDate: '2026-11-01',
    actor,
  });

/** A case's ledger snapshot after a change (what every case event carries). */
function caseData(id: string, over: Partial<CaseEventData>): CaseEventData {
  return {
    caseId: id,
    state: 'REPORTED',
    previousState: null,
    action: 'REPORT',
    channel: 'PHONE',
    categoryCode: null,
    itemCode: null,
    itemVersion: null,
    communityId: COMMUNITY,
    streetId: S1,
    courtyardId: null,
    gridId: G1,
    reportedAt: '2026-10-31T17:00:00.000Z', // 2026-11-01 01:00 in China: a November case
    acceptedAt: null,
    respondDueAt: null,
    resolveDueAt: null,
    respondedAt: null,
    resolvedAt: null,
    closedAt: null,
    outcome: null,
    rating: null,
    reopenCount: 0,
    escalationLevel: 'NONE',
    at: '2026-10-31T17:00:00.000Z',
    actor,
    ...over,
  };
}
const caseEvent = <T extends CaseEventData>(contract: EventContract<T>, data: T) =>
  on(contract, envelope(contract, data.caseId, data));

const K1 = randomUUID();
const K2 = randomUUID();
const K3 = randomUUID();
const MATTER = randomUUID();
const item = { categoryCode: 'FIRE', itemCode: 'FIRE_EXIT_BLOCKED', itemVersion: 1 };

/** Every kind of event the figures count, in producer order per aggregate. */
function validEvents(): PublishRecord[] {
  const community = envelope(RosterEvents.communityCreated, COMMUNITY, {
    id: COMMUNITY,
    kind: 'COMMUNITY',
    name: '蔡场社区',
    code: 'caichang',
    parentId: null,
    communityId: COMMUNITY,
    sortKey: '01',
    actor,
  });
  const c1 = randomUUID();
  const c2 = randomUUID();
  const c3 = randomUUID();
  const r4 = randomUUID();
  const r5 = randomUUID();
  return [
    on(RosterEvents.communityCreated, community),
    on(RosterEvents.streetCreated, street(S1, 1)),
    on(RosterEvents.streetCreated, street(S2, 2)),
    on(RosterEvents.streetCreated, street(S3, 3)),
    on(
      RosterEvents.streetRetired,
      envelope(RosterEvents.streetRetired, S3, { id: S3, kind: 'STREET', reason: '合并', actor }),
    ),
    on(
      GridEvents.gridChanged,
      envelope(GridEvents.gridChanged, G1, {
        id: G1,
        name: '正街网格',
        streetIds: [S1],
        courtyardIds: [],
        actor,
      }),
    ),
    on(
      GridEvents.gridChanged,
      envelope(GridEvents.gridChanged, G2, {
        id: G2,
        name: '新街网格',
        streetIds: [S2, S3],
        courtyardIds: [],
        actor,
      }),
    ),
    chief(ChiefEvents.chiefNominated, c1, {
      status: 'NOMINATED',
      nominatorResidentId: randomUUID(),
      nominationCount: 1,
    }),
    chief(ChiefEvents.chiefAppointed, c1, {
      status: 'APPOINTED',
      previousStatus: 'FILED',
      gridId: G1,
      badge: 'CC-001',
      phone: '13800138001',
      termStart: '2026-01-01',
      termEnd: '2028-12-31',
    }),
    chief(ChiefEvents.chiefAppointed, c2, {
      status: 'APPOINTED',
      previousStatus: 'FILED',
      gridId: G2,
      badge: 'CC-002',
      phone: '13800138002',
      termStart: '2026-01-01',
      termEnd: '2028-12-31',
    }),
    chief(ChiefEvents.chiefSuspended, c2, { status: 'SUSPENDED', previousStatus: 'APPOINTED', gridId: null }),
    chief(ChiefEvents.chiefNominated, c3, {
      status: 'NOMINATED',
      nominatorResidentId: randomUUID(),
      nominationCount: 1,
    }),
    on(PeopleEvents.householdCreated, household(H1, S1)),
    on(PeopleEvents.residentMovedIn, movedIn(randomUUID(), 'REGISTERED', '大邑县', S1, H1, 1)),
    on(PeopleEvents.residentMovedIn, movedIn(randomUUID(), 'MIGRANT_LONG_TERM', '汉源县', S1, H1, 1)),
    on(PeopleEvents.residentMovedIn, movedIn(randomUUID(), 'FLOATING', '仪陇县', S2, null, 1)),
    on(PeopleEvents.residentMovedIn, movedIn(r4, 'FLOATING', '营山县', S2, null, 1)),
    on(PeopleEvents.residentMovedOut, movedOut(r4, 'FLOATING', null, 2)),
    // H2: its only member moves out, so people dissolves it.
    on(PeopleEvents.householdCreated, household(H2, S2)),
    on(PeopleEvents.residentMovedIn, movedIn(r5, 'REGISTERED', '大邑县', S2, H2, 1)),
    on(PeopleEvents.residentMovedOut, movedOut(r5, 'REGISTERED', H2, 2)),
    // H3 and its head r7 are known from a load (the demo seed's) and a snapshot only: no per-item event.
    ...knownFromLoadAndSnapshot(),
    // K1: November report, item set, resolved on time in December, rated 5.
    caseEvent(CaseEvents.caseReported, caseData(K1, {})),
    caseEvent(
      CaseEvents.caseAccepted,
      caseData(K1, {
        ...item,
        state: 'ACCEPTED',
        previousState: 'REPORTED',
        action: 'ACCEPT',
        acceptedAt: '2026-11-01T00:00:00.000Z',
        resolveDueAt: '2026-12-02T00:00:00.000Z',
        at: '2026-11-01T00:00:00.000Z',
      }),
    ),
    caseEvent(
      CaseEvents.caseResolved,
      caseData(K1, {
        ...item,
        state: 'RESOLVED',
        previousState: 'IN_PROGRESS',
        action: 'RESOLVE',
        resolveDueAt: '2026-12-02T00:00:00.000Z',
        resolvedAt: '2026-12-01T00:00:00.000Z',
        outcome: 'FIXED',
        at: '2026-12-01T00:00:00.000Z',
      }),
    ),
    caseEvent(
      CaseEvents.caseRated,
      caseData(K1, {
        ...item,
        state: 'RESOLVED',
        previousState: 'RESOLVED',
        action: 'RATE',
        resolveDueAt: '2026-12-02T00:00:00.000Z',
        resolvedAt: '2026-12-01T00:00:00.000Z',
        outcome: 'FIXED',
        rating: 5,
        at: '2026-12-01T01:00:00.000Z',
      }),
    ),
    // K2: reported, no item yet. K3: resolved late, rated 2 (not satisfied).
    caseEvent(
      CaseEvents.caseReported,
      caseData(K2, {
        streetId: S2,
        gridId: G2,
        reportedAt: '2026-11-10T00:00:00.000Z',
        at: '2026-11-10T00:00:00.000Z',
      }),
    ),
    caseEvent(
      CaseEvents.caseResolved,
      caseData(K3, {
        ...item,
        state: 'RESOLVED',
        previousState: 'IN_PROGRESS',
        action: 'RESOLVE',
        reportedAt: '2026-11-02T00:00:00.000Z',
        resolveDueAt: '2026-11-03T00:00:00.000Z',
        resolvedAt: '2026-11-05T00:00:00.000Z',
        rating: 2,
        at: '2026-11-05T00:00:00.000Z',
      }),
    ),
    on(
      DeliberationEvents.matterDrafted,
      envelope(DeliberationEvents.matterDrafted, MATTER, {
        id: MATTER,
        actor,
        reason: '停车位分配',
        kind: 'PARKING',
        scopeKind: 'STREET',
        scopeId: S1,
      }),
    ),
    on(
      DeliberationEvents.openedForVoting,
      envelope(DeliberationEvents.openedForVoting, MATTER, {
        id: MATTER,
        actor,
        reason: '',
        electorateKind: 'HOUSEHOLDS',
        electorateSize: 3,
        electorateHash: 'h',
        rule: 'RESIDENTS_MEETING',
        secret: true,
        opensAt: '2026-11-01T00:00:00.000Z',
        closesAt: '2026-11-08T00:00:00.000Z',
      }),
    ),
    on(
      DeliberationEvents.voteClosed,
      envelope(DeliberationEvents.voteClosed, MATTER, {
        id: MATTER,
        actor,
        reason: '',
        electorateSize: 3,
        participants: 3,
        quorumMet: true,
        counts: { FOR: 2, AGAINST: 1 },
        outcome: 'ADOPTED',
        winner: 'FOR',
        ballotsHash: 'b',
      }),
    ),
    on(
      DeliberationEvents.adopted,
      envelope(DeliberationEvents.adopted, MATTER, { id: MATTER, actor, reason: '' }),
    ),
  ];
}

/** Broken events: each must be parked, none may change a figure. */
function invalidEvents(): PublishRecord[] {
  const noSortKey = street(randomUUID(), 9) as CloudEvent<Record<string, unknown>>;
  delete noSortKey.data['sortKey'];
  const wrongChannel = envelope(PeopleEvents.householdCreated, randomUUID(), {
    ...household(randomUUID(), S1).data,
  });
  const unknownType = { ...street(randomUUID(), 8), type: 'cn.caichang.roster.street.teleported.v1' };
  const badCategory = movedIn(randomUUID(), 'REGISTERED', '大邑县', S1, null, 1) as CloudEvent<
    Record<string, unknown>
  >;
  badCategory.data['category'] = 'TOURIST';
  // Valid by its schema (which sets no length on 户籍地) but longer than any column holds: MariaDB
  // refuses it every time, so the feed gives up after its attempts and parks it instead of blocking.
  const unstorable = movedIn(randomUUID(), 'REGISTERED', '长'.repeat(51), S1, null, 1);
  return [
    record(RosterEvents.streetCreated.topic ?? '', noSortKey),
    record(RosterEvents.streetCreated.topic ?? '', wrongChannel), // a people event on the places topic
    record(RosterEvents.streetCreated.topic ?? '', unknownType),
    record(PeopleEvents.residentMovedIn.topic ?? '', badCategory),
    record(PeopleEvents.residentMovedIn.topic ?? '', unstorable),
    { topic: CaseEvents.caseReported.topic ?? '', key: 'x', value: 'this is not JSON' },
  ];
}

/** A household announced by a load, and its head by a snapshot (v1 and v2 parts, households, completed). */
function knownFromLoadAndSnapshot(): PublishRecord[] {
  const loadId = randomUUID();
  const snapshotId = randomUUID();
  const r7 = randomUUID();
  const v1 = {
    id: r7,
    status: 'ACTIVE' as const,
    birthYear: 1990,
    householdId: H3,
    relationship: 'HEAD',
    streetId: S2,
    courtyardId: null,
    version: 1,
  };
  return [
    on(
      PeopleEvents.householdsImported,
      envelope(PeopleEvents.householdsImported, loadId, {
        importId: loadId,
        part: 1,
        actor,
        households: [
          {
            id: H3,
            addressId: randomUUID(),
            streetId: S2,
            courtyardId: null,
            headResidentId: r7,
            housing: 'RENTED',
            entryDate: '2026-10-01',
          },
        ],
      }),
    ),
    on(
      PeopleSnapshotEvents.residents,
      envelope(PeopleSnapshotEvents.residents, snapshotId, { snapshotId, part: 1, residents: [v1] }),
    ),
    on(
      PeopleSnapshotEvents.residentsV2,
      envelope(PeopleSnapshotEvents.residentsV2, snapshotId, {
        snapshotId,
        part: 2,
        residents: [{ ...v1, category: 'MIGRANT_LONG_TERM', origin: '达州市' }],
      }),
    ),
    on(
      PeopleSnapshotEvents.households,
      envelope(PeopleSnapshotEvents.households, snapshotId, {
        snapshotId,
        part: 3,
        households: [{ id: H3, status: 'ACTIVE', streetId: S2, courtyardId: null, headResidentId: r7 }],
      }),
    ),
    on(
      PeopleSnapshotEvents.completed,
      envelope(PeopleSnapshotEvents.completed, snapshotId, {
        snapshotId,
        parts: 3,
        residents: 1,
        houses: 0,
        households: 1,
        takenAt: new Date().toISOString(),
        actor,
      }),
    ),
  ];
}

const EXPECTED: CountyFigures = {
  population: {
    residents: 4,
    households: 2,
    migrants: 3,
    byCategory: [
      { category: 'FLOATING', residents: 1 },
      { category: 'MIGRANT_LONG_TERM', residents: 2 },
      { category: 'REGISTERED', residents: 1 },
    ],
    migrantsByOrigin: [
      { origin: '仪陇县', migrants: 1 },
      { origin: '汉源县', migrants: 1 },
      { origin: '达州市', migrants: 1 },
    ].sort((a, b) => (a.origin < b.origin ? -1 : 1)),
    byStreet: [
      { streetId: S1, residents: 2 },
      { streetId: S2, residents: 2 },
    ].sort((a, b) => (a.streetId < b.streetId ? -1 : 1)),
  },
  chiefs: {
    byStatus: [
      { status: 'APPOINTED', chiefs: 1 },
      { status: 'NOMINATED', chiefs: 1 },
      { status: 'SUSPENDED', chiefs: 1 },
    ],
    streets: 2,
    streetsCovered: 1,
  },
  caseLedger: [
    {
      itemCode: '-',
      streetId: S2,
      month: '2026-11',
      opened: 1,
      resolved: 0,
      resolvedOnTime: 0,
      ratings: 0,
      satisfied: 0,
    },
    {
      itemCode: 'FIRE_EXIT_BLOCKED',
      streetId: S1,
      month: '2026-11',
      opened: 2,
      resolved: 1,
      resolvedOnTime: 0,
      ratings: 1,
      satisfied: 0,
    },
    {
      itemCode: 'FIRE_EXIT_BLOCKED',
      streetId: S1,
      month: '2026-12',
      opened: 0,
      resolved: 1,
      resolvedOnTime: 1,
      ratings: 1,
      satisfied: 1,
    },
  ],
  votes: [
    {
      matterId: MATTER,
      state: 'ADOPTED',
      electorateSize: 3,
      participants: 3,
      quorumMet: true,
      outcome: 'ADOPTED',
      counts: [
        { option: 'AGAINST', count: 1 },
        { option: 'FOR', count: 2 },
      ],
    },
  ],
};

describe('county feed (its own process; real Kafka topics per run, real MariaDB)', () => {
  let db: TestDatabase;
  let publisher: KafkaPublisher;
  let feed: RunningCountyFeed | null = null;
  const start = () =>
    startCountyFeed({
      brokers: TEST_KAFKA_BROKERS,
      topicPrefix: PREFIX,
      databaseUrl: db.url,
      groupId: 'county-feed',
    });
  let published: PublishRecord[] = [];

  beforeAll(async () => {
    db = await freshMysqlDatabase('county_feed');
    publisher = new KafkaPublisher({
      brokers: TEST_KAFKA_BROKERS,
      clientId: 'county-feed-spec',
      logger,
      topicPrefix: PREFIX,
    });
  });
  afterAll(async () => {
    await feed?.stop();
    await publisher?.close();
    await db?.drop();
  });

  it('catches up from offset zero on a fresh database: every figure, every broken event parked', async () => {
    published = [...validEvents(), ...invalidEvents()];
    // Published before the feed ever ran: a new group starts at the beginning of every topic.
    await publisher.publish(published);
    feed = await start();
    await feed.waitCaughtUp();
    expect(await feed.figures('2026-01', '2026-12')).toEqual(EXPECTED);
    const status = (await (await fetch(`${feed.url}/api/v1/status`)).json()) as Record<string, number>;
    expect(status['parked']).toBe(6);
    expect(status['processed']).toBe(published.length - 1); // the non-JSON message is `invalid`
    const parked = (await (await fetch(`${feed.url}/api/v1/parked`)).json()) as {
      latest: { type: string | null; eventId: string | null; reason: string }[];
    };
    expect(parked.latest.map((p) => String(p.type)).sort()).toEqual([
      'cn.caichang.people.household.created.v1',
      'cn.caichang.people.resident.moved-in.v1',
      'cn.caichang.people.resident.moved-in.v1',
      'cn.caichang.roster.street.created.v1',
      'cn.caichang.roster.street.teleported.v1',
      'null',
    ]);
    expect(parked.latest.find((p) => p.type === 'cn.caichang.roster.street.created.v1')?.reason).toContain(
      'sortKey',
    );
    expect(parked.latest.map((p) => p.reason)).toContain(
      'could not be applied after 3 attempts: ER_DATA_TOO_LONG/1406',
    );
    expect((await fetch(`${feed.url}/readyz`)).status).toBe(200);
  });

  it('reports its lag, parked and processed counts on /metrics', async () => {
    const scrape = await scrapeMetrics(feed?.url ?? '');
    expect(scrape.value('sc_county_feed_events_behind')).toBe(0);
    expect(scrape.value('sc_county_feed_seconds_behind')).toBe(0);
    expect(scrape.value('sc_county_feed_parked_events')).toBe(6);
    expect(scrape.value('sc_county_feed_apply_failures_parked_total')).toBe(1);
    expect(scrape.value('sc_county_feed_events_total', { outcome: 'processed' })).toBe(published.length - 1);
    expect(scrape.value('sc_county_feed_events_total', { outcome: 'invalid' })).toBe(1);
  });

  it('changes nothing when events are delivered again', async () => {
    await publisher.publish(published.slice(0, 12).concat(published.slice(-6, -1)));
    await feed?.waitCaughtUp();
    expect(await feed?.figures('2026-01', '2026-12')).toEqual(EXPECTED);
    const status = (await (await fetch(`${feed?.url}/api/v1/status`)).json()) as Record<string, number>;
    expect(status['duplicates']).toBe(17);
    expect(status['parked']).toBe(6);
  });

  it('resumes after being killed: only what came after is processed', async () => {
    await feed?.kill();
    feed = null;
    const r6 = randomUUID();
    const more = [
      on(PeopleEvents.residentMovedIn, movedIn(r6, 'MIGRANT_LONG_TERM', '汉源县', S2, null, 1)),
      caseEvent(
        CaseEvents.caseReported,
        caseData(randomUUID(), {
          streetId: S2,
          gridId: G2,
          reportedAt: '2026-11-10T00:00:00.000Z',
          at: '2026-11-10T00:00:00.000Z',
        }),
      ),
    ];
    await publisher.publish(more);
    feed = await start();
    await feed.waitCaughtUp();
    const status = (await (await fetch(`${feed.url}/api/v1/status`)).json()) as Record<string, number>;
    expect(status['processed']).toBe(2);
    const figures = await feed.figures('2026-11', '2026-11');
    expect(figures.population.residents).toBe(5);
    expect(figures.population.migrantsByOrigin.find((o) => o.origin === '汉源县')?.migrants).toBe(2);
    expect(figures.caseLedger.find((r) => r.itemCode === '-')?.opened).toBe(2);
    // The month range bounds the ledger: December's resolution is not in November.
    expect(figures.caseLedger.some((r) => r.month === '2026-12')).toBe(false);
  });

  it('has the schema of its entities after its migrations (no drift)', async () => {
    const ds = createDataSource({
      url: db.url,
      entities: [...FEED_ENTITIES, ...OUTBOX_ENTITIES],
      migrations: [],
    });
    await ds.initialize();
    try {
      expect(await pendingSchemaChanges(ds)).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });

  it('refuses a bad month range with BAD_USER_INPUT naming the field', async () => {
    const res = await fetch(`${feed?.url}/api/v1/figures?fromMonth=2026-13&toMonth=2026-12`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { extensions: { code: string; field: string } }[] };
    expect(body.errors[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'fromMonth' });
  });
});
