/**
 * Benchmark of a write in embedded mode (not a test): the built embedded app (`npm start`) as a child
 * process on its seeded demo, timing people mutations (moveIn) through the gateway and straight to the
 * people subgraph, a roster mutation, and two yardsticks in the same run, interleaved with them:
 *   - the same HTTP path without a write: `resident(id)` through the gateway;
 *   - one raw SQLite commit of a small row through node:sqlite in the same folder, with the embedded
 *     settings (WAL, synchronous=FULL) and with synchronous=NORMAL (the cost of the fsync per commit).
 * Appends the figures to tools/bench/results/embedded-mutation.md. Goal (issue 10): a people mutation in
 * embedded mode ≤ 10 ms median.
 *   npm run bench:embedded [-- --n 300] [--data-dir <seeded folder>] [--main <bundle>] [--no-write]
 * --main runs another build of the embedded app (e.g. an older version, for comparison).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { EMBEDDED_SQLITE } from '@sc/db';
import { stableId } from '@sc/demo';
import { makeTestIdNumber } from '@sc/people';
import { tokenMinter } from '@sc/testing';
import { buildEmbedded, EmbeddedProcess } from '@sc/services/testing';

const USAGE =
  'usage: npm run bench:embedded [-- --n 300] [--data-dir <seeded folder>] [--main <bundle>] [--no-write]\n';

/** A usage error: one line and the usage on stderr, exit 2 (no stack trace). */
function usageError(message: string): never {
  process.stderr.write(`bench:embedded: ${message}\n${USAGE}`);
  process.exit(2);
}

