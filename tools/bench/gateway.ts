/**
 * Benchmark of the gateway (not a test, issue 13): real mode, every service its own process
 * as deployed: `node --require docker/source-maps.cjs <SERVICE_NODE_FLAGS> dist/apps/<name>/main.js`, the
 * image's esbuild bundle, NODE_OPTIONS and malloc settings (SERVICE_NODE_ENV; ADR 0050; built first
 * when dist is missing or older than the sources), NODE_ENV=production, MariaDB with the demo data, Kafka. `--from source` runs
 * `apps/<name>/src/main.ts` through tsx instead (no build; ~60 MB more RSS per process),
 * and three kinds of target on the same subgraphs, interleaved:
 *   - direct: the subgraph that owns the query's root field, asked its own part of the query;
 *   - apollo: our gateway (apps/gateway), with the in-flight merging on and, as `apollo-nomerge`, off;
 *     as `apollo-traced`, merging on and OpenTelemetry tracing on (every span exported over OTLP/HTTP to
 *     a sink in the bench process), for the cost of tracing (issue 16: ≤ 10 % rps at 10 connections);
 *   - hive: Hive Gateway (`@graphql-hive/gateway`) on the same supergraph, default settings and, as
 *     `hive-nomerge`, with `deduplicateInflightRequests: false`.
 * Queries: q1 (public chiefs → grid → streets → courtyards, roster only), q2 (residents with household,
 * street, resident group and courtyard, staff token: people + roster entity fetches), q3 (a case with its
 * reporter, street and grid chief: cases + people + roster), and q2v, the varied mix: q2 with a different
 * page size and a different staff token on every request, so that no two requests can be merged.
 * Load: autocannon (in process), warm-up, then the runs of every target interleaved. For every run: rps,
 * p50/p99, errors and non-2xx, CPU ms per request of every process (from /proc) and, at the end, RSS of
 * every process idle (once every process is quiet, and again --idle-wait seconds later, default 60: V8's
 * memory reducer shrinks an idle heap only some tens of seconds after the work stops) and after the load.
 * Appends the figures to tools/bench/results/gateway.md.
 *   npm run bench:gateway [-- --quick] [--runs 3] [--duration 20] [--connections 1,10,50]
 *                         [--targets direct,apollo,...] [--queries q1,q2,...] [--no-hive] [--no-write]
 *                         [--cpu-prof <folder>] [--from bundle|source] [--idle-wait 60]
 * --quick: one run of each, 10 s, q1 and q2 at 10 connections (plus 5 s at 1 connection for the p50
 * overhead); ends with `gateway/direct=<x> apollo/hive=<y> p50-overhead=<z>`.
 * --cpu-prof writes a V8 CPU profile of every service and gateway process into the folder (at exit).
 * autocannon and @graphql-hive/gateway are devDependencies; BENCH_NODE_MODULES names another
 * node_modules folder to take them from (a checkout whose node_modules predates them).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { loadOrCreateDevSigningKey, TokenIssuer } from '@sc/auth';
import { stableId } from '@sc/demo';
import {
  AppProcess,
  freshMysqlDatabase,
  pause,
  SERVICE_NODE_ENV,
  SERVICE_NODE_FLAGS,
  TEST_KAFKA_BROKERS,
  WORKSPACE_ROOT,
  type TestDatabase,
} from '@sc/testing';

const USAGE =
  'usage: npm run bench:gateway [-- --quick] [--runs 3] [--duration 20] [--connections 1,10,50] ' +
  '[--targets direct,apollo,apollo-nomerge,apollo-traced,hive,hive-nomerge] [--queries q1,q2,q3,q2v] [--no-hive] ' +
  '[--no-write] [--cpu-prof <folder>] [--from bundle|source] [--idle-wait 60]\n';

function usageError(message: string): never {
  process.stderr.write(`bench:gateway: ${message}\n${USAGE}`);
  process.exit(2);
}

function parseArguments() {
  try {
    return parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        runs: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        'idle-wait': { type: 'string' },
        connections: { type: 'string' },
        targets: { type: 'string' },
        queries: { type: 'string' },
        'no-hive': { type: 'boolean', default: false },
        'no-write': { type: 'boolean', default: false },
        'cpu-prof': { type: 'string' },
        from: { type: 'string', default: 'bundle' },
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
const QUICK = values.quick;
const wholeNumber = (name: string, raw: string | undefined, fallback: number, min: number): number => {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) usageError(`--${name} needs a whole number ≥ ${min}`);
  return n;
};
const RUNS = wholeNumber('runs', values.runs, QUICK ? 1 : 3, 1);
const DURATION = wholeNumber('duration', values.duration, QUICK ? 10 : 20, 1);
const WARMUP = wholeNumber('warmup', values.warmup, QUICK ? 3 : 5, 0);
const IDLE_WAIT = wholeNumber('idle-wait', values['idle-wait'], 60, 0);
const CONNECTIONS = (values.connections ?? (QUICK ? '10' : '1,10,50')).split(',').map((c) => {
  const n = Number(c);
  if (!Number.isInteger(n) || n < 1) usageError('--connections needs whole numbers ≥ 1, comma-separated');
  return n;
});
const ALL_TARGETS = ['direct', 'apollo', 'apollo-nomerge', 'apollo-traced', 'hive', 'hive-nomerge'] as const;
type TargetName = (typeof ALL_TARGETS)[number];
const ALL_QUERIES = ['q1', 'q2', 'q3', 'q2v'] as const;
type QueryName = (typeof ALL_QUERIES)[number];
function pick<T extends string>(
  name: string,
  raw: string | undefined,
  all: readonly T[],
  fallback: T[],
): T[] {
  if (raw === undefined) return fallback;
  const chosen = raw.split(',');
  for (const c of chosen)
    if (!all.includes(c as T)) usageError(`--${name}: unknown ${c} (one of ${all.join(', ')})`);
  return chosen as T[];
}
const noHive = values['no-hive'];
const TARGETS = pick('targets', values.targets, ALL_TARGETS, [...ALL_TARGETS]).filter(
  (t) => !(noHive && t.startsWith('hive')),
);
const QUERIES = pick('queries', values.queries, ALL_QUERIES, QUICK ? ['q1', 'q2'] : [...ALL_QUERIES]);
const CPU_PROF = values['cpu-prof'] ? path.resolve(values['cpu-prof']) : undefined;
if (values.from !== 'bundle' && values.from !== 'source') usageError('--from is bundle or source');
const FROM_BUNDLE = values.from === 'bundle';

// ---- the load generator and Hive Gateway, from node_modules or BENCH_NODE_MODULES -------------------

const requireHere = createRequire(__filename);
function resolveDep(request: string): string {
  const extra = process.env['BENCH_NODE_MODULES'];
  const paths = [WORKSPACE_ROOT, ...(extra ? [path.dirname(path.resolve(extra))] : [])];
  try {
    return requireHere.resolve(request, { paths });
  } catch {
    throw new Error(
      `cannot find ${request.split('/package.json')[0]}: run npm ci (it is a devDependency), or set ` +
        'BENCH_NODE_MODULES to a node_modules folder that has it',
    );
  }
}

interface Histogram {
  p50: number;
  p99: number;
  average: number;
}
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: Histogram;
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}
interface AutocannonRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (req: AutocannonRequest) => AutocannonRequest;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  requests?: AutocannonRequest[];
  timeout?: number;
}) => Promise<AutocannonResult>;

// ---- processes ----------------------------------------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Clock ticks of user + system CPU of a process so far (Linux /proc), in ms. */
function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the name: state is [0]; utime is field 14 → [11], stime 15 → [12] (clock ticks, 100/s).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  return Number(kb) / 1024;
}

