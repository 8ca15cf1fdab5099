import { OutboxEvent } from '@sc/events';
import { Household, makeTestIdNumber, UnitInspection } from '@sc/people';
import { ChiefTransition, Patrol, Training, demoGridId, stableId } from '@sc/roster';
import { gqlRequest, type GraphQLResponse } from '@sc/testing';
import { startStack, type Stack } from './stack';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The values the fuzzing found turned into INTERNAL_SERVER_ERROR with a stack trace. */
const BAD_DATES: unknown[] = ['', 'not a date', '2025-13-45T99:99:99Z', 1700000000, '2026-01-01'];
const M = {
  training: 'mutation($i: RecordTrainingInput!) { recordTraining(input: $i) { id } }',
  patrol: 'mutation($i: RecordPatrolInput!) { recordPatrol(input: $i) { id } }',
  inspection: 'mutation($i: RecordInspectionInput!) { recordUnitInspection(input: $i) { id } }',
  nominate: 'mutation($i: NominateChiefInput!) { nominateChief(input: $i) { id } }',
  vet: 'mutation($i: VetChiefInput!) { vetChief(input: $i) { status } }',
  file: 'mutation($i: FileChiefInput!) { fileChief(input: $i) { status } }',
  appoint: 'mutation($i: AppointChiefInput!) { appointChief(input: $i) { status } }',
  retire: 'mutation($i: ChiefTransitionInput!) { retireChief(input: $i) { status } }',
};

