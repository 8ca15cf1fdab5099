/**
 * Benchmark of the write path in real mode (not a test; issue 17 §1): the roster app as a child process
 * on a fresh MariaDB database with the demo roster, its outbox relay publishing to the real Kafka broker,
 * and real HTTP mutations with real JWTs straight to the roster subgraph. In one run:
 *   - sequential: one client renaming the demo's 21 streets and 72 courtyards in turn;
 *   - concurrent: 10 clients, each renaming its own streets and courtyards (different aggregates; street
 *     renames still alter the community's and the resident groups' boards, shared by all of them).
 * The yardstick is the sequential rate of the same run: `concurrent/sequential` is the figure of record
 * (goal ≥ 3), and `concurrent-rps` the rate (goal ≥ 300 simple mutations/s per service). After each phase
 * it waits for the relay to publish everything (reported, not part of the rates).
 * Appends the figures to tools/bench/results/roster-writes.md; `--quick` prints only one line:
 *   concurrent/sequential=<x> sequential-rps=<y> concurrent-rps=<z>
 *   npm run bench:writes [-- --n 600] [--clients 10] [--quick] [--no-write]
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { CAICHANG, stableId } from '@sc/demo';
import { freshMysqlDatabase, ServiceProcess, TEST_KAFKA_BROKERS, tokenMinter } from '@sc/testing';

const USAGE = 'usage: npm run bench:writes [-- --n 600] [--clients 10] [--quick] [--no-write]\n';

/** A usage error: one line and the usage on stderr, exit 2 (no stack trace). */
function usageError(message: string): never {
  process.stderr.write(`bench:writes: ${message}\n${USAGE}`);
  process.exit(2);
}