interface Running {
  name: string;
  proc: AppProcess;
  base: string;
}

async function waitReady(name: string, proc: AppProcess, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const exit = await Promise.race([proc.exited, pause(0).then(() => undefined)]);
    if (exit)
      throw new Error(`${name} exited (${exit.code ?? exit.signal}) before it was ready:\n${proc.tail()}`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await pause(200);
  }
  throw new Error(`${name} was not ready within ${timeoutMs} ms:\n${proc.tail()}`);
}

function nodeArgs(name: string, script: string[]): string[] {
  const prof = CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`, `--cpu-prof-name=${name}.cpuprofile`]
    : [];
  // The image's heap settings (ADR 0050) for our processes; Hive Gateway runs with Node's defaults.
  const heap = name.startsWith('hive') ? [] : SERVICE_NODE_FLAGS;
  return [...prof, ...heap, ...script];
}

/** How one of our apps is started: the image's bundle and preload, or its TypeScript through tsx. */
function appScript(app: string): string[] {
  return FROM_BUNDLE
    ? ['--require', path.join(WORKSPACE_ROOT, 'docker/source-maps.cjs'), `dist/apps/${app}/main.js`]
    : ['--import', 'tsx', `apps/${app}/src/main.ts`];
}

/** Newest modification time (ms) of the sources a bundle is built from (apps/ and libs/, no specs). */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (/\.(ts|graphql|json)$/.test(entry.name) && !entry.name.includes('.spec.'))
      newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** `npm run build` for the apps the bench starts when a bundle is missing or older than the sources. */
function ensureBundles(apps: string[]): void {
  const sources = Math.max(
    newestSource(path.join(WORKSPACE_ROOT, 'apps')),
    newestSource(path.join(WORKSPACE_ROOT, 'libs')),
  );
  const stale = apps.filter((app) => {
    const main = path.join(WORKSPACE_ROOT, 'dist/apps', app, 'main.js');
    return !fs.existsSync(main) || fs.statSync(main).mtimeMs < sources;
  });
  if (!stale.length) return;
  log(`building ${stale.join(', ')} (dist missing or older than the sources)`);
  const built = spawnSync(process.execPath, ['tools/build/build.mjs', ...stale], {
    cwd: WORKSPACE_ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (built.status !== 0)
    throw new Error(`the build failed (${built.status ?? built.signal}); run \`npm run build\` and retry`);
}

