import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { IsNull } from 'typeorm';
import { startCountyFeed, type RunningCountyFeed } from '@sc/county-feed/testing';
import { demoGridId, stableId } from '@sc/demo';
import { OutboxEvent } from '@sc/events';
import { makeTestIdNumber } from '@sc/people';
import { PeopleVoter, ResidentRef } from '@sc/people-contracts';
import { GridChief } from '@sc/roster-contracts';
import {
  freshMysqlDatabase,
  gqlRequest,
  KAFKA_SCRIPT,
  type GraphQLResponse,
  type TestDatabase,
} from '@sc/testing';
import { startStack, type Stack } from '../stack';
import { gatewayFigures, type FigureTokens } from './gateway-figures';

/** A broker of this spec's own, so taking it down does not disturb other specs. */
const PORT = Number(process.env['TEST_DAY_KAFKA_PORT'] ?? 29393);
const BROKERS = [`127.0.0.1:${PORT}`];
const kafkaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-day-kafka-'));
const kafka = (command: 'start' | 'stop') =>
  promisify(execFile)('bash', [KAFKA_SCRIPT, command], {
    env: { ...process.env, KAFKA_PORT: String(PORT), KAFKA_DATA_DIR: path.join(kafkaDir, 'kafka') },
  });

/**
 * The cases service runs on a clock of its own that the day moves on, so deadlines pass and the sweep
 * marks, escalates and auto-closes (docs/services/cases.md). The day is Monday 2026-10-26, 09:00 China
 * time, whatever day the spec runs; the late work falls in November, so the ledger's months differ
 * (opened by the month of the report, resolved and rated by the month of the resolution).
 */
const DAY = Date.parse('2026-10-26T01:00:00.000Z');
let shift = DAY - Date.now();
const casesClock = () => new Date(Date.now() + shift);
const moveCasesClockTo = (iso: string) => {
  shift = Date.parse(iso) - Date.now();
};
const MONTHS = ['2026-01', '2026-12'] as const;

/** Grids whose chief stays in office all day: the cases run there. */
const WORK_GRID_NUMBERS = [1, 2, 4, 5, 6, 7];
const WORK_GRIDS = WORK_GRID_NUMBERS.map((n) => demoGridId(n));
const REQUEST_ITEMS = [
  'LITTERING',
  'GARBAGE_COLLECTION_LATE',
  'CAR_PARKING',
  'STREET_VENDOR',
  'ROAD_DAMAGED',
  'GREENERY_UPKEEP',
  'DISPUTE',
  'DRAINAGE_LIGHTING',
];
const HAZARD_ITEMS = ['FIRE_EXIT_BLOCKED', 'PILED_MATERIALS', 'EBIKE_CHARGING', 'ILLEGAL_STRUCTURE'];
const ORIGINS = ['汉源县', '仪陇县', '营山县', '达州市', '遂宁市', '巴中市'];
const CASES = 500;
const HOUSEHOLDS = 50;
const CONCURRENCY = 12;

/** Runs `fn` over `items`, `n` at a time, in order of start. */
async function pool<T, R>(items: T[], n: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T, i);
      }
    }),
  );
  return out;
}

