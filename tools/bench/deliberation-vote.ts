/**
 * Benchmark of deliberation's vote (not a test; issue 12):
 *   1. a community-wide vote of 11,000 adults: ballots cast through the gateway with real JWTs
 *      (goal ≥ 300/s), the closing tally (goal ≤ 1 s);
 *   2. a county-wide electorate of 500,000: freezing the snapshot at openVoting (goal ≤ 10 s) and the
 *      tally of 500,000 ballots (goal ≤ 5 s).
 * Yardsticks measured in the same run, on the same machine and server, so the ratios carry over:
 *   - the same HTTP path without a write: `matter(id)` through the gateway, same concurrency;
 *   - a raw `INSERT … SELECT` copying as many rows as the snapshot writes (no hashing, no ORM).
 * Starts the roster (it issues the tokens) and deliberation on fresh MariaDB databases with the real
 * Kafka, and the gateway; the voters read model is filled directly (people's events are not what is
 * measured). Databases are dropped afterwards. Appends to tools/bench/results/deliberation-vote.md.
 *   npm run bench:vote [-- --quick] [--concurrency 32] [--no-write]
 * --quick: 1,100 voters and a 50,000 county (a smoke run; the goals are for the full sizes).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { format, resolveConfig } from 'prettier';
import { JwksKeyResolver, TokenVerifier } from '@sc/auth';
import { createLogger } from '@sc/config';
import { readSupergraph, startGateway } from '@sc/gateway';
import { SERVICES, supergraphFiles } from '@sc/services';
import type { RunningService } from '@sc/service';
import { freshMysqlDatabase, TEST_KAFKA_BROKERS, tokenMinter, type TestDatabase } from '@sc/testing';
import { shardOf, type MatterService } from '@sc/deliberation';

const USAGE = 'usage: npm run bench:vote [-- --quick] [--concurrency 32] [--no-write]\n';
function usageError(message: string): never {
  process.stderr.write(`bench:vote: ${message}\n${USAGE}`);
  process.exit(2);
}
function parseArguments() {
  try {
    return parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        concurrency: { type: 'string', default: '32' },
        'no-write': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    return usageError((error instanceof Error ? error.message : String(error)).split('. ')[0] ?? '');
  }
}
const values = parseArguments();
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const CONCURRENCY = Number(values.concurrency);
if (!Number.isInteger(CONCURRENCY) || CONCURRENCY < 1) usageError('--concurrency needs a whole number ≥ 1');
const VOTERS = values.quick ? 1_100 : 11_000;
const COUNTY = values.quick ? 50_000 : 500_000;

const ms = (t0: number) => performance.now() - t0;
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);

interface Answer {
  data?: Record<string, unknown>;
  errors?: { message: string }[];
}
async function post(url: string, query: string, variables: unknown, token?: string): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Answer;
  if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body;
}

/** Runs `n` jobs with `concurrency` in flight; returns the wall time in ms. */
async function pool(n: number, concurrency: number, job: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      for (let i = next++; i < n; i = next++) await job(i);
    }),
  );
  return ms(t0);
}