const base64Key = () => randomBytes(32).toString('base64');

async function main(): Promise<void> {
  const autocannon = requireHere(resolveDep('autocannon')) as Autocannon;
  const hiveBin = TARGETS.some((t) => t.startsWith('hive'))
    ? path.join(path.dirname(resolveDep('@graphql-hive/gateway/package.json')), 'dist/bin.js')
    : undefined;
  if (CPU_PROF) fs.mkdirSync(CPU_PROF, { recursive: true });
  if (FROM_BUNDLE) ensureBundles(['roster', 'people', 'cases', 'deliberation', 'gateway']);

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-bench-gateway-'));
  const dbs: TestDatabase[] = [];
  const running: Running[] = [];
  const stopAll = async () => {
    // SIGTERM: the services close in order and write their CPU profiles.
    await Promise.all(running.map((r) => r.proc.stop('SIGTERM', 20_000)));
    for (const db of dbs) await db.drop().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));

  try {
    const suffix = `.bench-gw-${randomBytes(4).toString('hex')}`;
    const common = {
      ...SERVICE_NODE_ENV,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
      DATA_DIR: dataDir,
      KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
      KAFKA_GROUP_SUFFIX: suffix,
    };
    const services: Record<string, Record<string, string>> = {
      roster: { ROSTER_SEED_DEMO: 'true' },
      people: {
        PEOPLE_SEED_DEMO: 'true',
        PEOPLE_FIELD_KEYS: `bench:${base64Key()}`,
        PEOPLE_BLIND_INDEX_KEY: base64Key(),
      },
      cases: { CASES_CONTACT_KEYS: `bench:${base64Key()}`, CASES_CONTACT_BLIND_INDEX_KEY: base64Key() },
      deliberation: { DELIBERATION_BALLOT_KEY: base64Key() },
    };
    const urls: Record<string, string> = {};
    let jwks = '';
    for (const [name, own] of Object.entries(services)) {
      const db = await freshMysqlDatabase(`bench_gw_${name}`);
      dbs.push(db);
      const prefix = name.toUpperCase();
      const port = await freePort();
      const proc = new AppProcess(nodeArgs(name, appScript(name)), {
        ...common,
        ...(jwks ? { AUTH_JWKS_URL: jwks } : {}),
        [`${prefix}_HOST`]: '127.0.0.1',
        [`${prefix}_PORT`]: String(port),
        [`${prefix}_DATABASE_URL`]: db.url,
        ...own,
      });
      const base = `http://127.0.0.1:${port}`;
      running.push({ name, proc, base });
      await waitReady(name, proc, `${base}/readyz`, 180_000);
      urls[name] = `${base}/graphql`;
      if (name === 'roster') jwks = `${base}/.well-known/jwks.json`;
      log(`${name} ready at ${base}`);
    }

    const supergraphSdl = fs.readFileSync(
      path.join(WORKSPACE_ROOT, 'apps/gateway/supergraph.graphql'),
      'utf8',
    );
    const gatewayEnv = async (port: number, merge: boolean, traced = false) => ({
      ...common,
      ...(traced
        ? { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: await otlpSink() }
        : { OTEL_SDK_DISABLED: 'true' }),
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      GATEWAY_DEDUPLICATE_INFLIGHT: merge ? 'true' : 'false',
      AUTH_JWKS_URL: jwks,
      ...Object.fromEntries(Object.entries(urls).map(([n, u]) => [`${n.toUpperCase()}_URL`, u])),
    });
    const endpoints: Partial<Record<TargetName, string>> = {};
    for (const target of TARGETS) {
      if (target === 'direct') continue;
      const port = await freePort();
      let proc: AppProcess;
      if (target.startsWith('apollo')) {
        proc = new AppProcess(
          nodeArgs(target, appScript('gateway')),
          await gatewayEnv(port, target !== 'apollo-nomerge', target === 'apollo-traced'),
        );
      } else {
        proc = startHive(hiveBin ?? '', target === 'hive', port, supergraphSdl, urls, dataDir);
      }
      const base = `http://127.0.0.1:${port}`;
      running.push({ name: target, proc, base });
      await waitReady(
        target,
        proc,
        target.startsWith('hive') ? `${base}/healthcheck` : `${base}/readyz`,
        120_000,
      );
      endpoints[target] = `${base}/graphql`;
      log(`${target} ready at ${base}`);
    }

    // ---- tokens and the data of q3 -------------------------------------------------------------
    const issuer = new TokenIssuer(loadOrCreateDevSigningKey(dataDir), {
      issuer: 'street-chief/roster',
      audience: 'street-chief',
      ttlSeconds: 8 * 3600,
    });
    const staffToken = (subject: string) =>
      issuer.issue({ subject, roles: ['COMMUNITY_STAFF'], scopes: ['community:caichang'] }).token;
    const staff = staffToken('bench-staff');
    const variedTokens = Array.from({ length: 50 }, (_, i) => staffToken(`bench-staff-${i}`));
    const anyGateway = endpoints.apollo ?? endpoints['apollo-nomerge'] ?? Object.values(endpoints)[0];
    if (!anyGateway) throw new Error('no gateway target: the bench needs one to prepare its data');

    const caseId = QUERIES.includes('q3') ? await prepareCase(anyGateway, staff) : '';

    const queries = buildQueries(staff, variedTokens, caseId);
    // Every target answers every query, and alike (the same JSON), before anything is timed. A query
    // Hive Gateway cannot answer is left out for it (and said so in the results); ours must answer.
    const unanswered = new Map<string, string>();
    for (const q of QUERIES) {
      let reference: string | undefined;
      for (const target of TARGETS) {
        const spec = queries[q][target === 'direct' ? 'direct' : 'gateway'];
        const url = target === 'direct' ? urls[spec.subgraph] : endpoints[target];
        const res = await fetch(url ?? '', { method: 'POST', headers: spec.headers, body: spec.body });
        const text = await res.text();
        if (res.status !== 200 || text.includes('"errors"')) {
          const problem = `HTTP ${res.status} ${text.slice(0, 300)}`;
          if (!target.startsWith('hive')) throw new Error(`${target} ${q}: ${problem}`);
          const hive = running.find((r) => r.name === target);
          log(`${target} cannot answer ${q}, left out: ${problem}\n${hive?.proc.tail(15) ?? ''}`);
          unanswered.set(`${target}|${q}`, problem.replace(/\s+/g, ' '));
          continue;
        }
        if (target !== 'direct') {
          // The data, compared as JSON (Hive Gateway adds no `errors` but may differ in whitespace).
          const data = JSON.stringify((JSON.parse(text) as { data?: unknown }).data);
          if (reference !== undefined && reference !== data) {
            throw new Error(
              `${target} ${q} answers differently from the first gateway:\n${data}\n${reference}`,
            );
          }
          reference = data;
        }
      }
    }

    // Let the consumers catch up first (the roster reads people's 11,000 seeded residents from Kafka,
    // and the shared topics may hold more): wait until every process is quiet (< 5 % of a core).
    const quietBy = Date.now() + 180_000;
    for (;;) {
      const before = running.map((r) => cpuMs(r.proc.pid));
      await pause(3_000);
      const busiest = Math.max(...running.map((r, i) => (cpuMs(r.proc.pid) - (before[i] ?? 0)) / 3_000));
      if (busiest < 0.05 || Date.now() > quietBy) {
        log(`quiet (busiest process at ${(busiest * 100).toFixed(0)} % of a core)`);
        break;
      }
    }
    const idle = Object.fromEntries(running.map((r) => [r.name, rssMb(r.proc.pid)]));
    // Idle once more after a while: an idle process's heap is shrunk by V8's memory reducer only some
    // tens of seconds after its last work (the gateway's by ~15 MB), so both figures are kept.
    let idleLater: Record<string, number> | undefined;
    if (IDLE_WAIT > 0) {
      log(`idle: waiting ${IDLE_WAIT} s for the second idle figure`);
      await pause(IDLE_WAIT * 1000);
      idleLater = Object.fromEntries(running.map((r) => [r.name, rssMb(r.proc.pid)]));
    }
    const loadBefore = os.loadavg()[0] ?? 0;
    const startedAt = new Date();

    const urlOf = (target: TargetName, q: QueryName) =>
      target === 'direct' ? (urls[queries[q].direct.subgraph] ?? '') : (endpoints[target] ?? '');
    const load = (target: TargetName, q: QueryName, connections: number, duration: number) => {
      const spec = queries[q][target === 'direct' ? 'direct' : 'gateway'];
      return autocannon({
        url: urlOf(target, q),
        connections,
        duration,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            path: '/graphql',
            headers: spec.headers,
            body: spec.body,
            ...(spec.setup ? { setupRequest: spec.setup } : {}),
          },
        ],
      });
    };

    // Warm-up: every target with every query (JIT, pools, caches), not recorded.
    if (WARMUP > 0) {
      for (const q of QUERIES) {
        for (const target of TARGETS)
          if (!unanswered.has(`${target}|${q}`)) await load(target, q, 10, WARMUP);
      }
    }

    const results: Row[] = [];
    const plan: { q: QueryName; c: number; duration: number }[] = [];
    for (const q of QUERIES) for (const c of CONNECTIONS) plan.push({ q, c, duration: DURATION });
    if (QUICK && !CONNECTIONS.includes(1)) {
      for (const q of QUERIES) plan.push({ q, c: 1, duration: 5 });
    }
    // RSS of every process after each step of the plan: a plateau is heap sizing, a climb a leak.
    const rssSteps: { step: string; rss: Record<string, number> }[] = [];
    for (const { q, c, duration } of plan) {
      for (let run = 0; run < RUNS; run++) {
        // Interleaved: each run asks every target once, in an order that rotates between runs.
        const order = TARGETS.map((_, i) => TARGETS[(i + run) % TARGETS.length] as TargetName);
        for (const target of order) {
          if (unanswered.has(`${target}|${q}`)) continue;
          const cpu0 = Object.fromEntries(running.map((r) => [r.name, cpuMs(r.proc.pid)]));
          const r = await load(target, q, c, duration);
          const cpu = Object.fromEntries(
            running.map((p) => [
              p.name,
              (cpuMs(p.proc.pid) - (cpu0[p.name] ?? 0)) / Math.max(1, r.requests.total),
            ]),
          );
          results.push({
            q,
            connections: c,
            target,
            run,
            rps: r.requests.total / r.duration,
            p50: r.latency.p50,
            p99: r.latency.p99,
            errors: r.errors + r.timeouts + r.non2xx,
            cpu,
          });
          log(
            `${q} c=${c} ${target} run ${run + 1}: ${(r.requests.total / r.duration).toFixed(0)} rps, ` +
              `p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, errors ${r.errors + r.timeouts + r.non2xx}`,
          );
        }
      }
      rssSteps.push({
        step: `${q} c=${c}`,
        rss: Object.fromEntries(running.map((r) => [r.name, rssMb(r.proc.pid)])),
      });
    }
    await pause(5_000);
    const after = Object.fromEntries(running.map((r) => [r.name, rssMb(r.proc.pid)]));
    const loadAfter = os.loadavg()[0] ?? 0;

    const report = buildReport({
      results,
      idle,
      idleLater,
      after,
      startedAt,
      loadBefore,
      loadAfter,
      running,
      queries: QUERIES,
      unanswered,
      rssSteps,
    });
    process.stdout.write(`\n${report.table}\n`);
    if (!values['no-write']) {
      const file = path.join(WORKSPACE_ROOT, 'tools/bench/results/gateway.md');
      const head = fs.existsSync(file)
        ? fs.readFileSync(file, 'utf8')
        : '# Benchmark: the gateway\n\nWritten by tools/bench/gateway.ts, one section per run (newest last). Issue 13; see docs/adr/0035-gateway-inflight-merging.md.\n';
      const text = `${head.trimEnd()}\n\n${report.section}\n`;
      const options = (await resolveConfig(file)) ?? {};
      fs.writeFileSync(file, await format(text, { ...options, filepath: file }));
      log(`written to ${path.relative(WORKSPACE_ROOT, file)}`);
    }
    if (QUICK) process.stdout.write(`${report.summary}\n`);
  } finally {
    await stopAll();
  }
}