/** Polls until `check` holds (presence of what an event brings, never absence). */
async function until(
  what: string | (() => string),
  check: () => Promise<boolean>,
  timeoutMs = 240_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${typeof what === 'string' ? what : what()} did not happen within ${timeoutMs} ms`);
}

interface Resident {
  id: string;
  streetId: string;
  gridId: string;
  householdId: string;
  category: string;
  head: boolean;
  address: { streetId: string; building: string; unit: string; door: string };
}
interface CaseRef {
  id: string;
  version: number;
  state: string;
}
interface PlannedCase {
  i: number;
  variant: number;
  streetId: string;
  gridId: string;
  itemCode: string;
  reporter?: Resident;
  current?: CaseRef;
}

describe('a scripted day, county feed = gateway [starts: Kafka broker on 29393 (stopped and restarted), every service on MariaDB, gateway, county feed (killed and restarted); needs: MariaDB]', () => {
  let stack: Stack;
  let feedDb: TestDatabase;
  let feed: RunningCountyFeed;
  const feedOptions = () => ({
    brokers: BROKERS,
    topicPrefix: stack.topicPrefix,
    databaseUrl: feedDb.url,
    groupId: `county-feed.${feedDb.name}`,
  });
  const mint = (role: Parameters<Stack['tokens']['mint']>[0][number], scopes: string[], subject: string) =>
    stack.tokens.mint([role], { scopes, subject, ttlSeconds: 3_600 });
  const tokens = {
    staff: () => mint('COMMUNITY_STAFF', ['community:caichang'], 'staff-day'),
    officer: () => mint('TOWN_OFFICER', ['community:caichang'], 'officer-day'),
    county: () => mint('COUNTY_VIEWER', [], 'county-day'),
    chief: (gridId: string) => mint('STREET_CHIEF', [`grid:${gridId}`], `chief-day-${gridId.slice(0, 8)}`),
    resident: (id: string) => mint('RESIDENT', [`resident:${id}`], `resident-${id}`),
  };
  const service = (name: string) => {
    const s = stack.services[name];
    if (!s) throw new Error(`${name} did not start`);
    return s;
  };
  const gql = <T>(query: string, variables: Record<string, unknown>, token?: string) =>
    gqlRequest<T>(stack.gatewayUrl, query, variables, token);
  const ok = async <T>(what: string, res: Promise<GraphQLResponse<T>>): Promise<T> => {
    const r = await res;
    if (r.errors || !r.data) throw new Error(`${what}: ${JSON.stringify(r.errors)}`);
    return r.data;
  };

  /** Street id → grid id, from the roster through the gateway. */
  const gridOf = new Map<string, string>();
  const streetsOf = new Map<string, string[]>();
  const residents: Resident[] = [];
  const movedOut = new Set<string>();

  beforeAll(async () => {
    await kafka('start');
    stack = await startStack(
      'county_day',
      { cases: { CASES_SWEEP_INTERVAL_MS: '3600000' } },
      { brokers: BROKERS, clocks: { cases: casesClock } },
    );
    feedDb = await freshMysqlDatabase('county_day_feed');
    feed = await startCountyFeed(feedOptions());
    const grids = await ok(
      'grids',
      gql<{ grids: { nodes: { id: string; streets: { nodes: { id: string }[] } }[] } }>(
        '{ grids(first: 50) { nodes { id streets(first: 50) { nodes { id } } } } }',
        {},
      ),
    );
    for (const g of grids.grids.nodes) {
      streetsOf.set(
        g.id,
        g.streets.nodes.map((s) => s.id),
      );
      for (const s of g.streets.nodes) gridOf.set(s.id, g.id);
    }
  }, 300_000);

  afterAll(async () => {
    await feed?.stop().catch(() => undefined);
    await stack?.stop();
    await feedDb?.drop();
    await kafka('stop').catch(() => undefined);
    fs.rmSync(kafkaDir, { recursive: true, force: true });
  }, 120_000);

  // --- people -------------------------------------------------------------------------------------
  let idSeq = 0;
  const moveIn = async (streetId: string, join?: Resident): Promise<Resident> => {
    const n = idSeq++;
    const category = ['REGISTERED', 'REGISTERED', 'MIGRANT_LONG_TERM', 'MIGRANT_LONG_TERM', 'FLOATING'][
      n % 5
    ] as string;
    const address = join?.address ?? {
      streetId,
      building: String(1 + (n % 7)),
      unit: '1',
      door: String(100 + n),
    };
    const birth = new Date(Date.UTC(1950, 0, 1) + n * 97 * 86_400_000).toISOString().slice(0, 10);
    const res = await ok(
      'moveIn',
      gql<{ moveIn: { id: string; household: { id: string } } }>(
        'mutation DayMoveIn($i: MoveInInput!) { moveIn(input: $i) { id household { id } } }',
        {
          i: {
            idNumber: makeTestIdNumber('511823', birth, n % 500, n % 2 ? 'MALE' : 'FEMALE'),
            name: `住户${n}`,
            origin: category === 'REGISTERED' ? '大邑县' : (ORIGINS[n % ORIGINS.length] as string),
            category,
            address,
            ...(join
              ? { householdId: join.householdId, relationship: n % 2 ? 'SPOUSE' : 'CHILD' }
              : { newHousehold: { housing: n % 3 ? 'RENTED' : 'OWNED' } }),
          },
        },
        tokens.staff(),
      ),
    );
    const r = {
      id: res.moveIn.id,
      streetId,
      gridId: gridOf.get(streetId) as string,
      householdId: res.moveIn.household.id,
      category,
      head: !join,
      address,
    };
    residents.push(r);
    return r;
  };
  const moveOut = async (r: Resident) => {
    await ok(
      'moveOut',
      gql(
        'mutation DayMoveOut($i: MoveOutInput!) { moveOut(input: $i) { status } }',
        { i: { residentId: r.id, destination: '成都市' } },
        tokens.staff(),
      ),
    );
    movedOut.add(r.id);
  };
  /** Households of three on the streets of the work grids, and of grid 3 (the vote's street). */
  const moveInHouseholds = async (count: number) => {
    const streets = [...WORK_GRIDS, demoGridId(3)].flatMap((g) => streetsOf.get(g) ?? []);
    const heads = await pool(Array.from({ length: count }), CONCURRENCY, (_, i) =>
      moveIn(streets[(residents.length + i) % streets.length] as string),
    );
    // A household's members one after the other (they change the same household).
    await pool(heads, CONCURRENCY, async (h) => {
      await moveIn(h.streetId, h);
      await moveIn(h.streetId, h);
    });
  };

  // --- cases --------------------------------------------------------------------------------------
  const CASE = 'id version state';
  const act = async (
    c: PlannedCase,
    mutation: string,
    inputType: string,
    input: Record<string, unknown>,
    token: string,
  ): Promise<CaseRef> => {
    const data = await ok(
      `${mutation} of case ${c.i} (variant ${c.variant}, ${c.current?.state ?? 'new'})`,
      gql<Record<string, CaseRef>>(
        `mutation($i: ${inputType}!) { ${mutation}(input: $i) { ${CASE} } }`,
        { i: c.current ? { id: c.current.id, version: c.current.version, ...input } : input },
        token,
      ),
    );
    c.current = data[mutation] as CaseRef;
    return c.current;
  };
  const report = (c: PlannedCase) =>
    c.reporter
      ? act(
          c,
          'reportCase',
          'ReportCaseInput',
          {
            channel: 'PLATFORM',
            itemCode: c.itemCode,
            streetId: c.streetId,
            spot: `门口${c.i}`,
            description: `第${c.i}件诉求`,
          },
          tokens.resident(c.reporter.id),
        )
      : act(
          c,
          'reportCase',
          'ReportCaseInput',
          {
            channel: c.variant === 7 ? 'PATROL' : 'PHONE',
            itemCode: c.itemCode,
            streetId: c.streetId,
            spot: `巡查点${c.i}`,
            description: `第${c.i}处隐患`,
          },
          tokens.chief(c.gridId),
        );
  const accept = (c: PlannedCase, token = tokens.staff()) =>
    act(c, 'acceptCase', 'AcceptCaseInput', { reason: '受理' }, token);
  const assign = (c: PlannedCase, token = tokens.staff()) =>
    act(c, 'assignCase', 'AssignCaseInput', { reason: '派单' }, token);
  const start = (c: PlannedCase) =>
    act(c, 'startCase', 'CaseActionInput', { reason: '签收' }, tokens.chief(c.gridId));
  const resolve = (c: PlannedCase) =>
    act(
      c,
      'resolveCase',
      'ResolveCaseInput',
      { outcome: 'FIXED', resolution: '已处理' },
      tokens.chief(c.gridId),
    );
  const rate = (c: PlannedCase, rating: number) =>
    act(c, 'rateCase', 'RateCaseInput', { rating }, tokens.resident(c.reporter?.id as string));

  /**
   * The morning (the clock at the day's start) of a case, by variant:
   * 0–3 a resident's request from report to rating 3–5; 4 the same, rated 2 (reopened); 5 a chief's
   * hazard from report to the rectification check; 6 a request left ASSIGNED (goes overdue); 7 a
   * patrol hazard left ACCEPTED (overdue, escalated); 8 a request left RESOLVED (auto-closed without
   * a rating); 9 rejected by staff, or (every other one) left REPORTED.
   */
  const morning = async (c: PlannedCase) => {
    await report(c);
    if (c.variant === 9) {
      if (c.i % 20 === 9)
        await act(c, 'rejectCase', 'CaseActionInput', { reason: '不属于受理范围' }, tokens.staff());
      return;
    }
    const byChief = !c.reporter;
    await accept(c, byChief ? tokens.chief(c.gridId) : tokens.staff());
    if (c.variant === 7) return;
    await assign(c, byChief ? tokens.chief(c.gridId) : tokens.staff());
    if (c.variant === 6) return;
    await start(c);
    await resolve(c);
    if (c.variant === 8) return;
    if (c.variant === 5) {
      await act(
        c,
        'confirmRectification',
        'CaseActionInput',
        { reason: '复查整改到位' },
        tokens.chief(c.gridId),
      );
      return;
    }
    await rate(c, c.variant === 4 ? 2 : 3 + (c.i % 3));
  };
  /** After the sweep, nine days later (November): the reopened and escalated requests are worked off, late. */
  const lateAfternoon = async (c: PlannedCase) => {
    if (c.variant === 4) {
      await assign(c);
      await start(c);
      await resolve(c);
      await rate(c, 4);
    } else if (c.variant === 6) {
      if (c.current?.state === 'ESCALATED')
        await act(
          c,
          'assignCase',
          'AssignCaseInput',
          { kind: 'CHIEF', chiefId: chiefOf(c.gridId), reason: '镇协调后交街长办理' },
          tokens.officer(),
        );
      await start(c);
      await resolve(c);
      await rate(c, 5);
    }
  };
  const chiefOf = (gridId: string) => stableId(`chief:${WORK_GRID_NUMBERS[WORK_GRIDS.indexOf(gridId)]}`);
  /** Reads the cases' states and versions back (the sweep moved some). */
  const refresh = async (planned: PlannedCase[]) => {
    await pool(planned, CONCURRENCY, async (c) => {
      const data = await ok(
        'case',
        gql<{ case: CaseRef }>(
          `query($id: ID!) { case(id: $id) { ${CASE} } }`,
          { id: c.current?.id },
          tokens.staff(),
        ),
      );
      c.current = data.case;
    });
  };
  const sweep = async () => {
    const job = service('cases').jobs.get('case-sweeper');
    if (!job) throw new Error('no case sweeper');
    await job.runOnce();
    await job.runOnce();
  };

  // --- roster -------------------------------------------------------------------------------------
  const CHIEF = 'id status';
  const chiefMutation = (name: string, input: string, i: Record<string, unknown>, token: string) =>
    ok(
      name,
      gql<Record<string, { id: string; status: string }>>(
        `mutation($i: ${input}!) { ${name}(input: $i) { ${CHIEF} } }`,
        { i },
        token,
      ),
    ).then((d) => d[name] as { id: string; status: string });

  it('runs the day: moves, chiefs, 500 cases, a vote; the broker and the feed each go down once', async () => {
    // Morning: 50 households of three move in.
    await moveInHouseholds(HOUSEHOLDS);
    const rosterDs = stack.roster.dataSource;
    const casesDs = service('cases').dataSource;
    let seen = '';
    await until(
      () => `every resident in the read models (${seen})`,
      async () => {
        const ids = residents.map((r) => r.id);
        const inRoster = await rosterDs.getRepository(ResidentRef).countBy(ids.map((id) => ({ id })));
        const inCases = await casesDs
          .getRepository(ResidentRef)
          .countBy(ids.map((id) => ({ id, status: 'ACTIVE' })));
        seen = `${inRoster} in the roster's, ${inCases} in cases' of ${ids.length}`;
        return inRoster === ids.length && inCases === ids.length;
      },
    );

    // Chiefs: chief 3 retires and a resident is appointed to grid 3 in their place; chief 10 retires
    // (grid 10 uncovered); chief 8 is suspended; one more candidate fails the vetting.
    const candidate = residents.find((r) => r.category === 'REGISTERED') as Resident;
    const failing = residents.filter((r) => r.category === 'REGISTERED')[1] as Resident;
    const nominator = residents[2] as Resident;
    const nominate = (r: Resident, name: string) =>
      chiefMutation(
        'nominateChief',
        'NominateChiefInput',
        { residentId: r.id, name, nominatorResidentId: nominator.id, reason: '群众推荐' },
        tokens.staff(),
      );
    const newChief = await nominate(candidate, '李新民');
    const rejected = await nominate(failing, '王不过');
    await chiefMutation(
      'vetChief',
      'VetChiefInput',
      { id: newChief.id, passed: true, reason: '考察合格', visitNotes: '走访十户', opinions: ['热心'] },
      tokens.staff(),
    );
    expect(
      (
        await chiefMutation(
          'vetChief',
          'VetChiefInput',
          {
            id: rejected.id,
            passed: false,
            reason: '考察未通过',
            visitNotes: '走访五户',
            opinions: ['意见较多'],
          },
          tokens.staff(),
        )
      ).status,
    ).toBe('REJECTED');
    await chiefMutation(
      'fileChief',
      'FileChiefInput',
      {
        id: newChief.id,
        filedOn: '2026-10-20T00:00:00.000Z',
        documentNumber: '蔡党备〔2026〕31号',
        reason: '备案',
      },
      tokens.officer(),
    );
    for (const n of [3, 10])
      await chiefMutation(
        'retireChief',
        'ChiefTransitionInput',
        { id: stableId(`chief:${n}`), reason: '任期届满' },
        tokens.officer(),
      );
    await chiefMutation(
      'suspendChief',
      'ChiefTransitionInput',
      { id: stableId('chief:8'), reason: '停职检查' },
      tokens.officer(),
    );
    expect(
      (
        await chiefMutation(
          'appointChief',
          'AppointChiefInput',
          {
            id: newChief.id,
            gridId: demoGridId(3),
            badge: 'CC-031',
            phone: '13800138031',
            reason: '任命',
            termStart: '2026-11-01T00:00:00.000Z',
            termEnd: '2029-10-31T00:00:00.000Z',
          },
          tokens.officer(),
        )
      ).status,
    ).toBe('APPOINTED');

    // The 500 cases, on the streets of the work grids (whose chiefs cases knows are appointed).
    await until(
      'the work grids’ chiefs in the cases read model',
      async () =>
        (await casesDs
          .getRepository(GridChief)
          .countBy(WORK_GRIDS.map((gridId) => ({ gridId, status: 'APPOINTED' })))) === WORK_GRIDS.length,
    );
    // Members of every fourth household on the work grids leave during the day; the others report.
    const leavers = residents.filter((r, i) => WORK_GRIDS.includes(r.gridId) && !r.head && i % 4 === 3);
    const reporters = residents.filter((r) => WORK_GRIDS.includes(r.gridId) && !leavers.includes(r));
    const workStreets = WORK_GRIDS.flatMap((g) => streetsOf.get(g) ?? []);
    const planned: PlannedCase[] = Array.from({ length: CASES }, (_, i) => {
      const variant = i % 10;
      const hazard = variant === 5 || variant === 7;
      const reporter = hazard ? undefined : reporters[i % reporters.length];
      const streetId = reporter?.streetId ?? (workStreets[i % workStreets.length] as string);
      return {
        i,
        variant,
        streetId,
        gridId: gridOf.get(streetId) as string,
        itemCode: hazard
          ? (HAZARD_ITEMS[Math.floor(i / 10) % HAZARD_ITEMS.length] as string)
          : (REQUEST_ITEMS[Math.floor(i / 10) % REQUEST_ITEMS.length] as string),
        reporter,
      };
    });
    const chunk = (k: number) => planned.slice((k * CASES) / 5, ((k + 1) * CASES) / 5);

    await pool(chunk(0), CONCURRENCY, morning);
    // The broker goes down: the services keep committing, their events wait in the outboxes.
    await kafka('stop');
    await Promise.all([pool(chunk(1), CONCURRENCY, morning), pool(leavers.slice(0, 6), 3, moveOut)]);
    const waiting = await casesDs.getRepository(OutboxEvent).countBy({
      publishedAt: IsNull(),
    });
    expect(waiting).toBeGreaterThan(0);
    await kafka('start');
    await pool(chunk(2), CONCURRENCY, morning);
    // The feed is killed (no clean shutdown) and comes back on its own database and group.
    await feed.kill();
    await Promise.all([pool(chunk(3), CONCURRENCY, morning), moveInHouseholds(5)]);
    feed = await startCountyFeed(feedOptions());
    await pool(chunk(4), CONCURRENCY, morning);

    // The next day (26 h later): missed responses are marked. Nine days on: missed resolutions,
    // escalations after two working days, auto-closes of unrated requests; then the late work.
    moveCasesClockTo('2026-10-27T03:00:00.000Z');
    await sweep();
    moveCasesClockTo('2026-11-04T02:00:00.000Z');
    await sweep();
    const late = planned.filter((c) => c.variant === 4 || c.variant === 6);
    await refresh(late);
    expect(late.filter((c) => c.current?.state === 'ESCALATED').length).toBeGreaterThan(0);
    await pool(late, CONCURRENCY, lateAfternoon);

    // More moves: the other leavers go, a last two families move in.
    await pool(leavers.slice(6), 3, moveOut);
    await moveInHouseholds(2);

    // A vote on grid 3's first street, of its adult residents: most of them vote, it is adopted.
    const voteStreet = streetsOf.get(demoGridId(3))?.[0] as string;
    const voters = residents.filter((r) => r.streetId === voteStreet && !movedOut.has(r.id));
    const delibDs = service('deliberation').dataSource;
    await until(
      'the vote street’s residents in the voters read model',
      async () =>
        (await delibDs
          .getRepository(PeopleVoter)
          .countBy(voters.map((v) => ({ id: v.id, status: 'ACTIVE' })))) === voters.length,
    );
    const matter = await ok(
      'draftMatter',
      gql<{ draftMatter: { id: string } }>(
        'mutation($i: DraftMatterInput!) { draftMatter(input: $i) { id } }',
        {
          i: {
            title: '河西街停车位分配',
            description: '按户轮换分配',
            kind: 'PARKING',
            scopeKind: 'STREET',
            scopeId: voteStreet,
            electorateKind: 'ADULT_RESIDENTS',
          },
        },
        tokens.staff(),
      ),
    ).then((d) => d.draftMatter.id);
    await ok(
      'openDiscussion',
      gql('mutation($id: ID!) { openDiscussion(id: $id) { status } }', { id: matter }, tokens.staff()),
    );
    const opened = await ok(
      'openVoting',
      gql<{ openVoting: { electorate: { size: number } } }>(
        'mutation($id: ID!, $c: DateTime!) { openVoting(id: $id, closesAt: $c, reason: "街区会后表决") { electorate { size } } }',
        { id: matter, c: new Date(Date.now() + 86_400_000).toISOString() },
        tokens.staff(),
      ),
    );
    expect(opened.openVoting.electorate.size).toBe(voters.length);
    const turnout = voters.slice(0, Math.ceil((voters.length * 5) / 6));
    await pool(turnout, CONCURRENCY, (v, i) =>
      ok(
        'castBallot',
        gql(
          'mutation($i: CastBallotInput!) { castBallot(input: $i) { receipt } }',
          { i: { matterId: matter, choices: [i % 5 === 4 ? 'AGAINST' : i % 7 === 6 ? 'ABSTAIN' : 'FOR'] } },
          tokens.resident(v.id),
        ),
      ),
    );
    const closed = await ok(
      'closeVote',
      gql<{ closeVote: { status: string } }>(
        'mutation($id: ID!) { closeVote(id: $id, reason: "表决结束") { status } }',
        { id: matter },
        tokens.staff(),
      ),
    );
    expect(closed.closeVote.status).toBe('ADOPTED');

    // Evening: every outbox drained, the feed caught up; every figure equals the gateway's.
    await until(
      'every service’s outbox published',
      async () => {
        for (const s of Object.values(stack.services))
          if ((await s.dataSource.getRepository(OutboxEvent).countBy({ publishedAt: IsNull() })) > 0)
            return false;
        return true;
      },
      120_000,
    );
    await feed.waitCaughtUp(180_000);
    const figureTokens: FigureTokens = { county: tokens.county(), staff: tokens.staff() };
    const fromGateway = await gatewayFigures(stack, figureTokens, ...MONTHS);
    const fromFeed = await feed.figures(...MONTHS);

    // The gateway's figures are the day's: what the script did, not only what the feed says.
    const stayed = residents.length - movedOut.size;
    expect(fromGateway.population.residents).toBe(stayed);
    expect(fromGateway.caseLedger.reduce((s, r) => s + r.opened, 0)).toBe(CASES);
    expect(fromGateway.caseLedger.reduce((s, r) => s + r.ratings, 0)).toBeGreaterThan(0);
    // Reported in October; the late resolutions and their ratings count in November.
    expect([...new Set(fromGateway.caseLedger.map((r) => r.month))].sort()).toEqual(['2026-10', '2026-11']);
    expect(
      fromGateway.caseLedger.filter((r) => r.month === '2026-11').reduce((s, r) => s + r.resolved, 0),
    ).toBeGreaterThan(0);
    expect(fromGateway.chiefs.byStatus).toEqual(
      expect.arrayContaining([
        { status: 'RETIRED', chiefs: 2 },
        { status: 'REJECTED', chiefs: 1 },
        { status: 'SUSPENDED', chiefs: 1 },
      ]),
    );
    expect(fromGateway.chiefs.streets - fromGateway.chiefs.streetsCovered).toBe(
      (streetsOf.get(demoGridId(8))?.length ?? 0) + (streetsOf.get(demoGridId(10))?.length ?? 0),
    );
    expect(fromGateway.votes).toHaveLength(1);

    expect(fromFeed).toEqual(fromGateway);
    const lag = await feed.lag();
    expect(lag).toEqual({ eventsBehind: 0 });
  }, 900_000);
});
