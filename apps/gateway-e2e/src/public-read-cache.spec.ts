import { createLogger } from '@sc/config';
import { type ReadCache, type ReadGeneration } from '@sc/db';
import { readSupergraph, startGateway } from '@sc/gateway';
import type { Listening } from '@sc/graphql';
import { roster, stableId } from '@sc/roster';
import type { RunningService } from '@sc/service';
import { gatewayPages, supergraphFiles } from '@sc/services';
import { gqlRequest, TEST_LOG_LEVEL } from '@sc/testing';
import { JwksKeyResolver, TokenVerifier } from '@sc/auth';
import { startStack, type Stack } from './stack';

const STREET = stableId('street:正街');
const RENAME = 'mutation($i: RenamePlaceInput!) { renameStreet(input: $i) { id name } }';
/** The three public reads of the cache: places, the chiefs list (with their grids' streets), signboards. */
const PLACES = '{ community(code: "caichang") { streets(first: 50) { nodes { id name } } } }';
const CHIEFS = '{ chiefs(first: 20) { nodes { badge grid { streets(first: 20) { nodes { id name } } } } } }';
const BOARDS =
  'query($n: Int) { signboards(first: $n) { nodes { code outOfDate content { entries { streetIds streets } } } } }';

interface Named {
  id: string;
  name: string;
}
type Places = { community: { streets: { nodes: Named[] } } };
type Chiefs = { chiefs: { nodes: { badge: string; grid: { streets: { nodes: Named[] } } | null }[] } };
type Boards = {
  signboards: {
    nodes: {
      code: string;
      outOfDate: boolean;
      content: { entries: { streetIds: string[]; streets: string[] }[] };
    }[];
  };
};

interface Exposed {
  readCache: ReadCache;
  readGeneration: ReadGeneration;
}

/**
 * The public-read cache (ADR 0050) with two roster copies on one database, each behind a gateway of
 * its own: a change made through copy A is what copy B answers right after the change's mutation
 * returned (its transaction committed), for places, the chiefs list and signboards — although B had
 * the old answers cached. A write that bypasses the read generation (raw SQL) shows that B does serve
 * from its cache, so the first assertions could fail.
 */