function log(line: string): void {
  process.stderr.write(`bench:gateway: ${line}\n`);
}

/** Hive Gateway on the same supergraph, subgraph URLs rewritten, the caller's token passed on. */
function startHive(
  bin: string,
  merge: boolean,
  port: number,
  supergraphSdl: string,
  urls: Record<string, string>,
  dataDir: string,
): AppProcess {
  const dir = path.join(dataDir, merge ? 'hive' : 'hive-nomerge');
  fs.mkdirSync(dir, { recursive: true });
  const sdl = supergraphSdl.replace(
    /@join__graph\(name: "([^"]+)", url: "[^"]*"\)/g,
    (_m, name: string) => `@join__graph(name: "${name}", url: "${urls[name] ?? ''}")`,
  );
  fs.writeFileSync(path.join(dir, 'supergraph.graphql'), sdl);
  fs.writeFileSync(
    path.join(dir, 'gateway.config.mjs'),
    `export const gatewayConfig = {
  supergraph: ${JSON.stringify(path.join(dir, 'supergraph.graphql'))},
  port: ${port},
  host: '127.0.0.1',
  logging: 'warn',
  graphiql: false,
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => {
      const authorization = request.headers.get('authorization');
      return authorization ? { authorization } : {};
    },
  },
  ${merge ? '' : "transportEntries: { '*.http': { options: { deduplicateInflightRequests: false } } },"}
};
`,
  );
  return new AppProcess(
    nodeArgs(merge ? 'hive' : 'hive-nomerge', [
      bin,
      'supergraph',
      '--config-path',
      path.join(dir, 'gateway.config.mjs'),
    ]),
    {
      NODE_ENV: 'production',
    },
  );
}

