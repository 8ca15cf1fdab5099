import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { OutboxEvent, KafkaEventProbe } from '@sc/events';
import { PlacesTopic } from '@sc/roster-contracts';
import { Place, stableId } from '@sc/roster';
import { errorCodes, gqlRequest, TEST_KAFKA_BROKERS } from '@sc/testing';
import { startStack, type Stack } from './stack';

const PUBLIC_QUERY =
  '{ community(code: "caichang") { name streets(first: 50) { totalCount nodes { name } } } }';
const CREATE_STREET = `mutation($input: CreateStreetInput!) { createStreet(input: $input) { id name residentGroup { name } community { code } } }`;
const GROUP_1 = stableId('group:1');

describe('gateway → roster over HTTP [starts: roster subgraph on MariaDB, gateway; needs: MariaDB, Kafka]', () => {
  let stack: Stack;
  let probe: KafkaEventProbe;

  beforeAll(async () => {
    stack = await startStack('gateway');
    probe = await KafkaEventProbe.start({
      brokers: TEST_KAFKA_BROKERS,
      topics: [PlacesTopic.name],
      topicPrefix: stack.topicPrefix,
    });
  });
  afterAll(async () => {
    await probe?.stop();
    await stack?.stop();
  });

  const streetCount = () => stack.roster.dataSource.getRepository(Place).countBy({ kind: 'STREET' });
  const outboxCount = () => stack.roster.dataSource.getRepository(OutboxEvent).count();

  it('serves the public community query with no token: 21 streets of 蔡场社区', async () => {
    const res = await gqlRequest<{
      community: { name: string; streets: { totalCount: number; nodes: unknown[] } };
    }>(stack.gatewayUrl, PUBLIC_QUERY);
    expect(res.errors).toBeUndefined();
    expect(res.data?.community.name).toBe('蔡场社区');
    expect(res.data?.community.streets.totalCount).toBe(21);
    expect(res.data?.community.streets.nodes).toHaveLength(21);
  });

  it('pages through streets with cursors and never repeats one', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res: Awaited<
        ReturnType<
          typeof gqlRequest<{
            streets: { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
          }>
        >
      > = await gqlRequest(
        stack.gatewayUrl,
        'query($after: String) { streets(first: 8, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      seen.push(...(res.data?.streets.nodes.map((n) => n.id) ?? []));
      if (!res.data?.streets.pageInfo.hasNextPage) break;
      after = res.data.streets.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(21);
    expect(new Set(seen).size).toBe(21);
  });

  it('lets an ADMIN create a street, and publishes street.created exactly once with the street id as key', async () => {
    const res = await gqlRequest<{
      createStreet: {
        id: string;
        name: string;
        residentGroup: { name: string };
        community: { code: string };
      };
    }>(
      stack.gatewayUrl,
      CREATE_STREET,
      { input: { residentGroupId: GROUP_1, name: '滨河路' } },
      stack.tokens.mint(['ADMIN']),
    );
    expect(res.errors).toBeUndefined();
    const street = res.data!.createStreet;
    expect(street).toMatchObject({
      name: '滨河路',
      residentGroup: { name: '第一居民小组' },
      community: { code: 'caichang' },
    });

    const seen = await probe.waitFor(
      (m) => m.key === street.id && m.event?.type === 'cn.caichang.roster.street.created.v1',
    );
    expect(seen.event).toMatchObject({
      specversion: '1.0',
      source: '/caichang/roster',
      subject: street.id,
      data: { id: street.id, name: '滨河路', parentId: GROUP_1 },
    });
    await stack.roster.relay.flush();
    // Markers on every partition, behind everything the relay has sent: a duplicate would be recorded.
    await probe.drain();
    expect(probe.all().filter((m) => m.key === street.id)).toHaveLength(1);
  });

  it('refuses the mutation without a token (UNAUTHENTICATED) and with a RESIDENT token (FORBIDDEN), writing nothing', async () => {
    const [streets, events] = [await streetCount(), await outboxCount()];
    const anonymous = await gqlRequest(stack.gatewayUrl, CREATE_STREET, {
      input: { residentGroupId: GROUP_1, name: '无名街' },
    });
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
    const resident = await gqlRequest(
      stack.gatewayUrl,
      CREATE_STREET,
      { input: { residentGroupId: GROUP_1, name: '无名街' } },
      stack.tokens.mint(['RESIDENT']),
    );
    expect(errorCodes(resident)).toEqual(['FORBIDDEN']);
    expect(await streetCount()).toBe(streets);
    expect(await outboxCount()).toBe(events);
  });

  it.each([
    ['an empty name', { residentGroupId: GROUP_1, name: '   ' }, 'input.name'],
    ['a name over 50 characters', { residentGroupId: GROUP_1, name: '长'.repeat(51) }, 'input.name'],
    ['a control character', { residentGroupId: GROUP_1, name: 'a\u0007b' }, 'input.name'],
  ])('refuses %s with BAD_USER_INPUT naming the field, writing nothing', async (_, input, field) => {
    const [streets, events] = [await streetCount(), await outboxCount()];
    const res = await gqlRequest(stack.gatewayUrl, CREATE_STREET, { input }, stack.tokens.mint(['ADMIN']));
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors?.[0]?.extensions?.['field']).toBe(field);
    expect(JSON.stringify(res)).not.toMatch(/stacktrace|at .*\.ts:/);
    expect(await streetCount()).toBe(streets);
    expect(await outboxCount()).toBe(events);
  });

  it('refuses a duplicate name among active siblings with CONFLICT, and an unknown parent with NOT_FOUND', async () => {
    const admin = stack.tokens.mint(['ADMIN']);
    const dup = await gqlRequest(
      stack.gatewayUrl,
      CREATE_STREET,
      { input: { residentGroupId: GROUP_1, name: '正街' } },
      admin,
    );
    expect(errorCodes(dup)).toEqual(['CONFLICT']);
    const orphan = await gqlRequest(
      stack.gatewayUrl,
      CREATE_STREET,
      { input: { residentGroupId: '5b2f0c1e-1d0a-4c55-9f43-3c1f7a9e2b10', name: '新路' } },
      admin,
    );
    expect(errorCodes(orphan)).toEqual(['NOT_FOUND']);
    // Not an id at all: refused for its shape, naming the field, before anything is looked up.
    const malformed = await gqlRequest(
      stack.gatewayUrl,
      CREATE_STREET,
      { input: { residentGroupId: "' OR 1=1 --", name: '新路' } },
      admin,
    );
    expect(errorCodes(malformed)).toEqual(['BAD_USER_INPUT']);
    expect(malformed.errors?.[0]?.extensions?.['field']).toBe('input.residentGroupId');
  });

  it('renames and retires a courtyard, refusing to retire a street that still has courtyards', async () => {
    const admin = stack.tokens.mint(['ADMIN']);
    const street = stableId('street:正街');
    const yard = stableId('courtyard:正街:粮站院');
    const renamed = await gqlRequest<{ renameCourtyard: { name: string } }>(
      stack.gatewayUrl,
      'mutation($i: RenamePlaceInput!) { renameCourtyard(input: $i) { name } }',
      { i: { id: yard, name: '粮站新院' } },
      admin,
    );
    expect(renamed.data?.renameCourtyard.name).toBe('粮站新院');
    const blocked = await gqlRequest(
      stack.gatewayUrl,
      'mutation($i: RetirePlaceInput!) { retireStreet(input: $i) { id } }',
      { i: { id: street, reason: '合并' } },
      admin,
    );
    expect(errorCodes(blocked)).toEqual(['CONFLICT']);
    const retired = await gqlRequest<{ retireCourtyard: { status: string; retiredAt: string } }>(
      stack.gatewayUrl,
      'mutation($i: RetirePlaceInput!) { retireCourtyard(input: $i) { status retiredAt } }',
      { i: { id: yard, reason: '拆迁' } },
      admin,
    );
    expect(retired.data?.retireCourtyard.status).toBe('RETIRED');
    const again = await gqlRequest(
      stack.gatewayUrl,
      'mutation($i: RetirePlaceInput!) { retireCourtyard(input: $i) { id } }',
      { i: { id: yard, reason: '拆迁' } },
      admin,
    );
    expect(errorCodes(again)).toEqual(['CONFLICT']);
  });

  describe('tokens', () => {
    const header = (token: string) => ({ header: `Bearer ${token}` });
    const payload = () => ({
      sub: 'x',
      roles: ['ADMIN'],
      scopes: [],
      jti: 'j1',
      iss: 'street-chief/roster',
      aud: 'street-chief',
    });

    it.each([
      [
        'tampered',
        () => {
          const [h, p, s] = stack.tokens.mint(['RESIDENT']).split('.');
          const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
          claims.roles = ['ADMIN'];
          return `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
        },
      ],
      [
        'expired',
        () =>
          jwt.sign(
            {
              ...payload(),
              exp: Math.floor(Date.now() / 1000) - 60,
              iat: Math.floor(Date.now() / 1000) - 120,
            },
            stack.roster.signingKey.privateKey,
            { algorithm: 'RS256', keyid: stack.roster.signingKey.kid },
          ),
      ],
      [
        'alg none',
        () =>
          `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT', kid: stack.roster.signingKey.kid })).toString('base64url')}.${Buffer.from(JSON.stringify({ ...payload(), iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url')}.`,
      ],
      [
        'signed with another key',
        () =>
          jwt.sign({ ...payload() }, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, {
            algorithm: 'RS256',
            keyid: stack.roster.signingKey.kid,
            expiresIn: 600,
          }),
      ],
      ['not a JWT', () => 'not-a-token'],
    ])('refuses a %s token with UNAUTHENTICATED, on public queries too', async (kind, make) => {
      const token = make();
      const publicQuery = await gqlRequest(stack.gatewayUrl, PUBLIC_QUERY, {}, header(token));
      // ADR 0028: 401 only for what cannot be read at all; a readable but refused token is 200.
      const reason = kind === 'not a JWT' ? 'MALFORMED' : kind === 'expired' ? 'EXPIRED' : 'INVALID';
      expect(publicQuery.status).toBe(reason === 'MALFORMED' ? 401 : 200);
      expect(publicQuery.errors?.[0]?.extensions).toEqual({
        code: 'UNAUTHENTICATED',
        reason,
        serviceName: 'gateway',
      });
      expect(errorCodes(publicQuery)).toEqual(['UNAUTHENTICATED']);
      expect(publicQuery.data ?? null).toBeNull();
      const mutation = await gqlRequest(
        stack.gatewayUrl,
        CREATE_STREET,
        { input: { residentGroupId: GROUP_1, name: '伪造街' } },
        header(token),
      );
      expect(errorCodes(mutation)).toEqual(['UNAUTHENTICATED']);
    });

    it('refuses a bad token sent to the subgraph directly too (it never trusts the gateway)', async () => {
      const res = await gqlRequest(
        `${stack.roster.url}/graphql`,
        PUBLIC_QUERY,
        {},
        { header: 'Bearer x.y.z' },
      );
      expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
    });
  });

  describe('login', () => {
    const LOGIN =
      'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token account { username roles } } }';

    it('signs in a demo account and the token works through the gateway', async () => {
      const res = await gqlRequest<{ login: { token: string; account: { roles: string[] } } }>(
        stack.gatewayUrl,
        LOGIN,
        { u: 'admin', p: 'caichang-demo-2026' },
      );
      expect(res.data?.login.account.roles).toEqual(['ADMIN']);
      const me = await gqlRequest<{ me: { username: string } }>(
        stack.gatewayUrl,
        '{ me { username } }',
        {},
        res.data!.login.token,
      );
      expect(me.data?.me.username).toBe('admin');
    });

    it('rate limits repeated failures for one username', async () => {
      const codes: string[] = [];
      for (let i = 0; i < 7; i++)
        codes.push(
          ...errorCodes(await gqlRequest(stack.gatewayUrl, LOGIN, { u: 'officer', p: `wrong-${i}` })),
        );
      expect(codes.slice(0, 5)).toEqual(Array(5).fill('UNAUTHENTICATED'));
      expect(codes.slice(5)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
      // Even the right password is refused while the window is closed.
      expect(
        errorCodes(await gqlRequest(stack.gatewayUrl, LOGIN, { u: 'officer', p: 'caichang-demo-2026' })),
      ).toEqual(['RATE_LIMITED']);
    });
  });

  it('lets no more than the allowed password checks through when guesses arrive in parallel', async () => {
    const LOGIN = 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }';
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        gqlRequest(stack.gatewayUrl, LOGIN, { u: 'county', p: `guess-${i}` }),
      ),
    );
    const codes = results.flatMap(errorCodes);
    expect(codes).toHaveLength(12);
    // Never more than 5 password checks in the window (a racing attempt may be counted early).
    const checked = codes.filter((c) => c === 'UNAUTHENTICATED').length;
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(5);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(12 - checked);
  });

  it('refuses an over-deep query before executing it', async () => {
    // 15 levels: street › (community › streets › nodes) × 4 › name
    const deep = `{ street(id: "x") { ${'community { streets { nodes { '.repeat(4)}name${' } } }'.repeat(4)} } }`;
    const res = await gqlRequest(stack.gatewayUrl, deep);
    expect(errorCodes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('answers health and readiness on both services', async () => {
    for (const base of [stack.gateway.url, stack.roster.url]) {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
    }
  });
});