describe('public reads cached by two roster copies [starts: every subgraph on MariaDB, two roster copies, two gateways; needs: MariaDB, Kafka]', () => {
  let stack: Stack;
  let copyB: RunningService;
  let gatewayB: Listening;
  let urlB: string;
  let admin: string;

  beforeAll(async () => {
    stack = await startStack('gw_readcache', {}, { readModels: false });
    const logger = createLogger({ service: 'gw_readcache_b', level: TEST_LOG_LEVEL });
    copyB = await roster.start({
      env: {
        NODE_ENV: 'test',
        DATA_DIR: stack.dataDir,
        KAFKA_BROKERS: stack.brokers.join(','),
        KAFKA_GROUP_SUFFIX: `.${stack.db.name}`.slice(0, 40),
        KAFKA_TOPIC_PREFIX: stack.topicPrefix,
        ROSTER_HOST: '127.0.0.1',
        ROSTER_PORT: '0',
        ROSTER_DATABASE_URL: stack.db.url,
      },
      logger,
      seed: false,
    });
    const urls = Object.fromEntries(
      Object.values(stack.services).map((s) => [s.name, `${(s.name === 'roster' ? copyB : s).url}/graphql`]),
    );
    gatewayB = await startGateway({
      supergraphSdl: readSupergraph(...supergraphFiles()),
      subgraphUrls: urls,
      verifier: new TokenVerifier(new JwksKeyResolver(stack.roster.jwksUrl), {
        issuer: 'street-chief/roster',
        audience: 'street-chief',
      }),
      logger,
      development: false,
      port: 0,
      host: '127.0.0.1',
      pages: gatewayPages(),
    });
    urlB = `${gatewayB.url}/graphql`;
    admin = stack.tokens.mint(['ADMIN'], { subject: 'cache-admin' });
  }, 180_000);
  afterAll(async () => {
    await gatewayB?.close();
    await copyB?.close();
    await stack?.stop();
  });

  const cacheB = () => (copyB.exposed as Exposed).readCache;
  const readB = async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const res = await gqlRequest<T>(urlB, query, variables);
    expect(res.errors).toBeUndefined();
    return res.data as T;
  };
  const streetName = (p: Places) => p.community.streets.nodes.find((s) => s.id === STREET)?.name;
  const chiefStreets = (c: Chiefs) =>
    c.chiefs.nodes
      .flatMap((n) => n.grid?.streets.nodes ?? [])
      .filter((s) => s.id === STREET)
      .map((s) => s.name);
  const boardStreets = (b: Boards) =>
    b.signboards.nodes.flatMap((n) =>
      n.content.entries.flatMap((e) => e.streets.filter((_, i) => e.streetIds[i] === STREET)),
    );

  it('answers B’s second identical public read from its cache', async () => {
    const first = await readB<Places>(PLACES);
    const hits = cacheB().stats.hits;
    expect(await readB<Places>(PLACES)).toEqual(first);
    expect(cacheB().stats.hits).toBe(hits + 1);
    expect(streetName(first)).toBe('正街');
  });

  it('shows a rename made through copy A in B’s places, chiefs and signboards right after the mutation', async () => {
    // Warm B's cache with the three reads.
    const before = [
      await readB<Places>(PLACES),
      await readB<Chiefs>(CHIEFS),
      await readB<Boards>(BOARDS, { n: 40 }),
    ] as const;
    expect(chiefStreets(before[1])).toContain('正街');
    expect(boardStreets(before[2])).toContain('正街');
    const renamed = await gqlRequest<{ renameStreet: Named }>(
      stack.gatewayUrl,
      RENAME,
      { i: { id: STREET, name: '正街·缓存' } },
      admin,
    );
    expect(renamed.errors).toBeUndefined();
    // Right after the commit: B answers with the new name everywhere, from fresh reads.
    const invalidations = cacheB().stats.invalidations;
    const places = await readB<Places>(PLACES);
    expect(cacheB().stats.invalidations).toBe(invalidations + 1);
    expect(streetName(places)).toBe('正街·缓存');
    expect(chiefStreets(await readB<Chiefs>(CHIEFS))).toEqual(chiefStreets(before[1]).map(() => '正街·缓存'));
    const boards = await readB<Boards>(BOARDS, { n: 40 });
    expect(boardStreets(boards)).toEqual(boardStreets(before[2]).map(() => '正街·缓存'));
    expect(boards.signboards.nodes.some((n) => n.outOfDate)).toBe(true);
    // Different variables are different answers (keyed by the query's arguments).
    const few = await readB<Boards>(BOARDS, { n: 2 });
    expect(few.signboards.nodes).toHaveLength(2);
  });

  it('keeps a failed change (CONFLICT) from changing anything it answers', async () => {
    const before = await readB<Places>(PLACES);
    const sibling = stableId('street:新街');
    const refused = await gqlRequest(
      stack.gatewayUrl,
      RENAME,
      { i: { id: sibling, name: '正街·缓存' } },
      admin,
    );
    expect(refused.errors?.[0]?.extensions?.['code']).toBe('CONFLICT');
    expect(await readB<Places>(PLACES)).toEqual(before);
  });

  it('caches nothing for a caller with a token, and serves B’s cache while the generation stands', async () => {
    const staff = stack.tokens.mint(['COMMUNITY_STAFF'], {
      subject: 'cache-staff',
      scopes: ['community:caichang'],
    });
    const size = cacheB().size;
    const hits = cacheB().stats.hits;
    const res = await gqlRequest<Places>(urlB, '{ communities(first: 5) { nodes { name } } }', {}, staff);
    expect(res.errors).toBeUndefined();
    expect(cacheB().size).toBe(size);
    expect(cacheB().stats.hits).toBe(hits);
    // A write that does not bump the generation (raw SQL, which no service does) is not seen by B:
    // the answers above came from its cache, not from the database.
    await readB<Places>(PLACES);
    await stack.roster.dataSource.query('UPDATE place SET name = ?, active_name = ? WHERE id = ?', [
      '正街·绕过',
      '正街·绕过',
      STREET,
    ]);
    expect(streetName(await readB<Places>(PLACES))).toBe('正街·缓存');
    // The next change through A bumps the generation and B reads the database again.
    const back = await gqlRequest(stack.gatewayUrl, RENAME, { i: { id: STREET, name: '正街' } }, admin);
    expect(back.errors).toBeUndefined();
    expect(streetName(await readB<Places>(PLACES))).toBe('正街');
    const generation = await (copyB.exposed as Exposed).readGeneration.current();
    expect(generation).toBeGreaterThan(1);
  });
});