function parseArguments() {
  try {
    return parseArgs({
      options: {
        n: { type: 'string', default: '300' },
        'data-dir': { type: 'string' },
        main: { type: 'string' },
        'no-write': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    // node:util's messages are one line and name the option; drop its advice to use `--`.
    return usageError((error instanceof Error ? error.message : String(error)).split('. ')[0] ?? '');
  }
}
const values = parseArguments();
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const N = Number(values.n);
if (!Number.isInteger(N) || N < 10) usageError('--n must be a whole number ≥ 10');

interface Answer {
  data?: Record<string, { id: string; name?: string } | null>;
  errors?: unknown[];
}

async function post(url: string, token: string, query: string, variables?: unknown): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Answer;
  if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body;
}

/** Milliseconds `work` takes. */
async function time(work: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** One raw SQLite write transaction per call, on a file of its own with the embedded settings. */
function rawCommitter(
  file: string,
  synchronous: 'FULL' | 'NORMAL',
): { commit: () => void; close: () => void } {
  const db = new DatabaseSync(file);
  db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${synchronous};`);
  db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO t (payload) VALUES (?)');
  return {
    commit: () => {
      db.exec('BEGIN');
      insert.run(randomBytes(150).toString('hex'));
      db.exec('COMMIT');
    },
    close: () => {
      db.close();
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
    },
  };
}

async function main(): Promise<void> {
  const dataDir = values['data-dir'] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sc-bench-embedded-'));
  const bundle = values.main ? path.resolve(values.main) : buildEmbedded();
  const loadBefore = os.loadavg()[0] ?? 0;
  process.stderr.write(`starting the embedded app on ${dataDir} (the first start seeds the demo)…\n`);
  const app = new EmbeddedProcess(bundle, dataDir, { LOG_LEVEL: 'info' });
  const results: Record<string, number[]> = {
    'people moveIn, through the gateway': [],
    'people moveIn, straight to the people subgraph': [],
    'roster renameCourtyard, through the gateway': [],
    'yardstick: resident(id) read, through the gateway': [],
    'yardstick: raw SQLite commit, WAL + synchronous=FULL': [],
    'yardstick: raw SQLite commit, WAL + synchronous=NORMAL': [],
  };
  const full = rawCommitter(path.join(dataDir, 'bench-yardstick-full.sqlite'), 'FULL');
  const normal = rawCommitter(path.join(dataDir, 'bench-yardstick-normal.sqlite'), 'NORMAL');
  try {
    const base = await app.ready(600_000);
    const peopleUrl = /"url":"(http:\/\/[^"]+\/graphql)","msg":"people subgraph listening"/.exec(
      app.text,
    )?.[1];
    if (!peopleUrl) throw new Error('the people subgraph URL is not in the log');
    const gateway = `${base}/graphql`;
    const token = tokenMinter(dataDir).mint(['ADMIN'], { subject: 'bench', ttlSeconds: 3_600 });
    const run = Date.now() % 100_000;
    let n = 0;
    const moveIn = (url: string) => {
      const i = n++;
      const birth = new Date(
        Date.UTC(1960, 0, 1) + (run % 3_000) * 86_400_000 + Math.floor(i / 500) * 86_400_000,
      )
        .toISOString()
        .slice(0, 10);
      return post(url, token, 'mutation M($i: MoveInInput!) { moveIn(input: $i) { id } }', {
        i: {
          idNumber: makeTestIdNumber('510133', birth, i % 500, i % 2 === 0 ? 'MALE' : 'FEMALE'),
          name: `基准${i}`,
          origin: '汉源县',
          category: 'MIGRANT_LONG_TERM',
          address: { streetId: stableId('street:新街'), building: '7', unit: '1', door: `B${run}-${i}` },
          newHousehold: { housing: 'RENTED' },
        },
      });
    };
    const first = await moveIn(gateway);
    const residentId = first.data?.['moveIn']?.id;
    if (!residentId) throw new Error('no resident id');
    const courtyard = stableId('courtyard:正街:供销社院');
    let r = 0;
    const rename = () =>
      post(gateway, token, 'mutation R($i: RenamePlaceInput!) { renameCourtyard(input: $i) { id } }', {
        i: { id: courtyard, name: `供销社院${r++ % 2 === 0 ? '（基准）' : ''}` },
      });
    const read = () => post(gateway, token, `{ resident(id: "${residentId}") { id name } }`);

    const round = async (record: boolean) => {
      const samples = [
        await time(() => moveIn(gateway)),
        await time(() => moveIn(peopleUrl)),
        await time(rename),
        await time(read),
        await time(full.commit),
        await time(normal.commit),
      ];
      if (record) Object.values(results).forEach((list, k) => list.push(samples[k] ?? NaN));
    };
    process.stderr.write('warming up…\n');
    for (let i = 0; i < 30; i++) await round(false);
    process.stderr.write(`measuring ${N} rounds…\n`);
    for (let i = 0; i < N; i++) await round(true);
    // Leave the demo courtyard with its own name.
    await post(gateway, token, 'mutation R($i: RenamePlaceInput!) { renameCourtyard(input: $i) { id } }', {
      i: { id: courtyard, name: '供销社院' },
    });
  } finally {
    full.close();
    normal.close();
    await app.stop('SIGTERM');
    if (!values['data-dir']) fs.rmSync(dataDir, { recursive: true, force: true });
  }

  const median = (k: string) => quantile(results[k] ?? [], 0.5);
  const mutation = median('people moveIn, through the gateway');
  const readMs = median('yardstick: resident(id) read, through the gateway');
  const commitMs = median('yardstick: raw SQLite commit, WAL + synchronous=FULL');
  const rows = Object.entries(results).map(([name, samples]) => {
    const m = quantile(samples, 0.5);
    return `| ${name.startsWith('people moveIn, through') ? `**${name}**` : name} | ${name.startsWith('people moveIn, through') ? `**${m.toFixed(2)}**` : m.toFixed(2)} | ${quantile(samples, 0.9).toFixed(2)} | ${quantile(samples, 0.99).toFixed(2)} |`;
  });
  const cpus = os.cpus();
  const section = [
    `## ${new Date().toISOString()}: ${N} rounds${values.main ? ` of ${values.main}` : ''}`,
    '',
    `\`npm run bench:embedded -- --n ${N}${values.main ? ` --main ${values.main}` : ''}\``,
    '',
    values.main
      ? `The app under test: ${values.main}.`
      : `The app as built from this checkout: journal_mode=${EMBEDDED_SQLITE.journalMode}, synchronous=${EMBEDDED_SQLITE.synchronous}.`,
    '',
    '| operation (ms) | median | p90 | p99 |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    `People mutation through the gateway: **${mutation.toFixed(2)} ms median** (goal ≤ 10 ms); ` +
      `${(mutation / readMs).toFixed(2)}× the read through the same path, ${(mutation / commitMs).toFixed(1)}× one raw ` +
      `SQLite commit with the same settings. Machine: ${cpus.length} cores (${cpus[0]?.model ?? '?'}), ` +
      `Node ${process.version}; 1-min load average ${loadBefore.toFixed(1)} before, ${(os.loadavg()[0] ?? 0).toFixed(1)} after ` +
      '(other work on the machine competes for the cores).',
    '',
  ].join('\n');
  process.stdout.write(`${section}\n`);
  if (!values['no-write']) {
    const out = path.join(__dirname, 'results/embedded-mutation.md');
    const head =
      '# Benchmark: a write in embedded mode\n\nWritten by tools/bench/embedded-mutation.ts, one section per run (newest last). Goal: a people mutation ≤ 10 ms median. See docs/adr/0016-embedded-sqlite.md.\n\n';
    const previous = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : head;
    const text = `${previous.trimEnd()}\n\n${section}`;
    fs.writeFileSync(out, await format(text, { ...(await resolveConfig(out)), filepath: out }));
    process.stderr.write(`appended to ${path.relative(process.cwd(), out)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