/** Voters (adults, one household each) on one street of a fresh community, straight into the read model. */
async function fillVoters(
  ds: RunningService['dataSource'],
  n: number,
): Promise<{ community: string; street: string; ids: string[] }> {
  const community = randomUUID();
  const street = randomUUID();
  await ds.query(
    'INSERT INTO roster_place (id, kind, name, parent_id, community_id, status) VALUES (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?)',
    [
      community,
      'COMMUNITY',
      '压测社区',
      null,
      community,
      'ACTIVE',
      street,
      'STREET',
      '压测街',
      community,
      community,
      'ACTIVE',
    ],
  );
  const ids: string[] = [];
  for (let i = 0; i < n; i += 2000) {
    const rows: unknown[] = [];
    const count = Math.min(2000, n - i);
    for (let k = 0; k < count; k++) {
      const id = randomUUID();
      ids.push(id);
      rows.push(id, 'ACTIVE', 1950 + ((i + k) % 50), randomUUID(), 'HEAD', street, null, 1);
    }
    await ds.query(
      `INSERT INTO people_voter (id, status, birth_year, household_id, relationship, street_id, courtyard_id, version) VALUES ${Array.from({ length: count }, () => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      rows,
    );
  }
  return { community, street, ids };
}

/** Deletes this run's topics (best effort: a broker that is down leaves them, which is harmless). */
async function deleteTopics(prefix: string): Promise<void> {
  const admin = new Kafka({
    clientId: 'bench-vote',
    brokers: TEST_KAFKA_BROKERS,
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
  } catch {
    // best effort
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-bench-vote-'));
  const logger = createLogger({ service: 'bench-vote', level: 'warn' });
  const dbs: TestDatabase[] = [];
  const running: RunningService[] = [];
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
  const load0 = os.loadavg()[0] ?? 0;
  // Topics of this run only: on a shared broker the read models would otherwise replay every
  // earlier run's and spec's events while ballots are timed (they did: ADR 0047).
  const topicPrefix = `sc-bench.vote.${randomBytes(3).toString('hex')}.`;
  try {
    let keys: JwksKeyResolver | undefined;
    for (const name of ['roster', 'deliberation']) {
      const service = SERVICES.find((s) => s.name === name);
      if (!service) throw new Error(`no service ${name}`);
      const db = await freshMysqlDatabase(`bench_vote_${name}`);
      dbs.push(db);
      const prefix = name.toUpperCase();
      const started = await service.start({
        env: {
          NODE_ENV: 'test',
          DATA_DIR: dataDir,
          KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
          KAFKA_GROUP_SUFFIX: `.${db.name}`.slice(0, 40),
          KAFKA_TOPIC_PREFIX: topicPrefix,
          [`${prefix}_HOST`]: '127.0.0.1',
          [`${prefix}_PORT`]: '0',
          [`${prefix}_DATABASE_URL`]: db.url,
          DELIBERATION_BALLOT_KEY: randomBytes(32).toString('base64'),
          LOG_LEVEL: 'warn',
        },
        logger,
        keyResolver: keys,
      });
      running.push(started);
      if (started.jwksUrl) keys = new JwksKeyResolver(started.jwksUrl);
    }
    if (!keys) throw new Error('the roster issues no tokens');
    const [roster, delib] = running as [RunningService, RunningService];
    // People and cases are not started: no query of this bench reaches them.
    gateway = await startGateway({
      supergraphSdl: readSupergraph(...supergraphFiles()),
      subgraphUrls: {
        roster: `${roster.url}/graphql`,
        deliberation: `${delib.url}/graphql`,
        people: 'http://127.0.0.1:9/graphql',
        cases: 'http://127.0.0.1:9/graphql',
      },
      verifier: new TokenVerifier(keys, { issuer: 'street-chief/roster', audience: 'street-chief' }),
      logger,
      development: false,
      port: 0,
      host: '127.0.0.1',
    });
    const url = `${gateway.url}/graphql`;
    const tokens = tokenMinter(dataDir);
    const staff = tokens.mint(['COMMUNITY_STAFF'], { scopes: ['community:bench'], subject: 'bench-staff' });
    const ds = delib.dataSource;
    const matters = (delib.exposed as { matters: MatterService }).matters;

    // 1. The community-wide vote through the gateway.
    const { community, ids } = await fillVoters(ds, VOTERS);
    const drafted = await post(
      url,
      'mutation($i: DraftMatterInput!) { draftMatter(input: $i) { id } }',
      {
        i: {
          title: '社区停车位分配',
          description: '压测',
          kind: 'PARKING',
          scopeKind: 'COMMUNITY',
          scopeId: community,
        },
      },
      staff,
    );
    const matterId = (drafted.data?.['draftMatter'] as { id: string }).id;
    await post(url, 'mutation($id: ID!) { openDiscussion(id: $id) { id } }', { id: matterId }, staff);
    const tOpen = performance.now();
    await post(
      url,
      'mutation($id: ID!, $c: DateTime!) { openVoting(id: $id, closesAt: $c) { id } }',
      { id: matterId, c: new Date(Date.now() + 86_400_000).toISOString() },
      staff,
    );
    const openMs = ms(tOpen);
    // Tokens live 10 minutes: minted per half, just before it is cast (signing is not what is timed).
    const voterTokens: string[] = [];
    const mintHalf = (from: number, n: number) => {
      for (let k = from; k < from + n; k++)
        voterTokens[k] = tokens.mint(['RESIDENT'], {
          scopes: [`resident:${ids[k]}`],
          subject: `r-${ids[k]}`,
        });
    };
    const options = ['FOR', 'AGAINST', 'ABSTAIN'];
    // Warm-up (JIT, connection pools), then the yardstick and the ballots, interleaved in halves.
    await pool(200, CONCURRENCY, () =>
      post(url, 'query($id: ID!) { matter(id: $id) { id status } }', { id: matterId }),
    );
    const half = Math.floor(VOTERS / 2);
    const read = (n: number) =>
      pool(n, CONCURRENCY, () =>
        post(url, 'query($id: ID!) { matter(id: $id) { id status } }', { id: matterId }),
      );
    const cast = (from: number, n: number) =>
      pool(n, CONCURRENCY, (i) =>
        post(
          url,
          'mutation($i: CastBallotInput!) { castBallot(input: $i) { receipt } }',
          { i: { matterId, choices: [options[(from + i) % 3]] } },
          voterTokens[from + i],
        ),
      );
    const readMs = (await read(half)) + (await read(VOTERS - half));
    // Deadlocks while the ballots are cast (server-wide: other work on the server counts too).
    const deadlocks = async () => {
      const [row] = (await ds.query("SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'")) as { Value: string }[];
      return Number(row?.Value ?? 0);
    };
    const deadlocks0 = await deadlocks();
    mintHalf(0, half);
    const castFirst = await cast(0, half);
    mintHalf(half, VOTERS - half);
    const castMs = castFirst + (await cast(half, VOTERS - half));
    const castDeadlocks = (await deadlocks()) - deadlocks0;
    const ballotsPerS = (VOTERS / castMs) * 1000;
    const readsPerS = (VOTERS / readMs) * 1000;
    const tClose = performance.now();
    const closed = await matters.closeVote(null, matterId, 'bench');
    const closeMs = ms(tClose);
    if (closed.tally?.participants !== VOTERS) throw new Error(`tally counted ${closed.tally?.participants}`);

    // 2. The county-wide electorate: snapshot and tally of COUNTY voters.
    const county = await fillVoters(ds, COUNTY);
    const big = await matters.draft(
      {
        principal: {
          subject: 'bench-staff',
          roles: ['COMMUNITY_STAFF'],
          scopes: [],
          tokenId: 'b',
          expiresAt: new Date(Date.now() + 3_600_000),
        },
      },
      {
        title: '全县议题',
        description: '压测',
        kind: 'OTHER',
        scopeKind: 'COMMUNITY',
        scopeId: county.community,
        electorateKind: 'ADULT_RESIDENTS',
        rulePreset: 'RESIDENTS_MEETING',
        specialMatter: false,
        quorum: null,
        threshold: null,
        choices: null,
        maxSelections: 1,
        secret: true,
        resultsHidden: false,
      },
    );
    const req = {
      principal: {
        subject: 'bench-staff',
        roles: ['COMMUNITY_STAFF' as const],
        scopes: [],
        tokenId: 'b',
        expiresAt: new Date(Date.now() + 3_600_000),
      },
    };
    await matters.move(req, big.id, 'openDiscussion', 'bench');
    const tSnap = performance.now();
    await matters.openVoting(req, big.id, new Date(Date.now() + 86_400_000), 'bench');
    const snapshotMs = ms(tSnap);
    // Yardstick: a raw copy of as many rows (same shape) in one statement, no hashing, no ORM.
    await ds.query('CREATE TABLE bench_copy LIKE electorate_member');
    const tCopy = performance.now();
    await ds.query(
      'INSERT INTO bench_copy SELECT ?, voter_id, caster_resident_id, weight FROM electorate_member WHERE matter_id = ?',
      [randomUUID(), big.id],
    );
    const copyMs = ms(tCopy);
    // Ballots of every voter, written straight, with the running counts castBallot would keep
    // beside them (the tally reads what castBallot writes; ADR 0047).
    const counted = new Map<string, number>();
    const bump = (choice: string, shard: number) =>
      counted.set(`${choice}\u0000${shard}`, (counted.get(`${choice}\u0000${shard}`) ?? 0) + 1);
    for (let i = 0; i < COUNTY; i += 2000) {
      const count = Math.min(2000, COUNTY - i);
      const rows: unknown[] = [];
      for (let k = 0; k < count; k++) {
        const ballotId = randomUUID();
        bump('', shardOf(ballotId));
        bump(options[(i + k) % 3] as string, shardOf(ballotId));
        rows.push(
          ballotId,
          big.id,
          randomBytes(32).toString('hex'),
          JSON.stringify([options[(i + k) % 3]]),
          null,
          'n',
          randomBytes(32).toString('hex'),
        );
      }
      await ds.query(
        `INSERT INTO ballot (id, matter_id, current_slot, choices, weight, nonce, receipt) VALUES ${Array.from({ length: count }, () => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        rows,
      );
    }
    for (const [key, n] of counted) {
      const [choice, shard] = key.split('\u0000') as [string, string];
      await ds.query(
        'UPDATE ballot_count SET ballots = ballots + ? WHERE matter_id = ? AND choice = ? AND shard = ?',
        [n, big.id, choice, Number(shard)],
      );
    }
    const tTally = performance.now();
    const bigClosed = await matters.closeVote(null, big.id, 'bench');
    const tallyMs = ms(tTally);
    if (bigClosed.tally?.participants !== COUNTY)
      throw new Error(`county tally counted ${bigClosed.tally?.participants}`);
    const load1 = os.loadavg()[0] ?? 0;

    const goal = (ok: boolean) => (ok ? 'met' : 'missed');
    const lines = [
      `## ${new Date().toISOString()}: ${VOTERS.toLocaleString('en')} voters, county ${COUNTY.toLocaleString('en')}${values.quick ? ' (--quick)' : ''}`,
      '',
      `\`npm run bench:vote${values.quick ? ' -- --quick' : ''}\` (concurrency ${CONCURRENCY})`,
      '',
      '| measure | figure | goal | yardstick (same run) | ratio |',
      '| --- | --- | --- | --- | --- |',
      `| **ballots through the gateway** | **${f1(ballotsPerS)}/s** | ≥ 300/s: ${goal(ballotsPerS >= 300)} | matter(id) reads through the gateway: ${f1(readsPerS)}/s | ${f2(ballotsPerS / readsPerS)}× the read rate |`,
      `| InnoDB deadlocks while casting (server-wide, each a retried cast) | ${castDeadlocks} (${f1((castDeadlocks * 1000) / VOTERS)} per 1,000 ballots) | — | — | — |`,
      `| openVoting (snapshot of ${VOTERS.toLocaleString('en')}), through the gateway | ${f1(openMs)} ms | — | — | — |`,
      `| closing tally of ${VOTERS.toLocaleString('en')} | ${f1(closeMs)} ms | ≤ 1 s: ${goal(closeMs <= 1000)} | — | — |`,
      `| **snapshot of ${COUNTY.toLocaleString('en')}** (openVoting) | **${f1(snapshotMs)} ms** | ≤ 10 s: ${goal(snapshotMs <= 10_000)} | raw INSERT … SELECT of as many rows: ${f1(copyMs)} ms | ${f2(snapshotMs / copyMs)}× the raw copy |`,
      `| **tally of ${COUNTY.toLocaleString('en')}** (closeVote) | **${f1(tallyMs)} ms** | ≤ 5 s: ${goal(tallyMs <= 5000)} | raw copy above | ${f2(tallyMs / copyMs)}× the raw copy |`,
      '',
      `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? '?'}), Node ${process.version}; 1-min load average ${f1(load0)} before, ${f1(load1)} after (other work on the machine competes for the cores).`,
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (!values['no-write']) {
      const file = path.join(__dirname, 'results', 'deliberation-vote.md');
      const head =
        '# Benchmark: deliberation votes\n\nWritten by tools/bench/deliberation-vote.ts, one section per run (newest last). Goals (issue 12): ballots through the gateway ≥ 300/s for 11,000 voters, closing tally ≤ 1 s; a 500,000 electorate: snapshot ≤ 10 s, tally ≤ 5 s.\n\n';
      const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : head;
      const text = `${before.trimEnd()}\n\n${lines.join('\n')}`;
      const config = (await resolveConfig(file)) ?? {};
      fs.writeFileSync(file, await format(text, { ...config, filepath: file }));
      process.stdout.write(`appended to ${path.relative(process.cwd(), file)}\n`);
    }
  } finally {
    await gateway?.close();
    for (const s of running.reverse()) await s.close();
    for (const db of dbs) await db.drop();
    await deleteTopics(topicPrefix);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench:vote: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
