import { ActivitiesTopic, ChiefsTopic, GridsTopic, SignboardsTopic } from '@sc/roster-contracts';
import { KafkaEventProbe, type RecordedEvent } from '@sc/events';
import { demoGridId, stableId, DEMO_CHIEFS } from '@sc/roster';
import { errorCodes, gqlRequest, TEST_KAFKA_BROKERS, type GraphQLResponse } from '@sc/testing';
import { startStack, type Stack } from './stack';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CHIEF_FIELDS = 'id name status phone badge nominationCount grid { id name } resident { id }';
const M = {
  nominate: `mutation($i: NominateChiefInput!) { nominateChief(input: $i) { ${CHIEF_FIELDS} } }`,
  vet: `mutation($i: VetChiefInput!) { vetChief(input: $i) { ${CHIEF_FIELDS} } }`,
  file: `mutation($i: FileChiefInput!) { fileChief(input: $i) { ${CHIEF_FIELDS} filedOn filingDocument } }`,
  appoint: `mutation($i: AppointChiefInput!) { appointChief(input: $i) { ${CHIEF_FIELDS} termStart termEnd } }`,
  suspend: `mutation($i: ChiefTransitionInput!) { suspendChief(input: $i) { ${CHIEF_FIELDS} } }`,
  resume: `mutation($i: ChiefTransitionInput!) { resumeChief(input: $i) { ${CHIEF_FIELDS} } }`,
  retire: `mutation($i: ChiefTransitionInput!) { retireChief(input: $i) { ${CHIEF_FIELDS} } }`,
  reject: `mutation($i: ChiefTransitionInput!) { rejectChief(input: $i) { ${CHIEF_FIELDS} } }`,
  setGridPlaces: `mutation($i: SetGridPlacesInput!) { setGridPlaces(input: $i) { id name streets { totalCount nodes { name } } } }`,
  reprint: `mutation($id: ID!) { markSignboardReprinted(id: $id) { code printedVersion outOfDate } }`,
  training: `mutation($i: RecordTrainingInput!) { recordTraining(input: $i) { id topic attendees { totalCount nodes { name } } } }`,
  patrol: `mutation($i: RecordPatrolInput!) { recordPatrol(input: $i) { id needsAction chief { name } street { name } grid { name } } }`,
};
const UNCOVERED = '{ uncoveredStreets(first: 50) { totalCount nodes { id name } } }';
const OUT_OF_DATE = '{ signboards(first: 100, outOfDate: true) { totalCount nodes { id code } } }';
const TERM = { termStart: '2026-03-01T00:00:00.000Z', termEnd: '2029-02-28T00:00:00.000Z' };

