import { stableId } from '@sc/demo';
import { errorCodes, gqlRequest, walkConnection } from '@sc/testing';
import { startStack, type Stack } from './stack';

const PAGE_INFO = 'pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';

describe('orderBy through the gateway [starts: every service on MariaDB, gateway; needs: MariaDB, Kafka]', () => {
  let stack: Stack;
  let staff: string;

  beforeAll(async () => {
    stack = await startStack('order_by', { people: { PEOPLE_SEED_DEMO: 'true' } });
    staff = stack.tokens.mint(['COMMUNITY_STAFF'], { scopes: ['community:caichang'] });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('pages residents by name, descending, both ways through the gateway exactly as people orders them', async () => {
    const street = stableId('street:正街');
    const query = `query($first: Int, $after: String, $last: Int, $before: String, $street: ID) {
      residents(first: $first, after: $after, last: $last, before: $before, filter: { streetId: $street },
                orderBy: { field: NAME, direction: DESC }) { nodes { id name } ${PAGE_INFO} } }`;
    const expected = (
      (await stack.people.dataSource.query(
        `SELECT id FROM resident WHERE status = 'ACTIVE' AND street_id = ? ORDER BY name DESC, id DESC`,
        [street],
      )) as { id: string }[]
    ).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(100);
    const walk = {
      url: stack.gatewayUrl,
      query,
      vars: { street },
      token: staff,
      size: 50,
      pick: (d: Record<string, unknown>) => d['residents'],
    };
    expect((await walkConnection<{ id: string }>(walk, 'forward')).map((r) => r.id)).toEqual(expected);
    expect(
      (await walkConnection<{ id: string }>({ ...walk, size: 33 }, 'backward')).map((r) => r.id),
    ).toEqual(expected);
  });

  it('a cursor of another order nulls only its own root field, BAD_USER_INPUT naming after, with the service', async () => {
    type Data = {
      chiefs: { nodes: { id: string }[]; pageInfo: { endCursor: string } } | null;
      residents: { nodes: { id: string }[] } | null;
    };
    const first = await gqlRequest<Data>(
      stack.gatewayUrl,
      `{ chiefs(first: 2, orderBy: { field: NAME }) { nodes { id } pageInfo { endCursor } } }`,
      {},
      staff,
    );
    expect(first.errors).toBeUndefined();
    const cursor = first.data!.chiefs!.pageInfo.endCursor;
    const res = await gqlRequest<Data>(
      stack.gatewayUrl,
      `query($c: String) {
        chiefs(first: 2, after: $c, orderBy: { field: APPOINTED, direction: DESC }) { nodes { id } pageInfo { endCursor } }
        residents(first: 2, orderBy: { field: MOVED_IN }) { nodes { id } } }`,
      { c: cursor },
      staff,
    );
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors?.[0]?.extensions).toMatchObject({ field: 'after', serviceName: 'roster' });
    expect(res.errors?.[0]?.path).toEqual(['chiefs']);
    expect(res.data?.chiefs).toBeNull();
    expect(res.data?.residents?.nodes).toHaveLength(2);
    // The same cursor under its own order pages on.
    const next = await gqlRequest<Data>(
      stack.gatewayUrl,
      `query($c: String) { chiefs(first: 2, after: $c, orderBy: { field: NAME }) { nodes { id } pageInfo { endCursor } } }`,
      { c: cursor },
      staff,
    );
    expect(next.errors).toBeUndefined();
    expect(next.data?.chiefs?.nodes.length).toBeGreaterThan(0);
  });

  it('an unknown order field is refused by the schema before any service is asked', async () => {
    const res = await gqlRequest(
      stack.gatewayUrl,
      '{ cases(first: 1, orderBy: { field: STATE }) { totalCount } }',
      {},
      staff,
    );
    expect(errorCodes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });
});
