import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { CaseRecord } from '@sc/cases';
import { demoGridId, stableId } from '@sc/demo';
import { InboxEvent, OutboxEvent } from '@sc/events';
import { ResidentRef } from '@sc/people-contracts';
import { ActivitiesTopic, GridChief, RosterPlace } from '@sc/roster-contracts';
import { errorCodes, gqlRequest, TEST_KAFKA_BROKERS } from '@sc/testing';
import { startStack, type Stack } from './stack';

const STREET = stableId('street:正街');
const COMMUNITY = stableId('community');
const GRID = demoGridId(1);
const CHIEF_ID = stableId('chief:1');
const FINISHED_CAMPAIGN = stableId('campaign:百日攻坚');
const ACTIVE_CAMPAIGN = stableId('campaign:冬春火灾防控');
const CASE = 'id state version fullView reporter { id } description escalationLevel rating';

/** Polls until `check` holds (presence of what an event brings, never absence). */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

interface CaseView {
  id: string;
  state: string;
  version: number;
  fullView: boolean;
  reporter: { id: string } | null;
  description: string | null;
  escalationLevel: string;
  rating: number | null;
}

describe('cases through the gateway by role [starts: every service on MariaDB with the demo seeds, gateway; needs: MariaDB, Kafka]', () => {
  let stack: Stack;
  let ds: DataSource;
  let resident: string;
  let otherResident: string;
  const mint = (roles: Parameters<Stack['tokens']['mint']>[0], scopes: string[], subject: string) =>
    stack.tokens.mint(roles, { scopes, subject });
  const tokens = {
    resident: () => mint(['RESIDENT'], [`resident:${resident}`], `resident-${resident}`),
    otherResident: () => mint(['RESIDENT'], [`resident:${otherResident}`], `resident-${otherResident}`),
    chief: () => mint(['STREET_CHIEF'], [`grid:${GRID}`], 'chief-e2e-1'),
    otherChief: () => mint(['STREET_CHIEF'], [`grid:${demoGridId(2)}`], 'chief-e2e-2'),
    staff: () => mint(['COMMUNITY_STAFF'], ['community:caichang'], 'staff-e2e'),
    officer: () => mint(['TOWN_OFFICER'], ['community:caichang'], 'officer-e2e'),
    county: () => mint(['COUNTY_VIEWER'], [], 'county-e2e'),
  };
  const gql = <T>(query: string, variables: Record<string, unknown> = {}, token?: string) =>
    gqlRequest<T>(stack.gatewayUrl, query, variables, token);
  const inputType = (mutation: string) =>
    mutation === 'startCase' ? 'CaseActionInput' : `${mutation[0]?.toUpperCase()}${mutation.slice(1)}Input`;
  const act = (mutation: string, input: Record<string, unknown>, token: string) =>
    gql<Record<string, CaseView>>(
      `mutation($i: ${inputType(mutation)}!) { ${mutation}(input: $i) { ${CASE} } }`,
      { i: input },
      token,
    );
  const actOk = async (
    mutation: string,
    input: Record<string, unknown>,
    token: string,
  ): Promise<CaseView> => {
    const res = await act(mutation, input, token);
    expect([mutation, res.errors]).toEqual([mutation, undefined]);
    return res.data?.[mutation] as CaseView;
  };

  beforeAll(async () => {
    stack = await startStack('cases_roles', { people: { PEOPLE_SEED_DEMO: 'true' } });
    const cases = stack.services['cases'];
    if (!cases) throw new Error('cases did not start');
    ds = cases.dataSource;
    // Wait until cases knows what this stack's roster and people announced, then load the demo cases
    // (as CASES_SEED_DEMO would).
    const [people] = (await stack.people.dataSource.query(
      "SELECT COUNT(*) AS n FROM resident WHERE status = 'ACTIVE'",
    )) as { n: number | string }[];
    await until(
      'the roster street, grid chief and every resident in the cases read models',
      async () =>
        (await ds.getRepository(RosterPlace).existsBy({ id: STREET })) &&
        (await ds.getRepository(GridChief).existsBy({ gridId: GRID, status: 'APPOINTED' })) &&
        (await ds.getRepository(ResidentRef).countBy({ status: 'ACTIVE' })) >= Number(people?.n),
      120_000,
    );
    await cases.seed();
    const [a, b] = await ds
      .getRepository(ResidentRef)
      .find({ where: { streetId: STREET, status: 'ACTIVE' }, order: { id: 'ASC' }, take: 2 });
    resident = a?.id as string;
    otherResident = b?.id as string;
  }, 1_000_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('walks a case from report to rating by role, each refusal where it must be; the public view leaks no reporter', async () => {
    const report = {
      channel: 'PLATFORM',
      streetId: STREET,
      spot: '正街 23 号门口',
      description: '垃圾桶满了三天没人清运',
      itemCode: 'GARBAGE_COLLECTION_LATE',
    };
    const before = await ds.getRepository(CaseRecord).count();
    expect(errorCodes(await act('reportCase', report, ''))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await act('reportCase', report, tokens.county()))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await act('reportCase', { ...report, channel: 'PHONE' }, tokens.resident()))).toEqual([
      'FORBIDDEN',
    ]);
    expect(
      errorCodes(
        await act('reportCase', { ...report, reporterResidentId: otherResident }, tokens.resident()),
      ),
    ).toEqual(['FORBIDDEN']);
    const unknown = await act('reportCase', { ...report, streetId: randomUUID() }, tokens.resident());
    expect(unknown.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.streetId',
    });
    expect(await ds.getRepository(CaseRecord).count()).toBe(before);

    // RESIDENT files.
    let c = await actOk('reportCase', report, tokens.resident());
    expect(c).toMatchObject({ state: 'REPORTED', fullView: true, reporter: { id: resident } });
    const id = c.id;

    // Anonymous: the public view, with the street from the roster; no reporter anywhere in the answer.
    const publicView = await gql<{ case: Record<string, unknown> }>(
      `query($id: ID!) { case(id: $id) { ${CASE} street { id name } transitions { totalCount } } }`,
      { id },
    );
    expect(publicView.errors).toBeUndefined();
    expect(publicView.data?.case).toMatchObject({
      fullView: false,
      reporter: null,
      description: null,
      transitions: null,
      street: { id: STREET, name: '正街' },
    });
    const onStreet = await gql<{ street: { cases: { totalCount: number; nodes: { id: string }[] } } }>(
      'query($s: ID!) { street(id: $s) { name cases(first: 100) { totalCount nodes { id fullView reporter { id } } } } }',
      { s: STREET },
    );
    expect(onStreet.errors).toBeUndefined();
    expect(onStreet.data?.street.cases.nodes.map((n) => n.id)).toContain(id);
    expect(JSON.stringify([publicView, onStreet])).not.toContain(resident);
    // COUNTY_VIEWER: statistics only, so the public view too.
    const county = await gql<{ case: CaseView }>(
      `query($id: ID!) { case(id: $id) { ${CASE} } }`,
      { id },
      tokens.county(),
    );
    expect(county.data?.case).toMatchObject({ fullView: false, reporter: null });
    expect(errorCodes(await gql('{ cases(first: 1) { totalCount } }', {}, tokens.county()))).toEqual([
      'FORBIDDEN',
    ]);

    // Resident.cases: own cases for the resident and staff; the chief of the grid sees the case, not the list.
    const ownList = `query($id: ID!) { case(id: $id) { reporter { id cases(first: 50) { totalCount nodes { id } } } } }`;
    const own = await gql<{ case: { reporter: { cases: { nodes: { id: string }[] } | null } } }>(
      ownList,
      { id },
      tokens.resident(),
    );
    expect(own.errors).toBeUndefined();
    expect(own.data?.case.reporter.cases?.nodes.map((n) => n.id)).toContain(id);
    const byStaff = await gql<{ case: { reporter: { cases: { totalCount: number } | null } } }>(
      ownList,
      { id },
      tokens.staff(),
    );
    expect(byStaff.data?.case.reporter.cases?.totalCount).toBeGreaterThanOrEqual(1);
    const byChief = await gql<{ case: { reporter: { cases: unknown } } }>(ownList, { id }, tokens.chief());
    expect(byChief.errors).toBeUndefined();
    expect(byChief.data?.case.reporter.cases).toBeNull();

    // COMMUNITY_STAFF triages: others may not; a stale version is a CONFLICT naming the state.
    const accept = { id, version: c.version };
    for (const token of [tokens.otherChief(), tokens.county(), tokens.resident()]) {
      expect(errorCodes(await act('acceptCase', accept, token))).toEqual(['FORBIDDEN']);
    }
    c = await actOk('acceptCase', accept, tokens.staff());
    expect(c.state).toBe('ACCEPTED');
    const stale = await act('acceptCase', accept, tokens.staff());
    expect(errorCodes(stale)).toEqual(['CONFLICT']);

    // Default assignment: the appointed chief of the grid, whose name comes from the roster.
    const assigned = await gql<{
      assignCase: { version: number; assignee: { kind: string; chief: { id: string; name: string } } };
    }>(
      'mutation($i: AssignCaseInput!) { assignCase(input: $i) { version assignee { kind chief { id name } } } }',
      { i: { id, version: c.version } },
      tokens.staff(),
    );
    expect(assigned.errors).toBeUndefined();
    expect(assigned.data?.assignCase.assignee).toEqual({
      kind: 'CHIEF',
      chief: { id: CHIEF_ID, name: '张德明' },
    });
    let version = assigned.data?.assignCase.version as number;

    // STREET_CHIEF of the grid handles; another grid's chief may not.
    const start = { id, version, reason: '签收办理' };
    expect(errorCodes(await act('startCase', start, tokens.otherChief()))).toEqual(['FORBIDDEN']);
    c = await actOk('startCase', start, tokens.chief());
    expect(c.state).toBe('IN_PROGRESS');
    const load = `{ grid(id: "${GRID}") { openCases(first: 5) { totalCount } chief { id caseload { open overdue } } } }`;
    const chiefLoad = await gql<{
      grid: { openCases: { totalCount: number }; chief: { caseload: { open: number } | null } };
    }>(load, {}, tokens.chief());
    expect(chiefLoad.errors).toBeUndefined();
    expect(chiefLoad.data?.grid.openCases.totalCount).toBeGreaterThanOrEqual(1);
    expect(chiefLoad.data?.grid.chief.caseload?.open).toBeGreaterThanOrEqual(1);
    for (const token of [tokens.otherChief(), tokens.resident(), undefined]) {
      const hidden = await gql<{ grid: { chief: { caseload: unknown } } }>(load, {}, token);
      expect(hidden.errors).toBeUndefined();
      expect(hidden.data?.grid.chief.caseload).toBeNull();
    }

    // The chief escalates; TOWN_OFFICER takes the escalation and hands it back to the chief.
    expect(
      errorCodes(
        await act('escalateCase', { id, version: c.version, reason: '需镇协调' }, tokens.resident()),
      ),
    ).toEqual(['FORBIDDEN']);
    c = await actOk('escalateCase', { id, version: c.version, reason: '需镇协调清运车辆' }, tokens.chief());
    expect(c).toMatchObject({ state: 'ESCALATED', escalationLevel: 'TOWN' });
    const escalations = await gql<{ cases: { nodes: { id: string }[] } }>(
      '{ cases(first: 100, filter: { states: [ESCALATED] }) { nodes { id } } }',
      {},
      tokens.officer(),
    );
    expect(escalations.data?.cases.nodes.map((n) => n.id)).toContain(id);
    c = await actOk(
      'assignCase',
      { id, version: c.version, kind: 'CHIEF', chiefId: CHIEF_ID, reason: '镇协调后交街长办理' },
      tokens.officer(),
    );
    expect(c.state).toBe('ASSIGNED');
    c = await actOk('startCase', { id, version: c.version, reason: '开始办理' }, tokens.chief());
    version = c.version;
    const resolved = await gql<{ resolveCase: CaseView }>(
      `mutation($i: ResolveCaseInput!) { resolveCase(input: $i) { ${CASE} } }`,
      { i: { id, version, outcome: 'FIXED', resolution: '已联系清运车辆清运' } },
      tokens.chief(),
    );
    expect(resolved.data?.resolveCase.state).toBe('RESOLVED');
    version = resolved.data?.resolveCase.version as number;

    // Only the reporter rates.
    const rate = { id, version, rating: 5 };
    expect(errorCodes(await act('rateCase', rate, tokens.otherResident()))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await act('rateCase', rate, tokens.chief()))).toEqual(['FORBIDDEN']);
    c = await actOk('rateCase', rate, tokens.resident());
    expect(c).toMatchObject({ state: 'CLOSED', rating: 5 });

    // The history names each action as a CaseAction enum value too (issue 15 §4), equal to the string.
    const history = await gql<{ case: { transitions: { nodes: { action: string; actionType: string }[] } } }>(
      'query($id: ID!) { case(id: $id) { transitions(first: 50) { nodes { action actionType } } } }',
      { id },
      tokens.staff(),
    );
    expect(history.errors).toBeUndefined();
    const actions = history.data!.case.transitions.nodes;
    expect(actions.map((t) => t.actionType)).toEqual(actions.map((t) => t.action));
    expect(actions[0]!.actionType).toBe('REPORT');
    expect(actions.map((t) => t.actionType)).toEqual(
      expect.arrayContaining(['ASSIGN', 'START', 'RESOLVE', 'RATE']),
    );

    // Statistics: the county viewer reads the ledger; anonymous callers do not.
    const month = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7);
    const ledger = `{ caseLedger(scope: { kind: COMMUNITY, id: "${COMMUNITY}" }, fromMonth: "${month}", toMonth: "${month}") { opened closed ratings satisfied } }`;
    const stats = await gql<{ caseLedger: { opened: number; closed: number; ratings: number }[] }>(
      ledger,
      {},
      tokens.county(),
    );
    expect(stats.errors).toBeUndefined();
    expect(stats.data?.caseLedger[0]?.closed).toBeGreaterThanOrEqual(1);
    expect(errorCodes(await gql(ledger))).toEqual(['UNAUTHENTICATED']);
  }, 120_000);

  it("shows the demo's campaigns through the one graph; staff and chiefs record actions, others are refused", async () => {
    const finished = await gql<{
      campaign: { state: string; targets: { name: string; goal: number; achieved: number }[] };
    }>(`{ campaign(id: "${FINISHED_CAMPAIGN}") { state days targets { name goal achieved } } }`);
    expect(finished.errors).toBeUndefined();
    expect(finished.data?.campaign.state).toBe('ENDED');
    const achieved = Object.fromEntries(
      finished.data?.campaign.targets.map((t) => [t.name, t.achieved]) ?? [],
    );
    expect(achieved).toMatchObject({ HAZARDS_FOUND: 320, HAZARDS_RECTIFIED: 320, CAMERAS_INSTALLED: 135 });
    expect(achieved['HOUSEHOLDS_VISITED']).toBeGreaterThanOrEqual(1_800);
    const list = await gql<{ campaigns: { totalCount: number } }>(
      '{ campaigns(first: 10) { totalCount nodes { id name state } } }',
    );
    expect(list.data?.campaigns.totalCount).toBeGreaterThanOrEqual(2);

    const record = (campaignId: string, token: string) =>
      gql<{ recordCampaignAction: { quantity: number; street: { name: string } } }>(
        'mutation($i: RecordCampaignActionInput!) { recordCampaignAction(input: $i) { quantity street { name } } }',
        { i: { campaignId, target: 'HOUSEHOLDS_VISITED', quantity: 4, streetId: STREET, note: '入户宣传' } },
        token,
      );
    const progress = async () =>
      (
        await gql<{ campaign: { targets: { name: string; achieved: number }[] } }>(
          `{ campaign(id: "${ACTIVE_CAMPAIGN}") { targets { name achieved } } }`,
        )
      ).data?.campaign.targets.find((t) => t.name === 'HOUSEHOLDS_VISITED')?.achieved ?? -1;
    const startedAt = await progress();
    const recorded = await record(ACTIVE_CAMPAIGN, tokens.chief());
    expect(recorded.errors).toBeUndefined();
    expect(recorded.data?.recordCampaignAction).toEqual({ quantity: 4, street: { name: '正街' } });
    expect(errorCodes(await record(ACTIVE_CAMPAIGN, tokens.otherChief()))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await record(ACTIVE_CAMPAIGN, tokens.county()))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await record(ACTIVE_CAMPAIGN, ''))).toEqual(['UNAUTHENTICATED']);
    const ended = await record(FINISHED_CAMPAIGN, tokens.staff());
    expect(errorCodes(ended)).toEqual(['CONFLICT']);
    expect(ended.errors?.[0]?.message).toContain('ENDED');
    expect(await progress()).toBe(startedAt + 4);
  }, 60_000);

  it('turns a patrol finding recorded through the gateway into exactly one case, read back after a forced redelivery', async () => {
    const patrol = await gql<{ recordPatrol: { id: string } }>(
      'mutation($i: RecordPatrolInput!) { recordPatrol(input: $i) { id } }',
      {
        i: {
          streetId: STREET,
          patrolledAt: new Date(Date.now() - 3_600_000).toISOString(),
          route: '正街全线',
          findings: '正街 8 号楼道堆放杂物堵塞消防通道',
          hazardCount: 1,
          requestCount: 0,
          needsAction: true,
        },
      },
      tokens.chief(),
    );
    expect(patrol.errors).toBeUndefined();
    const patrolId = patrol.data?.recordPatrol.id as string;
    await until('the patrol case', () => ds.getRepository(CaseRecord).existsBy({ patrolId }));

    // Redeliver the roster's very event (same id), then a copy under a new id (a producer retry), both
    // keyed by the patrol (one partition, in order); once the copy is in the inbox, the first was read too.
    const original = await stack.roster.dataSource
      .getRepository(OutboxEvent)
      .findOneByOrFail({ aggregateId: patrolId, type: 'cn.caichang.roster.patrol.finding-recorded.v1' });
    const envelope = JSON.parse(original.envelope) as { id: string };
    const copyId = randomUUID();
    const kafka = new Kafka({
      clientId: 'cases-e2e',
      brokers: TEST_KAFKA_BROKERS,
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      const message = (value: object) => ({
        key: patrolId,
        headers: { 'content-type': 'application/cloudevents+json' },
        value: JSON.stringify(value),
      });
      await producer.send({
        topic: stack.topicPrefix + ActivitiesTopic.name,
        messages: [message(envelope), message({ ...envelope, id: copyId })],
      });
    } finally {
      await producer.disconnect();
    }
    await until('the redelivered copy in the cases inbox', () =>
      ds.getRepository(InboxEvent).existsBy({ eventId: copyId }),
    );
    const rows = await ds.getRepository(CaseRecord).findBy({ patrolId });
    expect(rows).toHaveLength(1);

    const readBack = await gql<{ cases: { nodes: { id: string; channel: string; description: string }[] } }>(
      '{ cases(first: 100, filter: { channel: PATROL, streetId: "' +
        STREET +
        '" }) { nodes { id channel description } } }',
      {},
      tokens.chief(),
    );
    expect(readBack.errors).toBeUndefined();
    const mine = readBack.data?.cases.nodes.filter((n) => n.id === rows[0]?.id) ?? [];
    expect(mine).toEqual([
      { id: rows[0]?.id, channel: 'PATROL', description: '正街 8 号楼道堆放杂物堵塞消防通道' },
    ]);
  }, 120_000);

  it('lets ADMIN edit a taxonomy item through the gateway (a new version); others are refused (ADR 0048)', async () => {
    const admin = mint(['ADMIN'], [], 'admin-e2e');
    const revise = `mutation($i: ReviseTaxonomyItemInput!) { reviseTaxonomyItem(input: $i) { code version resolveLimit { value unit } } }`;
    const input = {
      code: 'GREENERY_UPKEEP',
      expectedVersion: 1,
      resolveLimit: { value: 10, unit: 'WORKING_DAYS' },
      reason: 'e2e',
    };
    expect(errorCodes(await gql(revise, { i: input }))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await gql(revise, { i: input }, tokens.staff()))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(revise, { i: { ...input, reason: '' } }, admin))).toEqual(['BAD_USER_INPUT']);
    const res = await gql<{ reviseTaxonomyItem: unknown }>(revise, { i: input }, admin);
    expect(res.errors).toBeUndefined();
    expect(res.data?.reviseTaxonomyItem).toEqual({
      code: 'GREENERY_UPKEEP',
      version: 2,
      resolveLimit: { value: 10, unit: 'WORKING_DAYS' },
    });
    expect(errorCodes(await gql(revise, { i: input }, admin))).toEqual(['CONFLICT']);
    const tax = await gql<{ taxonomy: { code: string; items: { code: string; version: number }[] }[] }>(
      '{ taxonomy { code items { code version } } }',
    );
    const item = tax.data?.taxonomy.flatMap((c) => c.items).find((i) => i.code === 'GREENERY_UPKEEP');
    expect(item).toEqual({ code: 'GREENERY_UPKEEP', version: 2 });
  });
});