interface QuerySpec {
  subgraph: string;
  headers: Record<string, string>;
  body: string;
  setup?: (req: AutocannonRequest) => AutocannonRequest;
}

const COURTYARDS = 'courtyards(first: 10) { totalCount nodes { id name status } }';
const Q1 = `{ chiefs(first: 10) { totalCount nodes { id name phone badge status grid { id name streets(first: 10) { totalCount nodes { id name status ${COURTYARDS} } } } } } }`;
const RESIDENT_FIELDS = 'id name gender birthYear idNumberMasked phoneMasked category status';
const Q2 = (street: string, courtyard: string) =>
  `query Residents($first: Int) { residents(first: $first) { totalCount nodes { ${RESIDENT_FIELDS} household { id memberCount housing entryDate } street { ${street} } courtyard { ${courtyard} } } } }`;
const Q3 = (reporter: string, street: string, grid: string) =>
  `query Case($id: ID!) { case(id: $id) { id state channel spot description reportedAt reporter { ${reporter} } street { ${street} } grid { ${grid} } } }`;

function buildQueries(
  staff: string,
  varied: string[],
  caseId: string,
): Record<QueryName, { direct: QuerySpec; gateway: QuerySpec }> {
  const json = { 'content-type': 'application/json' };
  const auth = { ...json, authorization: `Bearer ${staff}` };
  const body = (query: string, variables?: unknown) => JSON.stringify({ query, variables });
  let n = 0;
  const vary = (req: AutocannonRequest): AutocannonRequest => {
    const i = n++;
    return {
      ...req,
      headers: { ...json, authorization: `Bearer ${varied[i % varied.length] ?? ''}` },
      body: body(JSON.parse(req.body ?? '{}').query as string, { first: 11 + (i % 20) }),
    };
  };
  const q2Gateway = Q2('id name residentGroup { id name }', 'id name');
  const q2Direct = Q2('id', 'id');
  return {
    q1: {
      direct: { subgraph: 'roster', headers: json, body: body(Q1) },
      gateway: { subgraph: 'roster', headers: json, body: body(Q1) },
    },
    q2: {
      direct: { subgraph: 'people', headers: auth, body: body(q2Direct, { first: 20 }) },
      gateway: { subgraph: 'people', headers: auth, body: body(q2Gateway, { first: 20 }) },
    },
    q2v: {
      direct: { subgraph: 'people', headers: auth, body: body(q2Direct, { first: 20 }), setup: vary },
      gateway: { subgraph: 'people', headers: auth, body: body(q2Gateway, { first: 20 }), setup: vary },
    },
    q3: {
      direct: { subgraph: 'cases', headers: auth, body: body(Q3('id', 'id', 'id'), { id: caseId }) },
      gateway: {
        subgraph: 'cases',
        headers: auth,
        body: body(
          Q3(
            'id name idNumberMasked',
            'id name residentGroup { id name }',
            'id name chief { id name phone }',
          ),
          { id: caseId },
        ),
      },
    },
  };
}