describe('roster chiefs, grids and signboards through the gateway [starts: roster subgraph on MariaDB, gateway; needs: MariaDB, Kafka]', () => {
  let stack: Stack;
  let probe: KafkaEventProbe;
  let gql: (
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ) => Promise<GraphQLResponse<Data>>;
  let tokens: Record<'staff' | 'officer' | 'admin' | 'county', string>;
  const resident = (subject: string) => stack.tokens.mint(['RESIDENT'], { subject });
  const chiefToken = (n: number) =>
    stack.tokens.mint(['STREET_CHIEF'], {
      subject: stableId(`account:chief0${n}`),
      scopes: [`grid:${demoGridId(n)}`],
    });

  beforeAll(async () => {
    stack = await startStack('chiefs', { people: { PEOPLE_SEED_DEMO: 'true' } });
    probe = await KafkaEventProbe.start({
      brokers: TEST_KAFKA_BROKERS,
      topics: [GridsTopic.name, ChiefsTopic.name, SignboardsTopic.name, ActivitiesTopic.name],
      topicPrefix: stack.topicPrefix,
    });
    gql = (query, variables = {}, token) => gqlRequest<Data>(stack.gatewayUrl, query, variables, token);
    tokens = {
      staff: stack.tokens.mint(['COMMUNITY_STAFF'], { subject: 'staff-1' }),
      officer: stack.tokens.mint(['TOWN_OFFICER'], { subject: 'officer-1' }),
      admin: stack.tokens.mint(['ADMIN'], { subject: 'admin-1' }),
      county: stack.tokens.mint(['COUNTY_VIEWER']),
    };
  }, 180_000);
  afterAll(async () => {
    await probe?.stop();
    await stack?.stop();
  });

  const ok = (res: GraphQLResponse<Data>): Data => {
    expect(res.errors).toBeUndefined();
    return res.data!;
  };
  const ofType = (type: string, key?: string) => (r: RecordedEvent) =>
    r.event?.type === type && (key === undefined || r.key === key);

  it('serves the public roster with no token: 10 appointed chiefs, 30 boards, no uncovered street', async () => {
    const data = ok(
      await gql(`{
        chiefs(status: APPOINTED, first: 20) { totalCount nodes { name phone badge resident { id } grid { name streets { nodes { name } } } } }
        signboards(first: 50) { totalCount nodes { code outOfDate publicPath content { title entries { gridName streets chiefName chiefPhone chiefBadge } } } }
        uncoveredStreets { totalCount }
      }`),
    );
    expect(data['chiefs'].totalCount).toBe(10);
    expect(data['chiefs'].nodes[0]).toEqual({
      name: '张德明',
      phone: DEMO_CHIEFS[0]!.phone,
      badge: 'CC-001',
      resident: { id: stableId('resident:101') },
      grid: { name: '正街网格', streets: { nodes: [{ name: '正街' }, { name: '新街' }] } },
    });
    expect(data['signboards'].totalCount).toBe(30);
    expect(data['signboards'].nodes).toHaveLength(30);
    const board = data['signboards'].nodes.find((b: Data) => b.code === 'CC-SB-05');
    expect(board).toEqual({
      code: 'CC-SB-05',
      outOfDate: false,
      publicPath: '/signboards/CC-SB-05',
      content: {
        title: '正街街长公示牌',
        entries: [
          {
            gridName: '正街网格',
            streets: ['正街', '新街'],
            chiefName: '张德明',
            chiefPhone: DEMO_CHIEFS[0]!.phone,
            chiefBadge: 'CC-001',
          },
        ],
      },
    });
    expect(data['signboards'].nodes.find((b: Data) => b.code === 'CC-SB-01').content.entries).toHaveLength(
      10,
    );
    expect(data['uncoveredStreets'].totalCount).toBe(0);
    // Candidates are not public.
    expect(errorCodes(await gql('{ chiefs(status: NOMINATED) { totalCount } }'))).toEqual([
      'UNAUTHENTICATED',
    ]);
  });

  it('a grid change marks exactly the affected boards out of date and the events arrive on Kafka', async () => {
    const grid = demoGridId(1);
    const streets = [stableId('street:正街')];
    const refused = await gql(
      M.setGridPlaces,
      { i: { id: grid, streetIds: streets, reason: '调整' } },
      chiefToken(1),
    );
    expect(errorCodes(refused)).toEqual(['FORBIDDEN']);

    const changed = ok(
      await gql(M.setGridPlaces, { i: { id: grid, streetIds: streets, reason: '调整' } }, tokens.staff),
    );
    expect(changed['setGridPlaces'].streets).toEqual({ totalCount: 1, nodes: [{ name: '正街' }] });

    const expected = ['CC-SB-01', 'CC-SB-02', 'CC-SB-05', 'CC-SB-06', 'CC-SB-28', 'CC-SB-30'];
    const boards = ok(await gql(OUT_OF_DATE));
    expect(boards['signboards'].nodes.map((b: Data) => b.code)).toEqual(expected);
    expect(ok(await gql(UNCOVERED))['uncoveredStreets'].nodes).toEqual([
      { id: stableId('street:新街'), name: '新街' },
    ]);

    // The demo seed's own grid.changed events may still be on their way: wait for this change's.
    const gridEvent = await probe.waitFor(
      (r) =>
        ofType('cn.caichang.roster.grid.changed.v1', grid)(r) &&
        (r.event?.data as Data)['actor'] === 'staff-1',
    );
    expect(gridEvent.topic).toBe(GridsTopic.name);
    expect(gridEvent.event?.data).toEqual({
      id: grid,
      name: '正街网格',
      streetIds: streets,
      courtyardIds: [],
      actor: 'staff-1',
    });
    const flagged = await probe.waitForCount(
      ofType('cn.caichang.roster.signboard.out-of-date.v1'),
      expected.length,
    );
    expect(flagged.map((r) => (r.event?.data as { code: string }).code).sort()).toEqual(expected);
    expect(flagged.every((r) => r.topic === SignboardsTopic.name && r.key === r.event?.subject)).toBe(true);

    // Put 新街 back and reprint: every board is current again.
    ok(
      await gql(
        M.setGridPlaces,
        { i: { id: grid, streetIds: [...streets, stableId('street:新街')], reason: '恢复' } },
        tokens.staff,
      ),
    );
    expect(ok(await gql(OUT_OF_DATE))['signboards'].totalCount).toBe(0);
    // The boards went back to their printed content, so nothing needs reprinting; reprint one anyway.
    const reprinted = ok(await gql(M.reprint, { id: stableId('signboard:CC-SB-05') }, tokens.officer));
    expect(reprinted['markSignboardReprinted']).toEqual({
      code: 'CC-SB-05',
      printedVersion: 2,
      outOfDate: false,
    });
    await probe.waitFor(ofType('cn.caichang.roster.signboard.reprinted.v1', stableId('signboard:CC-SB-05')));
    expect(errorCodes(await gql(M.reprint, { id: stableId('signboard:CC-SB-05') }, resident('r-1')))).toEqual(
      ['FORBIDDEN'],
    );
  });

  it('takes a chief through the whole lifecycle with the token of each role, refusing each role where it must', async () => {
    const candidate = stableId('resident:111');
    const nominate = (token: string | undefined, nominatorResidentId?: string) =>
      gql(
        M.nominate,
        { i: { residentId: candidate, name: '孙文斌', nominatorResidentId, reason: '为人公道' } },
        token,
      );

    expect(errorCodes(await nominate(undefined))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await nominate(chiefToken(2)))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await nominate(tokens.county))).toEqual(['FORBIDDEN']);
    const first = ok(await nominate(resident(stableId('resident:301'))))['nominateChief'];
    expect(first).toMatchObject({
      status: 'NOMINATED',
      nominationCount: 1,
      resident: { id: candidate },
      phone: null,
    });
    ok(await nominate(resident(stableId('resident:302'))));
    const third = ok(await nominate(tokens.staff, stableId('resident:303')))['nominateChief'];
    expect(third).toMatchObject({ id: first.id, nominationCount: 3 });
    expect(errorCodes(await nominate(resident(stableId('resident:301'))))).toEqual(['CONFLICT']);
    const id: string = first.id;
    // A candidate is not public.
    expect(ok(await gql('query($id: ID!) { chief(id: $id) { id } }', { id }))['chief']).toBeNull();

    const vet = {
      i: { id, passed: true, reason: '考察合格', visitNotes: '走访邻里十户', opinions: ['办事热心'] },
    };
    expect(errorCodes(await gql(M.vet, vet, resident('r-9')))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(M.vet, vet, tokens.officer))).toEqual(['FORBIDDEN']);
    expect(ok(await gql(M.vet, vet, tokens.staff))['vetChief'].status).toBe('VETTED');

    const file = {
      i: { id, filedOn: '2026-02-20T00:00:00.000Z', documentNumber: '蔡党备〔2026〕11号', reason: '备案' },
    };
    expect(errorCodes(await gql(M.file, file, tokens.staff))).toEqual(['FORBIDDEN']);
    expect(ok(await gql(M.file, file, tokens.officer))['fileChief']).toMatchObject({
      status: 'FILED',
      filingDocument: '蔡党备〔2026〕11号',
    });

    // Grid 3 is held: appointing there is a CONFLICT until its chief retires.
    const appoint = {
      i: { id, gridId: demoGridId(3), badge: 'CC-011', phone: '13800138111', reason: '任命', ...TERM },
    };
    expect(errorCodes(await gql(M.appoint, appoint, tokens.staff))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(M.appoint, appoint, tokens.officer))).toEqual(['CONFLICT']);
    const retire = { i: { id: stableId('chief:3'), reason: '任期届满' } };
    expect(errorCodes(await gql(M.retire, retire, chiefToken(3)))).toEqual(['FORBIDDEN']);
    expect(ok(await gql(M.retire, retire, tokens.officer))['retireChief'].status).toBe('RETIRED');
    expect(ok(await gql(UNCOVERED))['uncoveredStreets'].totalCount).toBe(3);

    const appointed = ok(await gql(M.appoint, appoint, tokens.officer))['appointChief'];
    expect(appointed).toMatchObject({
      status: 'APPOINTED',
      badge: 'CC-011',
      phone: '13800138111',
      grid: { id: demoGridId(3), name: '河西网格' },
      ...TERM,
    });
    expect(ok(await gql(UNCOVERED))['uncoveredStreets'].totalCount).toBe(0);
    const event = await probe.waitFor(ofType('cn.caichang.roster.chief.appointed.v1', id));
    expect(event.topic).toBe(ChiefsTopic.name);
    expect(event.event?.data).toMatchObject({
      id,
      gridId: demoGridId(3),
      residentId: candidate,
      badge: 'CC-011',
    });

    const move = { i: { id, reason: '违反纪律' } };
    expect(errorCodes(await gql(M.resume, move, tokens.officer))).toEqual(['CONFLICT']);
    const illegal = await gql(M.resume, move, tokens.officer);
    expect(illegal.errors?.[0]?.extensions?.['currentState']).toBe('APPOINTED');
    expect(illegal.errors?.[0]?.message).toContain('APPOINTED');
    expect(ok(await gql(M.suspend, move, tokens.officer))['suspendChief'].status).toBe('SUSPENDED');
    expect(ok(await gql(UNCOVERED))['uncoveredStreets'].totalCount).toBe(3);
    expect(
      ok(await gql(M.resume, { i: { id, reason: '整改到位' } }, tokens.officer))['resumeChief'].status,
    ).toBe('APPOINTED');
    expect(
      ok(await gql(M.retire, { i: { id, reason: '搬离本社区' } }, tokens.admin))['retireChief'].status,
    ).toBe('RETIRED');
    expect(errorCodes(await gql(M.reject, { i: { id, reason: 'x' } }, tokens.officer))).toEqual(['CONFLICT']);

    const history = await gql(
      `query($id: ID!) { chief(id: $id) { status nominations { totalCount } transitions(first: 20) { totalCount nodes { action fromStatus toStatus actor reason at } } } }`,
      { id },
      tokens.staff,
    );
    const chief = ok(history)['chief'];
    expect(chief.nominations.totalCount).toBe(3);
    expect(chief.transitions.nodes.map((t: Data) => [t.action, t.toStatus, t.actor, t.reason])).toEqual([
      ['NOMINATE', 'NOMINATED', stableId('resident:301'), '为人公道'],
      ['VET_PASS', 'VETTED', 'staff-1', '考察合格'],
      ['FILE', 'FILED', 'officer-1', '备案'],
      ['APPOINT', 'APPOINTED', 'officer-1', '任命'],
      ['SUSPEND', 'SUSPENDED', 'officer-1', '违反纪律'],
      ['RESUME', 'APPOINTED', 'officer-1', '整改到位'],
      ['RETIRE', 'RETIRED', 'admin-1', '搬离本社区'],
    ]);
    expect(
      errorCodes(
        await gql('query($id: ID!) { chief(id: $id) { transitions { totalCount } } }', {
          id: stableId('chief:1'),
        }),
      ),
    ).toEqual(['UNAUTHENTICATED']);
    for (const type of ['nominated', 'vetted', 'filed', 'suspended', 'resumed', 'retired'])
      await probe.waitFor(ofType(`cn.caichang.roster.chief.${type}.v1`, id));
  });

  it('refuses bad input with BAD_USER_INPUT naming the field', async () => {
    const res = await gql(
      M.appoint,
      {
        i: {
          id: '5b2f0c1e-1d0a-4c55-9f43-3c1f7a9e2b10',
          gridId: demoGridId(1),
          badge: 'bad badge',
          phone: '12345',
          reason: '任命',
          ...TERM,
        },
      },
      tokens.officer,
    );
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors?.[0]?.extensions?.['field']).toBe('input.badge');
  });

  it('two appointments racing for one grid through the gateway: one appointed chief, one CONFLICT', async () => {
    const ids: string[] = [];
    for (const n of [121, 122]) {
      const c = ok(
        await gql(
          M.nominate,
          {
            i: {
              residentId: stableId(`resident:${n}`),
              name: `候选${n}`,
              nominatorResidentId: stableId('resident:399'),
              reason: '推荐',
            },
          },
          tokens.staff,
        ),
      )['nominateChief'];
      ok(
        await gql(M.vet, { i: { id: c.id, passed: true, reason: '合格', visitNotes: '走访' } }, tokens.staff),
      );
      ok(
        await gql(
          M.file,
          { i: { id: c.id, filedOn: '2026-02-20T00:00:00.000Z', documentNumber: `D-${n}`, reason: '备案' } },
          tokens.officer,
        ),
      );
      ids.push(c.id);
    }
    ok(await gql(M.retire, { i: { id: stableId('chief:5'), reason: '任期届满' } }, tokens.officer));
    const results = await Promise.all(
      ids.map((id, i) =>
        gql(
          M.appoint,
          {
            i: {
              id,
              gridId: demoGridId(5),
              badge: `CC-0${30 + i}`,
              phone: '13800138222',
              reason: '任命',
              ...TERM,
            },
          },
          tokens.officer,
        ),
      ),
    );
    expect(results.map((r) => errorCodes(r)).sort()).toEqual([[], ['CONFLICT']]);
    const grid = ok(
      await gql('query($id: ID!) { grid(id: $id) { chief { id status } } }', { id: demoGridId(5) }),
    );
    expect(ids).toContain(grid['grid'].chief.id);
    // 10 demo chiefs − the lifecycle chief (retired) − chief 5 (retired) + the winner.
    expect(ok(await gql('{ chiefs { totalCount } }'))['chiefs'].totalCount).toBe(9);
  });

  it('records trainings with attendance and patrols of own grid, publishing the finding for the cases service', async () => {
    const chiefs = [stableId('chief:1'), stableId('chief:2')];
    const input = {
      topic: 'FIRE_DRILL',
      title: '消防演练',
      heldAt: '2026-04-01T02:00:00.000Z',
      trainer: '镇消防站',
      chiefIds: chiefs,
    };
    expect(errorCodes(await gql(M.training, { i: input }, chiefToken(1)))).toEqual(['FORBIDDEN']);
    const training = ok(await gql(M.training, { i: input }, tokens.staff))['recordTraining'];
    expect(training.attendees).toEqual({
      totalCount: 2,
      nodes: [{ name: expect.any(String) }, { name: expect.any(String) }],
    });
    await probe.waitFor(ofType('cn.caichang.roster.training.held.v1', training.id));
    const history = ok(
      await gql(
        'query($id: ID!) { chief(id: $id) { trainings { totalCount nodes { topic } } } }',
        { id: chiefs[0] },
        chiefToken(1),
      ),
    );
    expect(history['chief'].trainings).toEqual({ totalCount: 1, nodes: [{ topic: 'FIRE_DRILL' }] });

    const patrol = {
      streetId: stableId('street:正街'),
      patrolledAt: '2026-04-02T01:00:00.000Z',
      route: '正街一号院—粮站院',
      findings: '粮站院灭火器过期2具，楼道堆放杂物',
      hazardCount: 2,
      requestCount: 1,
      needsAction: true,
    };
    expect(errorCodes(await gql(M.patrol, { i: patrol }, chiefToken(2)))).toEqual(['FORBIDDEN']);
    expect(
      errorCodes(await gql(M.patrol, { i: { ...patrol, streetId: stableId('street:南街') } }, chiefToken(1))),
    ).toEqual(['FORBIDDEN']);
    const recorded = ok(await gql(M.patrol, { i: patrol }, chiefToken(1)))['recordPatrol'];
    expect(recorded).toMatchObject({
      needsAction: true,
      chief: { name: '张德明' },
      street: { name: '正街' },
      grid: { name: '正街网格' },
    });
    const finding = await probe.waitFor(ofType('cn.caichang.roster.patrol.finding-recorded.v1', recorded.id));
    expect(finding.topic).toBe(ActivitiesTopic.name);
    expect(finding.event?.data).toMatchObject({
      patrolId: recorded.id,
      chiefId: chiefs[0],
      gridId: demoGridId(1),
      streetId: patrol.streetId,
      hazardCount: 2,
    });
    const log = await gql(
      'query($id: ID!) { chief(id: $id) { patrols { totalCount } } }',
      { id: chiefs[0] },
      chiefToken(2),
    );
    expect(errorCodes(log)).toEqual(['FORBIDDEN']);
  });
});
