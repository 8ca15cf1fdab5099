import { parse } from 'graphql';
import { createLogger } from '@sc/config';
import { startSubgraph } from './subgraph';
import { DateTimeScalar } from './scalars';
import type { Listening } from './http';
import { costDependsOnVariables } from './operation-guards';

type Body = {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions: Record<string, unknown> }[];
};

const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  scalar DateTime
  type Item @key(fields: "id") { id: ID!, name: String }
  type ItemConnection { totalCount: Int!, nodes: [Item!]! }
  input WhenInput { at: DateTime!, count: Int }
  type Query { items(first: Int): ItemConnection!, when(input: WhenInput!): String }
`);

describe('operation guards on a subgraph [starts: a subgraph on an ephemeral port]', () => {
  let server: Listening;
  let resolved = 0;
  beforeAll(async () => {
    server = await startSubgraph({
      name: 'test',
      typeDefs,
      resolvers: {
        DateTime: DateTimeScalar,
        Query: {
          items: (_: unknown, args: { first?: number }) => {
            resolved++;
            return {
              totalCount: 0,
              nodes: Array.from({ length: args.first ?? 20 }, (__, i) => ({ id: `${i}` })),
            };
          },
          when: (_: unknown, args: { input: { at: Date } }) => args.input.at.toISOString(),
        },
        Item: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, name: `item ${ref.id}` }) },
      } as never,
      context: async () => ({}),
      logger: createLogger({ service: 'test', level: 'silent' }),
      development: true,
      port: 0,
      host: '127.0.0.1',
      limits: { maxCost: 500 },
    });
  });
  afterAll(() => server.close());

  const post = async (query: string, variables?: Record<string, unknown>, operationName?: string) => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables, operationName }),
    });
    return { status: res.status, body: (await res.json()) as Body };
  };

  it('refuses an operation over its cost limit with HTTP 400, the cost and the limit, resolving nothing', async () => {
    const before = resolved;
    const { status, body } = await post(
      '{ a: items(first: 100) { nodes { id } } b: items(first: 100) { nodes { id } } c: items(first: 100) { nodes { id } } d: items(first: 100) { nodes { id } } e: items(first: 100) { nodes { id } } }',
    );
    expect(status).toBe(400);
    expect(body.errors).toEqual([
      {
        message: expect.stringMatching(/^Query cost 505 exceeds the limit of 500/),
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED', cost: 505, limit: 500 },
      },
    ]);
    expect(resolved).toBe(before);
    const fine = await post(
      '{ a: items(first: 100) { nodes { id } } b: items(first: 100) { nodes { id } } }',
    );
    expect(fine.body.errors).toBeUndefined();
  });

  it('counts the gateway’s entity fetches by their representations', async () => {
    const q = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Item { id name } } }';
    const reps = (n: number) => Array.from({ length: n }, (_, i) => ({ __typename: 'Item', id: String(i) }));
    expect((await post(q, { r: reps(500) })).body.errors).toBeUndefined();
    const refused = await post(q, { r: reps(501) });
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ cost: 501, limit: 500 });
  });

  it('estimates a document once when no variable feeds its cost, per request when one does (ADR 0053)', async () => {
    const over =
      '{ a: items(first: 100) { nodes { id } } b: items(first: 100) { nodes { id } } c: items(first: 100) { nodes { id } } d: items(first: 100) { nodes { id } } e: items(first: 100) { nodes { id } } }';
    for (let i = 0; i < 2; i++) {
      const again = await post(over);
      expect(again.status).toBe(400);
      expect(again.body.errors?.[0]?.extensions).toMatchObject({ cost: 505, limit: 500 });
    }
    const paged = 'query($n: Int) { items(first: $n) { nodes { id } } }';
    expect((await post(paged, { n: 10 })).body.errors).toBeUndefined();
    expect((await post(paged, { n: 600 })).body.errors?.[0]?.extensions).toMatchObject({ cost: 601 });
    expect((await post(paged, { n: 10 })).body.errors).toBeUndefined();
    expect(costDependsOnVariables(parse(paged))).toBe(true);
    expect(costDependsOnVariables(parse('query($i: WhenInput!) { when(input: $i) }'))).toBe(false);
    expect(costDependsOnVariables(parse('{ items(first: 3) { nodes { id } } }'))).toBe(false);
    expect(
      costDependsOnVariables(
        parse('query($r: [_Any!]!) { _entities(representations: $r) { ... on Item { id } } }'),
      ),
    ).toBe(true);
    expect(
      costDependsOnVariables(
        parse('query($n: Int) { ...F } fragment F on Query { items(last: $n) { nodes { id } } }'),
      ),
    ).toBe(true);
  });

  it('names the field of a variable that does not fit, listing every problem', async () => {
    const { status, body } = await post('query($i: WhenInput!) { when(input: $i) }', {
      i: { at: '2026-01-01', count: 'many' },
    });
    expect(status).toBe(400);
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]!.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'i.at',
      issues: [
        {
          field: 'i.at',
          message:
            'Variable "$i" has an invalid value at "i.at": DateTime must be an ISO-8601 date-time with a time zone',
        },
        {
          field: 'i.count',
          message: expect.stringMatching(
            /^Variable "\$i" has an invalid value at "i.count": Int cannot represent/,
          ),
        },
      ],
    });
  });

  it('names a missing or null required variable', async () => {
    const q = 'query($i: WhenInput!) { when(input: $i) }';
    expect((await post(q, {})).body.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'i',
    });
    expect((await post(q, { i: null })).body.errors![0]!.message).toBe(
      'Variable "$i" of non-null type "WhenInput!" must not be null.',
    );
    // A required input field left out is named itself, not only its object.
    expect((await post(q, { i: {} })).body.errors![0]!.extensions).toMatchObject({ field: 'i.at' });
    const ok = await post(q, { i: { at: '2026-01-01T00:00:00Z' } });
    expect(ok.body).toEqual({ data: { when: '2026-01-01T00:00:00.000Z' } });
  });

  it('answers an operation it cannot pick with HTTP 400 OPERATION_RESOLUTION_FAILURE', async () => {
    const { status, body } = await post('query A { items { totalCount } } query B { items { totalCount } }');
    expect(status).toBe(400);
    expect(body.errors![0]!.extensions).toEqual({ code: 'OPERATION_RESOLUTION_FAILURE' });
  });
});