/** Reports a case with a reporter on 正街 (which has a grid and chief) once the read models allow it. */
async function prepareCase(gateway: string, staff: string): Promise<string> {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${staff}` };
  const ask = async (query: string, variables?: unknown) => {
    const res = await fetch(gateway, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    return (await res.json()) as { data?: Record<string, unknown>; errors?: { message: string }[] };
  };
  const streetId = stableId('street:正街');
  const people = await ask(`{ residents(first: 1) { nodes { id } } }`);
  const reporter = (people.data?.['residents'] as { nodes: { id: string }[] } | undefined)?.nodes[0]?.id;
  if (!reporter) throw new Error(`no resident to report a case: ${JSON.stringify(people.errors)}`);
  const deadline = Date.now() + 180_000;
  for (;;) {
    const res = await ask(
      `mutation($input: ReportCaseInput!) { reportCase(input: $input) { id grid { id } } }`,
      {
        input: {
          channel: 'PHONE',
          streetId,
          spot: '正街口',
          description: 'bench: 路灯不亮',
          reporterResidentId: reporter,
        },
      },
    );
    const created = res.data?.['reportCase'] as { id: string; grid: { id: string } | null } | undefined;
    if (created?.grid) return created.id;
    // The cases read models fill from the roster's and people's events; until then NOT_FOUND/BAD_USER_INPUT.
    if (Date.now() > deadline)
      throw new Error(`cannot report the q3 case: ${JSON.stringify(res.errors ?? res.data)}`);
    await pause(1_000);
  }
}

interface Row {
  q: QueryName;
  connections: number;
  target: TargetName;
  run: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  cpu: Record<string, number>;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
const geomean = (xs: number[]): number =>
  xs.length ? Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length) : NaN;

function buildReport(input: {
  results: Row[];
  idle: Record<string, number>;
  idleLater: Record<string, number> | undefined;
  after: Record<string, number>;
  startedAt: Date;
  loadBefore: number;
  loadAfter: number;
  running: Running[];
  queries: QueryName[];
  unanswered: Map<string, string>;
  rssSteps: { step: string; rss: Record<string, number> }[];
}): { section: string; table: string; summary: string } {
  const { results } = input;
  const groups = new Map<string, Row[]>();
  for (const r of results) {
    const key = `${r.q}|${r.connections}|${r.target}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const med = (q: QueryName, c: number, t: TargetName, f: (r: Row) => number) => {
    const rows = groups.get(`${q}|${c}|${t}`);
    return rows ? median(rows.map(f)) : NaN;
  };
  const lines: string[] = [];
  const processes = input.running.map((r) => r.name);
  lines.push(
    `| query | conns | target | rps | ÷ direct | p50 ms | p99 ms | errors | CPU ms/request (${processes.join(', ')}) |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  const combos = [...new Set(results.map((r) => `${r.q}|${r.connections}`))];
  for (const combo of combos) {
    const [q, cText] = combo.split('|') as [QueryName, string];
    const c = Number(cText);
    for (const t of TARGETS) {
      const rows = groups.get(`${q}|${c}|${t}`);
      if (!rows) continue;
      const rps = median(rows.map((r) => r.rps));
      const direct = med(q, c, 'direct', (r) => r.rps);
      const cpu = processes.map((p) => median(rows.map((r) => r.cpu[p] ?? 0)).toFixed(2)).join(' / ');
      lines.push(
        `| ${q} | ${c} | ${t} | ${rps.toFixed(0)} | ${(rps / direct).toFixed(2)} | ${median(rows.map((r) => r.p50)).toFixed(1)} | ${median(rows.map((r) => r.p99)).toFixed(1)} | ${rows.reduce((a, r) => a + r.errors, 0)} | ${cpu} |`,
      );
    }
  }
  const table = lines.join('\n');
  const memory = [
    `| process | RSS idle MB${input.idleLater ? ` | idle ${IDLE_WAIT} s later MB` : ''} | RSS after each step MB (${input.rssSteps.map((s) => s.step).join(', ')}) | RSS 5 s after the load MB |`,
    `| --- | --- |${input.idleLater ? ' --- |' : ''} --- | --- |`,
    ...processes.map(
      (p) =>
        `| ${p} | ${(input.idle[p] ?? 0).toFixed(0)} |${input.idleLater ? ` ${(input.idleLater[p] ?? 0).toFixed(0)} |` : ''} ${input.rssSteps.map((s) => (s.rss[p] ?? 0).toFixed(0)).join(' → ')} | ${(input.after[p] ?? 0).toFixed(0)} |`,
    ),
  ].join('\n');

  // The summary: at 10 connections (or the first level measured), over q1 and q2 (geometric means).
  const c10 = CONNECTIONS.includes(10) ? 10 : (CONNECTIONS[0] ?? 10);
  const qs = input.queries.filter((q) => q === 'q1' || q === 'q2');
  const ratio = (a: TargetName, b: TargetName, c: number, f: (r: Row) => number) =>
    geomean(qs.map((q) => med(q, c, a, f) / med(q, c, b, f)).filter((x) => Number.isFinite(x)));
  const gd = ratio('apollo', 'direct', c10, (r) => r.rps);
  const traced = TARGETS.includes('apollo-traced')
    ? ` traced/untraced=${ratio('apollo-traced', 'apollo', c10, (r) => r.rps).toFixed(2)}`
    : '';
  const ah = ratio('apollo', 'hive', c10, (r) => r.rps);
  const po = ratio('apollo', 'direct', 1, (r) => r.p50);
  // A ratio whose targets or connection count were not measured (--targets, --connections) is left out.
  const summary = [
    `gateway/direct=${gd.toFixed(2)}`,
    ...(Number.isFinite(ah) ? [`apollo/hive=${ah.toFixed(2)}`] : []),
    ...(Number.isFinite(po) ? [`p50-overhead=${po.toFixed(2)}`] : []),
  ]
    .join(' ')
    .concat(traced);
  const cmd = `npm run bench:gateway${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const section = [
    `## ${input.startedAt.toISOString()}: ${QUICK ? 'quick' : `${RUNS} runs × ${DURATION} s`}`,
    '',
    `\`${cmd}\``,
    '',
    `Real mode: roster, people, cases, deliberation, each gateway its own process (${FROM_BUNDLE ? "from the esbuild bundles with the image's NODE_OPTIONS and malloc settings" : 'from the TypeScript sources through tsx'}, NODE_ENV=production, LOG_LEVEL=warn), MariaDB with the demo data, autocannon in the bench process; ${RUNS} interleaved run(s) of ${DURATION} s per target after a ${WARMUP} s warm-up. Medians over the runs; ÷ direct is the ratio to the owning subgraph asked its own part of the query in the same run. CPU is per request of each process over the run.`,
    '',
    table,
    '',
    memory,
    '',
    ...(sink
      ? [
          `Tracing (apollo-traced): the gateway exported every span over OTLP/HTTP; the sink in the bench process received ${sink.requests} export requests, ${(sink.bytes / 1e6).toFixed(1)} MB. The subgraphs were not traced (the cost measured is the gateway's).\n`,
        ]
      : []),
    ...[...input.unanswered].map(
      ([k, why]) => `Not measured: ${k.replace('|', ' ')}, which answered \`${why.replace(/`/g, "'")}\`.\n`,
    ),
    `Summary (q1 and q2, ${c10} connections; p50 at 1 connection): \`${summary}\`. Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}; 1-min load average ${input.loadBefore.toFixed(1)} before, ${input.loadAfter.toFixed(1)} after (other work on the machine competes for the cores).`,
  ].join('\n');
  return { section, table: `${table}\n\n${memory}`, summary };
}

/**
 * A stand-in OpenTelemetry collector for `apollo-traced`: accepts OTLP/HTTP exports and counts them
 * (the bench reports how many spans' worth of requests arrived, so a silent exporter is noticed).
 */
let sink: { url: string; requests: number; bytes: number } | undefined;
async function otlpSink(): Promise<string> {
  if (sink) return sink.url;
  const state = { url: '', requests: 0, bytes: 0 };
  const server = http.createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (state.bytes += chunk.length));
    req.on('end', () => {
      state.requests += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  state.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/v1/traces`;
  sink = state;
  return state.url;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:gateway: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
