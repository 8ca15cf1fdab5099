import { composeServices } from '@apollo/composition';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema, GraphQLError, GraphQLScalarType, Kind, parse } from 'graphql';
import { StaticKeyResolver, TokenVerifier, signingKeyFromPem } from '@sc/auth';
import { createLogger } from '@sc/config';
import { startGateway } from '@sc/gateway';
import { startSubgraph, type Listening } from '@sc/graphql';
import { generateKeyPairSync } from 'node:crypto';
import { BAD_DATE_TIMES, formatReport, fuzzCases, runFuzz } from './inputs';

const sdl = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  scalar DateTime
  enum Topic { FIRE_DRILL, FOOD_SAFETY }
  input HoldInput { title: String!, topic: Topic!, count: Int!, heldAt: DateTime!, ids: [ID!]! }
  type Held { id: ID! }
  type Query { ping: String }
  type Mutation { hold(input: HoldInput!): Held!, holdAt(at: DateTime!, note: String): String, plain(x: Int): Int }
`;
// The API schema as a client sees it (what the tool reads from docs/schema/api.graphql).
const apiSchema = buildSchema(sdl.replace(/extend schema @link\([^)]*\)/, ''));

/** A strict DateTime for the probe: ISO-8601 with a zone, and a real calendar day. */
const strictDateTime: GraphQLScalarType<Date, string> = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  serialize: (v) => (v as Date).toISOString(),
  parseValue: (v): Date => {
    const m =
      typeof v === 'string'
        ? /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/.exec(v)
        : null;
    const d = m ? new Date(v as string) : undefined;
    if (!m || !d || Number.isNaN(d.getTime()) || d.getUTCDate() !== Number(m[3])) {
      throw new GraphQLError('DateTime must be an ISO-8601 date-time with a time zone', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    return d;
  },
  parseLiteral: (ast): Date => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be a string');
    return strictDateTime.parseValue(ast.value);
  },
});

describe('fuzz:inputs', () => {
  it('builds cases for every DateTime argument, in variables and inline, and other malformed values', () => {
    const { cases, mutations } = fuzzCases(apiSchema);
    expect(mutations).toEqual(['hold(input.heldAt)', 'holdAt(at)']);
    const dated = cases.filter(
      (c) => / (input\.heldAt|at)=/.test(c.name) && /\((variable|inline)\)$/.test(c.name),
    );
    expect(dated).toHaveLength(2 * BAD_DATE_TIMES.length * 2);
    const inline = cases.find((c) => c.name === 'hold input.heldAt="not a date" (inline)');
    expect(inline?.body.query).toBe(
      'mutation Fuzz { hold(input: { title: "x", topic: FIRE_DRILL, count: 1, heldAt: "not a date", ids: ["00000000-0000-4000-8000-000000000000"] }) { __typename } }',
    );
    expect(cases.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'hold input is null',
        'hold input missing',
        'hold input.notAField',
        'hold input.topic="NOT_A_VALUE"',
        'hold input.count="abc"',
        'two operations, no operationName',
      ]),
    );
  });

  describe('against a gateway [starts: a probe subgraph and the gateway on ephemeral ports]', () => {
    let subgraph: Listening;
    let gateway: Listening;
    let writes = 0;

    beforeAll(async () => {
      const logger = createLogger({ service: 'test', level: 'silent' });
      subgraph = await startSubgraph({
        name: 'probe',
        typeDefs: parse(sdl),
        resolvers: {
          DateTime: strictDateTime,
          Query: { ping: () => 'pong' },
          Mutation: {
            hold: () => ({ id: String(++writes) }),
            holdAt: () => String(++writes),
            plain: () => ++writes,
          },
        } as never,
        context: async () => ({}),
        logger,
        development: true,
        port: 0,
        host: '127.0.0.1',
      });
      const composed = composeServices([
        { name: 'probe', url: `${subgraph.url}/graphql`, typeDefs: parse(sdl) },
      ]);
      if (composed.errors) throw composed.errors[0];
      const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString();
      gateway = await startGateway({
        supergraphSdl: composed.supergraphSdl,
        subgraphUrls: {},
        verifier: new TokenVerifier(new StaticKeyResolver([signingKeyFromPem(pem)]), {
          issuer: 'i',
          audience: 'a',
        }),
        logger,
        development: true,
        port: 0,
        host: '127.0.0.1',
      });
    });
    afterAll(async () => {
      await gateway?.close();
      await subgraph?.close();
    });

    it('finds nothing to report on this gateway, and nothing was written', async () => {
      const report = await runFuzz({ url: `${gateway.url}/graphql`, schema: apiSchema });
      expect(report.sent).toBe(fuzzCases(apiSchema).cases.length);
      expect(report.problems.map((p) => `${p.verdict}: ${p.case.name} ${p.excerpt}`)).toEqual([]);
      expect(writes).toBe(0);
      expect(formatReport(report, 'u')).toContain('problems: none');
    });
  });

  describe('against a gateway that gets it wrong [starts: a fake gateway]', () => {
    let fake: http.Server;
    let url: string;
    beforeAll(async () => {
      // Answers like the gateway of issue 10 for bad dates; takes any value of holdAt; 500 for the rest.
      fake = http.createServer((req, res) => {
        let raw = '';
        req.on('data', (c: Buffer) => (raw += c.toString()));
        req.on('end', () => {
          const body = JSON.parse(raw) as { query: string };
          const query = String(body.query);
          const answer = query.includes('hold(')
            ? [
                200,
                {
                  errors: [
                    {
                      message: '400: Bad Request',
                      extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at x (/a/b.ts:1:2)'] },
                    },
                  ],
                },
              ]
            : query.includes('holdAt(')
              ? [200, { data: { holdAt: 'ok' } }]
              : [500, { errors: [{ message: 'boom', extensions: { code: 'INVALID_GRAPHQL' } }] }];
          res.writeHead(answer[0] as number, { 'content-type': 'application/json' });
          res.end(JSON.stringify(answer[1]));
        });
      });
      await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/graphql`;
    });
    afterAll(() => new Promise((resolve) => fake.close(resolve)));

    it('reports stack traces, faults and accepted values, and says so in the report', async () => {
      const report = await runFuzz({ url, schema: apiSchema });
      const verdicts = new Set(report.problems.map((p) => p.verdict));
      expect(verdicts).toEqual(new Set(['stack trace', 'accepted', 'fault']));
      expect(report.problems).toHaveLength(report.sent);
      const text = formatReport(report, url);
      expect(text).toMatch(/problems: \d+/);
      expect(text).toContain('[stack trace] hold input.heldAt=""');
      expect(text).toContain('HTTP 200 INTERNAL_SERVER_ERROR');
    });
  });
});