describe('bad input through the real gateway [starts: roster + people on MariaDB, gateway; needs: MariaDB, Kafka]', () => {
  let stack: Stack;
  let gql: (
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ) => Promise<GraphQLResponse<Data>>;
  let raw: (body: unknown, token?: string) => Promise<{ status: number; text: string }>;
  let tokens: Record<'staff' | 'officer' | 'chief1' | 'admin', string>;
  let writes: () => Promise<number[]>;

  beforeAll(async () => {
    stack = await startStack('badinput', { people: { PEOPLE_SEED_DEMO: 'true' } });
    gql = (query, variables = {}, token) => gqlRequest<Data>(stack.gatewayUrl, query, variables, token);
    raw = async (body, token) => {
      const res = await fetch(stack.gatewayUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
      return { status: res.status, text: await res.text() };
    };
    tokens = {
      staff: stack.tokens.mint(['COMMUNITY_STAFF'], { subject: 'staff-1', scopes: ['community:caichang'] }),
      officer: stack.tokens.mint(['TOWN_OFFICER'], { subject: 'officer-1' }),
      chief1: stack.tokens.mint(['STREET_CHIEF'], {
        subject: stableId('account:chief01'),
        scopes: [`grid:${demoGridId(1)}`],
      }),
      admin: stack.tokens.mint(['ADMIN'], { subject: 'admin-1' }),
    };
    const r = stack.roster.dataSource;
    const p = stack.people.dataSource;
    writes = () =>
      Promise.all([
        r.getRepository(Training).count(),
        r.getRepository(Patrol).count(),
        r.getRepository(ChiefTransition).count(),
        r.getRepository(OutboxEvent).count(),
        p.getRepository(UnitInspection).count(),
        p.getRepository(OutboxEvent).count(),
      ]);
  }, 180_000);
  afterAll(async () => stack?.stop());

  const ok = (res: GraphQLResponse<Data>): Data => {
    expect(res.errors).toBeUndefined();
    return res.data!;
  };

  it('answers every bad DateTime of every dated mutation as the subgraph’s BAD_USER_INPUT, naming the field and the service, writing nothing', async () => {
    // Real targets, so that a good date goes through (the positive marker at the end).
    const unit = ok(
      await gql(
        'mutation($i: RegisterUnitInput!) { registerUnit(input: $i) { id } }',
        {
          i: {
            name: '粮站便利店',
            kind: 'MERCHANT',
            address: { streetId: stableId('street:正街'), building: '1', door: '101' },
          },
        },
        tokens.admin,
      ),
    )['registerUnit'];
    const candidate = ok(
      await gql(
        M.nominate,
        {
          i: {
            residentId: stableId('resident:120'),
            name: '李文',
            nominatorResidentId: stableId('resident:399'),
            reason: '热心',
          },
        },
        tokens.staff,
      ),
    )['nominateChief'];
    ok(
      await gql(
        M.vet,
        { i: { id: candidate.id, passed: true, reason: '合格', visitNotes: '走访' } },
        tokens.staff,
      ),
    );
    const filed = { i: { id: candidate.id, documentNumber: '蔡党备〔2026〕21号', reason: '备案' } };
    const appointed = {
      i: {
        id: candidate.id,
        gridId: demoGridId(4),
        badge: 'CC-021',
        phone: '13800138121',
        reason: '任命',
        termStart: '2026-03-01T00:00:00.000Z',
        termEnd: '2029-02-28T00:00:00.000Z',
      },
    };
    const cases: {
      mutation: string;
      token: string;
      input: Record<string, unknown>;
      field: string;
      service: string;
    }[] = [
      {
        mutation: M.training,
        token: tokens.staff,
        input: {
          topic: 'FIRE_DRILL',
          title: '消防演练',
          trainer: '镇消防站',
          chiefIds: [stableId('chief:1')],
        },
        field: 'heldAt',
        service: 'roster',
      },
      {
        mutation: M.patrol,
        token: tokens.chief1,
        input: {
          streetId: stableId('street:正街'),
          route: '正街',
          findings: '无',
          hazardCount: 0,
          requestCount: 0,
          needsAction: false,
        },
        field: 'patrolledAt',
        service: 'roster',
      },
      {
        mutation: M.inspection,
        token: tokens.staff,
        input: { unitId: unit.id, result: 'PASSED', hazards: 0 },
        field: 'visitedAt',
        service: 'people',
      },
      { mutation: M.file, token: tokens.officer, input: filed.i, field: 'filedOn', service: 'roster' },
      {
        mutation: M.appoint,
        token: tokens.officer,
        input: appointed.i,
        field: 'termStart',
        service: 'roster',
      },
      { mutation: M.appoint, token: tokens.officer, input: appointed.i, field: 'termEnd', service: 'roster' },
    ];
    const before = await writes();
    let answered = 0;
    for (const c of cases) {
      for (const bad of BAD_DATES) {
        const res = await raw(
          { query: c.mutation, variables: { i: { ...c.input, [c.field]: bad } } },
          c.token,
        );
        expect(res.text).not.toMatch(/stacktrace|INTERNAL_SERVER_ERROR|400: Bad Request|node_modules/);
        const body = JSON.parse(res.text) as GraphQLResponse<Data>;
        expect(body.errors).toHaveLength(1);
        expect(body.errors![0]!.extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          field: `i.${c.field}`,
          serviceName: c.service,
        });
        expect(body.errors![0]!.message).toContain(`"i.${c.field}"`);
        answered++;
      }
    }
    expect(answered).toBe(cases.length * BAD_DATES.length);
    expect(await writes()).toEqual(before);

    // The same inline in the query: the subgraph's validation error, still typed, still no stack trace.
    const inline = await raw(
      {
        query: `mutation { fileChief(input: { id: "${candidate.id}", filedOn: "2025-13-45T99:99:99Z", documentNumber: "x", reason: "y" }) { status } }`,
      },
      tokens.officer,
    );
    expect(inline.text).not.toMatch(/stacktrace|INTERNAL_SERVER_ERROR/);
    expect(JSON.parse(inline.text).errors[0].extensions).toEqual({
      code: 'GRAPHQL_VALIDATION_FAILED',
      serviceName: 'roster',
    });
    expect(await writes()).toEqual(before);

    // Positive marker: good dates are written.
    const good = '2026-04-01T02:00:00.000Z';
    ok(await gql(M.training, { i: { ...cases[0]!.input, heldAt: good } }, tokens.staff));
    ok(await gql(M.patrol, { i: { ...cases[1]!.input, patrolledAt: good } }, tokens.chief1));
    ok(await gql(M.inspection, { i: { ...cases[2]!.input, visitedAt: good } }, tokens.staff));
    expect(
      ok(await gql(M.file, { i: { ...filed.i, filedOn: good } }, tokens.officer))['fileChief'].status,
    ).toBe('FILED');
    ok(await gql(M.retire, { i: { id: stableId('chief:4'), reason: '任期届满' } }, tokens.officer));
    expect(ok(await gql(M.appoint, appointed, tokens.officer))['appointChief'].status).toBe('APPOINTED');
    const after = await writes();
    expect(after.slice(0, 3)).toEqual([before[0]! + 1, before[1]! + 1, before[2]! + 3]);
    expect(after[4]).toBe(before[4]! + 1);
  });

  it('answers ids of things that do not exist as the user’s error through the gateway (issue 10 §3): BAD_USER_INPUT when malformed, NOT_FOUND when unknown, writing nothing', async () => {
    const ZERO = '00000000-0000-0000-0000-000000000000';
    const UNKNOWN = '7a0f3b22-0000-4000-8000-00000000dead';
    const street = stableId('street:正街');
    const before = await writes();
    const households = () => stack.people.dataSource.getRepository(Household).count();
    const householdsBefore = await households();
    let seq = 0;
    const moveIn = (address: Record<string, unknown>, newHousehold: Record<string, unknown> | null = null) =>
      gql(
        'mutation($i: MoveInInput!) { moveIn(input: $i) { id household { id } } }',
        {
          i: {
            idNumber: makeTestIdNumber('110101', '1953-06-07', 100 + ++seq, 'MALE'),
            name: '测试住户',
            origin: '汉源县',
            category: 'FLOATING',
            address: { streetId: street, building: '8', door: '801', ...address },
            newHousehold,
          },
        },
        tokens.staff,
      );
    const createHousehold = (input: Record<string, unknown>) =>
      gql(
        'mutation($i: CreateHouseholdInput!) { createHousehold(input: $i) { id } }',
        {
          i: {
            address: { streetId: street, building: '8', door: '802' },
            headResidentId: stableId('resident:5'),
            housing: 'RENTED',
            ...input,
          },
        },
        tokens.staff,
      );
    const nominate = (residentId: unknown, nominatorResidentId: unknown) =>
      gql(
        M.nominate,
        { i: { residentId, name: '无此人', nominatorResidentId, reason: '推荐' } },
        tokens.staff,
      );
    const answer = (res: GraphQLResponse<Data>) => ({
      code: res.errors?.[0]?.extensions?.['code'],
      field: res.errors?.[0]?.extensions?.['field'],
      data: res.data ?? null,
      stack: JSON.stringify(res).includes('stacktrace'),
    });
    const refused = (code: string, field: string) => ({ code, field, data: null, stack: false });

    for (const bad of ['not-a-uuid', "' OR 1=1 --", 42]) {
      expect(answer(await moveIn({ streetId: bad }))).toEqual(
        refused('BAD_USER_INPUT', 'input.address.streetId'),
      );
      expect(
        answer(await createHousehold({ address: { streetId: bad, building: '8', door: '802' } })),
      ).toEqual(refused('BAD_USER_INPUT', 'input.address.streetId'));
      expect(answer(await nominate(bad, stableId('resident:399')))).toEqual(
        refused('BAD_USER_INPUT', 'input.residentId'),
      );
      expect(answer(await nominate(stableId('resident:120'), bad))).toEqual(
        refused('BAD_USER_INPUT', 'input.nominatorResidentId'),
      );
    }
    for (const unknown of [ZERO, UNKNOWN]) {
      expect(answer(await moveIn({ streetId: unknown }))).toEqual(
        refused('NOT_FOUND', 'input.address.streetId'),
      );
      expect(answer(await moveIn({ courtyardId: unknown }))).toEqual(
        refused('NOT_FOUND', 'input.address.courtyardId'),
      );
      expect(answer(await moveIn({}, { housing: 'RENTED', landlordResidentId: unknown }))).toEqual(
        refused('NOT_FOUND', 'input.newHousehold.landlordResidentId'),
      );
      expect(
        answer(await createHousehold({ address: { streetId: unknown, building: '8', door: '802' } })),
      ).toEqual(refused('NOT_FOUND', 'input.address.streetId'));
      expect(answer(await createHousehold({ landlordResidentId: unknown }))).toEqual(
        refused('NOT_FOUND', 'input.landlordResidentId'),
      );
      expect(answer(await nominate(unknown, stableId('resident:399')))).toEqual(
        refused('NOT_FOUND', 'input.residentId'),
      );
      expect(answer(await nominate(stableId('resident:120'), unknown))).toEqual(
        refused('NOT_FOUND', 'input.nominatorResidentId'),
      );
    }
    expect(await writes()).toEqual(before);
    expect(await households()).toBe(householdsBefore);
    // The positive markers: the same inputs with known ids go through (places and residents came by Kafka).
    const moved = ok(
      await moveIn(
        { courtyardId: stableId('courtyard:正街:正街一号院') },
        { housing: 'RENTED', landlordResidentId: stableId('resident:7') },
      ),
    );
    expect(moved['moveIn'].household.id).toEqual(expect.any(String));
    ok(await nominate(stableId('resident:131'), stableId('resident:398')));
  });

  it('answers two operations without operationName with HTTP 400 and a code', async () => {
    const res = await raw({
      query: 'query A { communities { totalCount } } query B { chiefs { totalCount } }',
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toEqual({
      errors: [
        {
          message: 'Must provide operation name if query contains multiple operations.',
          extensions: { code: 'OPERATION_RESOLUTION_FAILURE', serviceName: 'gateway' },
        },
      ],
    });
  });

  it('refuses 300 aliases of residents(first: 100) by their cost, and answers the same shape at a reasonable size', async () => {
    const alias = (i: number) => `r${i}: residents(first: 100) { nodes { name } }`;
    const many = await raw(
      { query: `{ ${Array.from({ length: 300 }, (_, i) => alias(i)).join(' ')} }` },
      tokens.staff,
    );
    expect(many.status).toBe(400);
    expect(JSON.parse(many.text)).toEqual({
      errors: [
        {
          message: expect.stringMatching(/^Query cost 30300 exceeds the limit of 10000/),
          extensions: {
            code: 'GRAPHQL_VALIDATION_FAILED',
            cost: 30300,
            limit: 10000,
            serviceName: 'gateway',
          },
        },
      ],
    });
    const few = await gql(`{ ${Array.from({ length: 5 }, (_, i) => alias(i)).join(' ')} }`, {}, tokens.staff);
    expect(few.errors).toBeUndefined();
    // The stack holds the demo population (nominations need people's residents): a full page each.
    expect(few.data!['r4'].nodes).toHaveLength(100);
  });
});