function parseArguments() {
  try {
    return parseArgs({
      options: {
        n: { type: 'string' },
        clients: { type: 'string', default: '10' },
        quick: { type: 'boolean', default: false },
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
const QUICK = values.quick === true;
const N = Number(values.n ?? (QUICK ? '300' : '1200'));
const CLIENTS = Number(values.clients);
if (!Number.isInteger(N) || N < 50) usageError('--n must be a whole number ≥ 50');
if (!Number.isInteger(CLIENTS) || CLIENTS < 2 || CLIENTS > 50)
  usageError('--clients must be a whole number from 2 to 50');

/** Progress on stderr, except with --quick (one line of result only). */
const say = (text: string) => {
  if (!QUICK) process.stderr.write(`${text}\n`);
};

interface Target {
  id: string;
  kind: 'STREET' | 'COURTYARD';
  name: string;
}

/** The demo's streets and courtyards, interleaved so that every client gets some of each. */
function targets(): Target[] {
  const streets: Target[] = [];
  const yards: Target[] = [];
  for (const group of CAICHANG.groups) {
    for (const [street, courtyards] of group.streets) {
      streets.push({ id: stableId(`street:${street}`), kind: 'STREET', name: street });
      for (const yard of courtyards)
        yards.push({ id: stableId(`courtyard:${street}:${yard}`), kind: 'COURTYARD', name: yard });
    }
  }
  const all: Target[] = [];
  for (let i = 0; all.length < streets.length + yards.length; i++) {
    if (i < streets.length) all.push(streets[i] as Target);
    for (const y of yards.slice(i * 4, i * 4 + 4)) all.push(y);
  }
  return all;
}

interface Answer {
  data?: unknown;
  errors?: unknown[];
}

function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

interface Phase {
  rps: number;
  p50: number;
  p99: number;
  drainMs: number;
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-bench-writes-'));
  const db = await freshMysqlDatabase('bench_writes');
  const sql = await createConnection({ uri: db.url.replace(/^mariadb:/, 'mysql:') });
  const loadBefore = os.loadavg()[0] ?? 0;
  say(`starting roster on ${db.name} (seeds the demo roster)…`);
  const app = new ServiceProcess('roster', {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    ROSTER_DATABASE_URL: db.url,
    ROSTER_HOST: '127.0.0.1',
    ROSTER_PORT: '0',
    ROSTER_SEED_DEMO: 'true',
    KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
    KAFKA_GROUP_SUFFIX: `.bench-writes-${randomBytes(4).toString('hex')}`,
    ...(process.env['BENCH_NODE_OPTIONS'] ? { NODE_OPTIONS: process.env['BENCH_NODE_OPTIONS'] } : {}),
  });
  const phases: Record<'sequential' | 'concurrent', Phase> = {} as never;
  try {
    const base = await app.ready(120_000);
    const url = `${base}/graphql`;
    const token = tokenMinter(dataDir).mint(['ADMIN'], { subject: 'bench', ttlSeconds: 3_600 });
    const all = targets();
    let round = 0;
    /** One rename of `t` to a name of this round (unique among its siblings: the suffix is the target's). */
    const rename = async (t: Target, k: number): Promise<number> => {
      const field = t.kind === 'STREET' ? 'renameStreet' : 'renameCourtyard';
      const t0 = performance.now();
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: `mutation R($i: RenamePlaceInput!) { ${field}(input: $i) { id name } }`,
          variables: { i: { id: t.id, name: `${t.name}${k % 2 === 0 ? '' : `·${round}`}` } },
        }),
      });
      const body = (await res.json()) as Answer;
      if (body.errors) throw new Error(`${field}: ${JSON.stringify(body.errors)}`);
      return performance.now() - t0;
    };
    const unpublished = async () => {
      const [rows] = await sql.query('SELECT COUNT(*) AS n FROM outbox_event WHERE published_at IS NULL');
      return Number((rows as { n: number }[])[0]?.n ?? 0);
    };
    const drain = async () => {
      const t0 = performance.now();
      while ((await unpublished()) > 0) await new Promise((r) => setTimeout(r, 20));
      return performance.now() - t0;
    };
    /** `clients` loops, client c renaming targets c, c + clients, …, n mutations together. */
    const phase = async (clients: number, n: number): Promise<Phase> => {
      round++;
      const samples: number[] = [];
      const perClient = Math.ceil(n / clients);
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: clients }, async (_, c) => {
          const mine = all.filter((_, i) => i % clients === c);
          for (let k = 0; k < perClient; k++) samples.push(await rename(mine[k % mine.length] as Target, k));
        }),
      );
      const elapsed = performance.now() - t0;
      return {
        rps: (samples.length * 1000) / elapsed,
        p50: quantile(samples, 0.5),
        p99: quantile(samples, 0.99),
        drainMs: await drain(),
      };
    };
    say('warming up…');
    await phase(CLIENTS, 100);
    await phase(1, 50);
    say(`sequential: ${N} renames, one client…`);
    phases.sequential = await phase(1, N);
    say(`concurrent: ${N} renames, ${CLIENTS} clients…`);
    phases.concurrent = await phase(CLIENTS, N);
  } finally {
    await app.stop('SIGTERM');
    await sql.end();
    await db.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  const { sequential, concurrent } = phases;
  const ratio = concurrent.rps / sequential.rps;
  const line = `concurrent/sequential=${ratio.toFixed(2)} sequential-rps=${sequential.rps.toFixed(1)} concurrent-rps=${concurrent.rps.toFixed(1)}`;
  if (!values['no-write']) {
    const cpus = os.cpus();
    const row = (name: string, p: Phase) =>
      `| ${name} | ${p.rps.toFixed(1)} | ${p.p50.toFixed(1)} | ${p.p99.toFixed(1)} | ${p.drainMs.toFixed(0)} |`;
    const section = [
      `## ${new Date().toISOString()}: ${N} renames per phase, ${CLIENTS} clients${QUICK ? ' (--quick)' : ''}`,
      '',
      `${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, load average ${loadBefore.toFixed(2)} before, ` +
        `${(os.loadavg()[0] ?? 0).toFixed(2)} after; MariaDB and Kafka shared with other work.`,
      '',
      '| phase | mutations/s | p50 ms | p99 ms | outbox drained after (ms) |',
      '| --- | --- | --- | --- | --- |',
      row('sequential (1 client)', sequential),
      row(`concurrent (${CLIENTS} clients, different places)`, concurrent),
      '',
      `**${line}**`,
      '',
    ].join('\n');
    const file = path.join(__dirname, 'results/roster-writes.md');
    if (!fs.existsSync(file))
      fs.writeFileSync(
        file,
        '# bench:writes — roster renames in real mode, sequential vs concurrent (issue 17 §1)\n\n' +
          'Goal: concurrent/sequential ≥ 3, concurrent ≥ 300 mutations/s. Appended by `npm run bench:writes`.\n\n',
      );
    fs.appendFileSync(file, `${section}\n`);
  }
  if (!QUICK) {
    const show = (name: string, p: Phase) =>
      `${name}: ${p.rps.toFixed(1)} mutations/s, p50 ${p.p50.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms, outbox drained ${p.drainMs.toFixed(0)} ms later\n`;
    process.stdout.write(show('sequential', sequential) + show(`concurrent (${CLIENTS})`, concurrent));
  }
  process.stdout.write(`${line}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:writes: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
