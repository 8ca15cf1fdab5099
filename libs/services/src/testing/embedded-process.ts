/**
 * Crash rounds against the embedded app (`npm start`: roster + people + gateway in one process) run as
 * a real child process with its own data folder and free ports. Each round starts the app, checks
 * that every write it acknowledged before is there, sends a burst of mutations through the gateway
 * (create and rename courtyards, move residents in), and ends the process at a random moment: kill -9
 * during the burst, during start-up or while idle, or SIGTERM during the burst (which must then exit 0
 * and leave the databases closed). Used by `npm run crash:embedded` (tools/crash/embedded.ts), by the
 * crash spec in the test command (apps/embedded/src/crash.spec.ts) and by `npm run bench:embedded`.
 *
 * What counts: a write is acknowledged when the gateway answered it with data and no error. A write
 * whose answer never came (the process died first) may or may not be in the database; both are fine.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { stableId } from '@sc/demo';
import { makeTestIdNumber } from '@sc/people';
import { envPrefix } from '@sc/service';
import { AppProcess, tokenMinter, WORKSPACE_ROOT as ROOT } from '@sc/testing';
import { SERVICES } from '../index';

/** The bundle the rounds run: `npm start`'s build, in a folder of its own so `dist/apps` is left alone. */
const BUNDLE_DIR = path.join(ROOT, 'dist/crash/embedded');

export type RoundKind = 'kill-burst' | 'kill-start' | 'kill-idle' | 'sigterm-burst' | 'kill-first-start';

export interface CrashOptions {
  /** The app's data folder (keys and databases); a new, empty one for a run that seeds. */
  dataDir: string;
  /** kill -9 rounds (every fifth during start-up, every fifth right after an acknowledged burst). */
  killRounds: number;
  /** SIGTERM rounds, spread among the kill rounds. */
  sigtermRounds: number;
  /** Seed of the random moments (printed in the report, so a run can be repeated). */
  seed: number;
  /** Kill the very first start too, while it seeds the demo (the next start must seed it whole). */
  killFirstStart?: boolean;
  /** Longest burst before the process is ended. */
  maxBurstMs?: number;
  /** The bundle to run; default: `npm start`'s, built from this checkout ({@link buildEmbedded}). */
  main?: string;
  /** How long a start may take before it counts as failed. */
  startTimeoutMs?: number;
  progress?: (line: string) => void;
}

export interface RoundResult {
  round: number;
  kind: RoundKind;
  /** Start-up time of the start that began the round, ms (until /readyz answered 200). */
  startMs: number;
  /** How long after the burst (or the spawn, for a start-up kill) the process was ended, ms. */
  endedAfterMs: number;
  acknowledged: number;
  sent: number;
  /** SIGTERM rounds: the exit code (0 expected) and whether the databases were closed (no -wal left). */
  exitCode?: number | null;
  closedCleanly?: boolean;
}

export interface CrashReport {
  seed: number;
  rounds: RoundResult[];
  /** Starts that did not reach /readyz (each with its output); 0 expected. */
  failedStarts: { round: number; reason: string; output: string }[];
  /** Acknowledged writes not found, or found with another value, after a restart; 0 expected. */
  lost: string[];
  /** SIGTERM rounds that did not exit 0 with the databases closed; 0 expected. */
  uncleanShutdowns: string[];
  /** Lines on stderr mentioning ExperimentalWarning (node:sqlite must not print one); 0 expected. */
  experimentalWarnings: string[];
  acknowledged: { courtyardsCreated: number; renames: number; movedIn: number };
  verifiedAtEnd: number;
  startMs: { median: number; max: number };
  durationMs: number;
}

/** Builds the embedded app as `npm start` does, into dist/crash/embedded; returns its main.js. */
export function buildEmbedded(): string {
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'tools/build/build.mjs'), 'embedded', '--outdir', BUNDLE_DIR],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  return path.join(BUNDLE_DIR, 'main.js');
}

// ---------------------------------------------------------------------------------------------------
// The child process

/**
 * Port 0 and loopback for every registered service: a run never takes the fixed ports (4001–4005) of
 * a developer's `npm start` or of another spec running at the same time.
 */
export function ephemeralServicePorts(): Record<string, string> {
  // The county feed (4005) runs in the embedded app too, beside the registered services.
  return Object.fromEntries(
    [...SERVICES.map((s) => s.name), 'county-feed'].flatMap((name) => [
      [`${envPrefix(name)}_PORT`, '0'],
      [`${envPrefix(name)}_HOST`, '127.0.0.1'],
    ]),
  );
}

/** One run of the embedded app. */
export class EmbeddedProcess extends AppProcess {
  constructor(main: string, dataDir: string, env: Record<string, string> = {}) {
    super([main], {
      NODE_ENV: 'development',
      DATA_DIR: dataDir,
      ROSTER_DATABASE_URL: '',
      PEOPLE_DATABASE_URL: '',
      GATEWAY_PORT: '0',
      GATEWAY_HOST: '127.0.0.1',
      ...ephemeralServicePorts(),
      LOG_PRETTY: 'false',
      LOG_LEVEL: 'warn',
      ...env,
    });
  }

  /** Resolves with the gateway's base URL once it answers /readyz with 200; rejects if the process exits. */
  async ready(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let base: string | undefined;
    while (Date.now() < deadline) {
      if (this.exit) throw new Error(`exited (${this.exit.code ?? this.exit.signal}) before it was ready`);
      base ??= /gateway: (http:\/\/\S+)\/graphql/.exec(this.text)?.[1];
      if (base) {
        const ok = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
          (r) => r.status === 200,
          () => false,
        );
        if (ok) return base;
      }
      await sleep(base ? 50 : 100);
    }
    throw new Error(`not ready within ${timeoutMs} ms`);
  }
}

// ---------------------------------------------------------------------------------------------------
// What was acknowledged

interface CourtyardState {
  /** The last name the gateway acknowledged. */
  name: string;
  /** A rename sent and not answered: it may have committed. */
  pending?: string;
  verified: boolean;
}

class Ledger {
  readonly courtyards = new Map<string, CourtyardState>();
  readonly residents = new Map<string, { name: string; verified: boolean }>();
  courtyardCreatesSent = 0;
  courtyardCreatesAcked = 0;
  renamesAcked = 0;
  moveInsSent = 0;
  moveInsAcked = 0;
  nextResident = 0;
  nextCourtyard = 0;
}

interface GraphQLAnswer<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

class NetworkGone extends Error {}

async function gql<T>(
  base: string,
  token: string,
  query: string,
  variables?: unknown,
): Promise<GraphQLAnswer<T>> {
  let res: Response;
  try {
    res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(20_000),
    });
  } catch (error) {
    throw new NetworkGone(String(error));
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch (error) {
    throw new NetworkGone(String(error));
  }
  return body as GraphQLAnswer<T>;
}

/** The demo street the courtyards are created on, and the one the residents move into. */
const STREET = stableId('street:正街');
const RESIDENT_STREET = stableId('street:新街');
const DEMO_RESIDENTS = 11_000;
/** A region code the demo population does not use, so test ID numbers never collide with it. */
const REGION = '510132';

function residentIdNumber(n: number): string {
  const birth = new Date(Date.UTC(1950, 0, 1) + Math.floor(n / 500) * 86_400_000).toISOString().slice(0, 10);
  return makeTestIdNumber(REGION, birth, n % 500, n % 2 === 0 ? 'MALE' : 'FEMALE');
}

/** Mutations sent by a few concurrent workers until the process goes away or `stop()` is called. */
class Burst {
  private stopped = false;
  private readonly workers: Promise<void>[] = [];
  sent = 0;
  acknowledged = 0;
  readonly refusals: string[] = [];

  constructor(
    private readonly base: string,
    private readonly token: string,
    private readonly ledger: Ledger,
    private readonly tag: string,
  ) {}

  start(): void {
    this.workers.push(this.courtyards(), this.courtyards(), this.residents(), this.residents());
  }

  /** Stops sending and waits for every worker (a request in flight is answered or fails). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.workers);
  }

  private async courtyards(): Promise<void> {
    try {
      while (!this.stopped) {
        const name = `崩测-${this.tag}-${this.ledger.nextCourtyard++}`;
        this.ledger.courtyardCreatesSent++;
        this.sent++;
        const created = await gql<{ createCourtyard: { id: string; name: string } }>(
          this.base,
          this.token,
          'mutation C($i: CreateCourtyardInput!) { createCourtyard(input: $i) { id name } }',
          { i: { streetId: STREET, name } },
        );
        const id = created.data?.createCourtyard?.id;
        if (!id || created.errors) {
          this.refusals.push(`createCourtyard: ${JSON.stringify(created.errors)}`);
          continue;
        }
        this.ledger.courtyards.set(id, { name, verified: false });
        this.ledger.courtyardCreatesAcked++;
        this.acknowledged++;
        for (let k = 1; k <= 2 && !this.stopped; k++) {
          const state = this.ledger.courtyards.get(id);
          if (!state) break;
          const renamed = `${name}-r${k}`;
          state.pending = renamed;
          this.sent++;
          const answer = await gql<{ renameCourtyard: { id: string; name: string } }>(
            this.base,
            this.token,
            'mutation R($i: RenamePlaceInput!) { renameCourtyard(input: $i) { id name } }',
            { i: { id, name: renamed } },
          );
          if (answer.data?.renameCourtyard?.name === renamed && !answer.errors) {
            state.name = renamed;
            state.pending = undefined;
            state.verified = false;
            this.ledger.renamesAcked++;
            this.acknowledged++;
          } else {
            this.refusals.push(`renameCourtyard: ${JSON.stringify(answer.errors)}`);
          }
        }
      }
    } catch (error) {
      if (!(error instanceof NetworkGone)) throw error;
    }
  }

  private async residents(): Promise<void> {
    try {
      while (!this.stopped) {
        const n = this.ledger.nextResident++;
        const name = `崩测住户${n}`;
        this.ledger.moveInsSent++;
        this.sent++;
        const answer = await gql<{ moveIn: { id: string; name: string } }>(
          this.base,
          this.token,
          'mutation M($i: MoveInInput!) { moveIn(input: $i) { id name } }',
          {
            i: {
              idNumber: residentIdNumber(n),
              name,
              origin: '汉源县',
              category: 'MIGRANT_LONG_TERM',
              address: { streetId: RESIDENT_STREET, building: '9', unit: '1', door: `C${n}` },
              newHousehold: { housing: 'RENTED' },
            },
          },
        );
        const id = answer.data?.moveIn?.id;
        if (!id || answer.errors) {
          this.refusals.push(`moveIn: ${JSON.stringify(answer.errors)}`);
          continue;
        }
        this.ledger.residents.set(id, { name, verified: false });
        this.ledger.moveInsAcked++;
        this.acknowledged++;
      }
    } catch (error) {
      if (!(error instanceof NetworkGone)) throw error;
    }
  }
}

/**
 * Checks the acknowledged writes not yet checked (all of them with `all`) and the totals: residents
 * and the street's courtyards must number at least the demo plus everything acknowledged, at most
 * plus everything sent. Returns what is missing or wrong.
 */
async function verify(
  base: string,
  token: string,
  ledger: Ledger,
  baseline: { courtyards: number },
  all: boolean,
): Promise<{ lost: string[]; checked: number }> {
  const lost: string[] = [];
  let checked = 0;
  const courtyards = [...ledger.courtyards].filter(([, s]) => all || !s.verified);
  for (const chunk of chunks(courtyards, 40)) {
    const query = `{ ${chunk.map(([id], i) => `c${i}: courtyard(id: "${id}") { id name }`).join(' ')} }`;
    const answer = await gql<Record<string, { id: string; name: string } | null>>(base, token, query);
    if (answer.errors) throw new Error(`verifying courtyards: ${JSON.stringify(answer.errors)}`);
    chunk.forEach(([id, state], i) => {
      const found = answer.data?.[`c${i}`];
      checked++;
      if (!found) lost.push(`courtyard ${id} (${state.name}) is missing`);
      else if (found.name === state.pending) {
        // The rename in flight at the end committed: that is now the acknowledged state.
        state.name = found.name;
        state.pending = undefined;
        state.verified = true;
      } else if (found.name !== state.name) {
        lost.push(`courtyard ${id} is named ${found.name}, acknowledged ${state.name}`);
      } else {
        state.pending = undefined;
        state.verified = true;
      }
    });
  }
  const residents = [...ledger.residents].filter(([, s]) => all || !s.verified);
  for (const chunk of chunks(residents, 40)) {
    const query = `{ ${chunk.map(([id], i) => `r${i}: resident(id: "${id}") { id name }`).join(' ')} }`;
    const answer = await gql<Record<string, { id: string; name: string } | null>>(base, token, query);
    if (answer.errors) throw new Error(`verifying residents: ${JSON.stringify(answer.errors)}`);
    chunk.forEach(([id, state], i) => {
      const found = answer.data?.[`r${i}`];
      checked++;
      if (!found) lost.push(`resident ${id} (${state.name}) is missing`);
      else if (found.name !== state.name)
        lost.push(`resident ${id} is named ${found.name}, acknowledged ${state.name}`);
      else state.verified = true;
    });
  }
  const totals = await gql<{
    residents: { totalCount: number };
    street: { courtyards: { totalCount: number } } | null;
  }>(
    base,
    token,
    `{ residents(first: 1) { totalCount } street(id: "${STREET}") { courtyards(first: 1) { totalCount } } }`,
  );
  if (totals.errors || !totals.data?.street)
    throw new Error(`reading totals: ${JSON.stringify(totals.errors)}`);
  const residentsTotal = totals.data.residents.totalCount;
  if (
    residentsTotal < DEMO_RESIDENTS + ledger.moveInsAcked ||
    residentsTotal > DEMO_RESIDENTS + ledger.moveInsSent
  ) {
    lost.push(
      `${residentsTotal} residents, expected ${DEMO_RESIDENTS + ledger.moveInsAcked}–${DEMO_RESIDENTS + ledger.moveInsSent}`,
    );
  }
  const yards = totals.data.street.courtyards.totalCount;
  const low = baseline.courtyards + ledger.courtyardCreatesAcked;
  const high = baseline.courtyards + ledger.courtyardCreatesSent;
  if (yards < low || yards > high) lost.push(`${yards} courtyards on the street, expected ${low}–${high}`);
  return { lost, checked };
}

// ---------------------------------------------------------------------------------------------------
// The rounds

/** The round kinds in order: kill rounds with the SIGTERM rounds spread among them. */
export function schedule(killRounds: number, sigtermRounds: number): RoundKind[] {
  const kills: RoundKind[] = Array.from({ length: killRounds }, (_, i) =>
    i % 5 === 3 ? 'kill-start' : i % 5 === 4 ? 'kill-idle' : 'kill-burst',
  );
  const out: RoundKind[] = [];
  const total = killRounds + sigtermRounds;
  let placed = 0;
  for (let i = 0; i < total; i++) {
    // Bresenham-like spread: a SIGTERM round whenever its share of the rounds so far is due.
    if (placed < sigtermRounds && Math.floor(((i + 1) * sigtermRounds) / total) > placed) {
      out.push('sigterm-burst');
      placed++;
    } else {
      out.push(kills.shift() ?? 'kill-burst');
    }
  }
  return out;
}

export async function runCrashRounds(options: CrashOptions): Promise<CrashReport> {
  const started = Date.now();
  const progress = options.progress ?? (() => undefined);
  const random = mulberry32(options.seed);
  const maxBurstMs = options.maxBurstMs ?? 1_500;
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  const main = options.main ?? buildEmbedded();
  const ledger = new Ledger();
  const report: CrashReport = {
    seed: options.seed,
    rounds: [],
    failedStarts: [],
    lost: [],
    uncleanShutdowns: [],
    experimentalWarnings: [],
    acknowledged: { courtyardsCreated: 0, renames: 0, movedIn: 0 },
    verifiedAtEnd: 0,
    startMs: { median: 0, max: 0 },
    durationMs: 0,
  };
  const startTimes: number[] = [];
  const noteWarnings = (app: EmbeddedProcess) => {
    for (const line of app.stderr.split('\n'))
      if (/ExperimentalWarning/.test(line)) report.experimentalWarnings.push(line);
  };
  let baseline: { courtyards: number } | undefined;
  let lastStartMs = 5_000;

  /** Starts the app; on failure records it and returns undefined. */
  const start = async (
    round: number,
  ): Promise<{ app: EmbeddedProcess; base: string; ms: number } | undefined> => {
    const app = new EmbeddedProcess(main, options.dataDir);
    const t0 = Date.now();
    try {
      const base = await app.ready(startTimeoutMs);
      const ms = Date.now() - t0;
      startTimes.push(ms);
      lastStartMs = ms;
      return { app, base, ms };
    } catch (error) {
      await app.stop('SIGKILL');
      noteWarnings(app);
      report.failedStarts.push({ round, reason: String(error), output: app.tail() });
      progress(`round ${round}: START FAILED: ${String(error)}\n${app.tail(10)}`);
      return undefined;
    }
  };
  const tokenFor = () =>
    tokenMinter(options.dataDir).mint(['ADMIN'], { subject: 'crash-test', ttlSeconds: 3_600 });

  if (options.killFirstStart) {
    // The first start seeds the demo; end it somewhere in there.
    const app = new EmbeddedProcess(main, options.dataDir);
    const delay = Math.floor(500 + random() * 6_000);
    const ended = await Promise.race([sleep(delay).then(() => false), app.exited.then(() => true)]);
    await app.stop('SIGKILL');
    noteWarnings(app);
    report.rounds.push({
      round: 0,
      kind: 'kill-first-start',
      startMs: 0,
      endedAfterMs: delay,
      acknowledged: 0,
      sent: 0,
    });
    progress(`round 0: kill -9 ${delay} ms into the first start${ended ? ' (it had already exited!)' : ''}`);
    if (ended)
      report.failedStarts.push({
        round: 0,
        reason: 'exited on its own during the first start',
        output: app.tail(),
      });
  }

  const kinds = schedule(options.killRounds, options.sigtermRounds);
  for (const [i, kind] of kinds.entries()) {
    const round = i + 1;
    if (kind === 'kill-start') {
      const app = new EmbeddedProcess(main, options.dataDir);
      const delay = Math.floor(random() * lastStartMs);
      await sleep(delay);
      const exit = await app.stop('SIGKILL');
      noteWarnings(app);
      if (exit.signal !== 'SIGKILL') {
        report.failedStarts.push({
          round,
          reason: `exited on its own (${exit.code}) during start-up`,
          output: app.tail(),
        });
      }
      report.rounds.push({ round, kind, startMs: 0, endedAfterMs: delay, acknowledged: 0, sent: 0 });
      progress(`round ${round}/${kinds.length}: kill -9 ${delay} ms into start-up`);
      continue;
    }
    const up = await start(round);
    if (!up) break;
    const { app, base, ms } = up;
    const token = tokenFor();
    if (!baseline) {
      const first = await gql<{ street: { courtyards: { totalCount: number } } | null }>(
        base,
        token,
        `{ street(id: "${STREET}") { courtyards(first: 1) { totalCount } } }`,
      );
      if (!first.data?.street)
        throw new Error(`cannot read the demo street: ${JSON.stringify(first.errors)}`);
      baseline = { courtyards: first.data.street.courtyards.totalCount };
    }
    const checked = await verify(base, token, ledger, baseline, false);
    report.lost.push(...checked.lost.map((l) => `after round ${round - 1}: ${l}`));

    const burst = new Burst(base, token, ledger, `${options.seed}-${round}`);
    const delay = Math.floor(50 + random() * (maxBurstMs - 50));
    burst.start();
    await sleep(delay);
    const result: RoundResult = { round, kind, startMs: ms, endedAfterMs: delay, acknowledged: 0, sent: 0 };
    if (kind === 'kill-idle') {
      await burst.stop();
      await app.stop('SIGKILL');
    } else if (kind === 'kill-burst') {
      await app.stop('SIGKILL');
      await burst.stop();
    } else {
      const exit = await app.stop('SIGTERM');
      await burst.stop();
      const walLeft = ['roster.sqlite', 'people.sqlite'].filter((f) =>
        fs.existsSync(path.join(options.dataDir, `${f}-wal`)),
      );
      result.exitCode = exit.code;
      result.closedCleanly = exit.code === 0 && walLeft.length === 0;
      if (!result.closedCleanly) {
        report.uncleanShutdowns.push(
          `round ${round}: exit ${exit.code ?? exit.signal}${walLeft.length ? `, ${walLeft.join(', ')} -wal left` : ''}\n${app.tail(10)}`,
        );
      }
    }
    noteWarnings(app);
    result.acknowledged = burst.acknowledged;
    result.sent = burst.sent;
    report.rounds.push(result);
    const refusals = burst.refusals.length ? `, ${burst.refusals.length} refused: ${burst.refusals[0]}` : '';
    progress(
      `round ${round}/${kinds.length}: ${kind}, started in ${ms} ms, ended after ${delay} ms, ` +
        `${burst.acknowledged}/${burst.sent} acknowledged${refusals}` +
        (checked.lost.length ? `, LOST ${checked.lost.length}` : '') +
        (result.closedCleanly === false ? ', UNCLEAN SHUTDOWN' : ''),
    );
  }

  // A last start: everything acknowledged in every round must be there.
  const last = report.failedStarts.length === 0 ? await start(kinds.length + 1) : undefined;
  if (last) {
    const token = tokenFor();
    const final = await verify(last.base, token, ledger, baseline ?? { courtyards: 0 }, true);
    report.lost.push(...final.lost.map((l) => `at the end: ${l}`));
    report.verifiedAtEnd = final.checked;
    const exit = await last.app.stop('SIGTERM');
    noteWarnings(last.app);
    if (exit.code !== 0) report.uncleanShutdowns.push(`final stop: exit ${exit.code ?? exit.signal}`);
  }
  report.acknowledged = {
    courtyardsCreated: ledger.courtyardCreatesAcked,
    renames: ledger.renamesAcked,
    movedIn: ledger.moveInsAcked,
  };
  const sorted = [...startTimes].sort((a, b) => a - b);
  report.startMs = { median: sorted[Math.floor(sorted.length / 2)] ?? 0, max: sorted.at(-1) ?? 0 };
  report.durationMs = Date.now() - started;
  return report;
}

/** The report as Markdown (the tool writes it to tools/crash/results/embedded.md). */
export function reportMarkdown(report: CrashReport, heading: string): string {
  const count = (kind: RoundKind) => report.rounds.filter((r) => r.kind === kind).length;
  const a = report.acknowledged;
  const acked = a.courtyardsCreated + a.renames + a.movedIn;
  return [
    `# ${heading}`,
    '',
    `Seed ${report.seed}; ${report.rounds.length} rounds in ${(report.durationMs / 1000).toFixed(0)} s: ` +
      `${count('kill-burst')} kill -9 during a burst of writes, ${count('kill-start')} during start-up, ` +
      `${count('kill-idle')} while idle, ${count('sigterm-burst')} SIGTERM during a burst` +
      (count('kill-first-start') ? ', 1 kill -9 during the first start (demo seed)' : '') +
      '.',
    '',
    '| what | result |',
    '| --- | --- |',
    `| failed restarts | **${report.failedStarts.length}** |`,
    `| acknowledged writes lost | **${report.lost.length}** of ${acked} (${a.courtyardsCreated} courtyards created, ${a.renames} renames, ${a.movedIn} move-ins); ${report.verifiedAtEnd} checked one by one at the end |`,
    `| SIGTERM rounds that did not exit 0 with the databases closed | **${report.uncleanShutdowns.length}** |`,
    `| ExperimentalWarning lines | ${report.experimentalWarnings.length} |`,
    `| start-up (to /readyz 200), median / max | ${report.startMs.median} ms / ${report.startMs.max} ms |`,
    '',
    ...(report.failedStarts.length
      ? ['## Failed starts', '', ...report.failedStarts.map((f) => `- round ${f.round}: ${f.reason}`), '']
      : []),
    ...(report.lost.length ? ['## Lost', '', ...report.lost.slice(0, 50).map((l) => `- ${l}`), ''] : []),
    ...(report.uncleanShutdowns.length
      ? ['## Unclean shutdowns', '', ...report.uncleanShutdowns.map((u) => `- ${u.split('\n')[0]}`), '']
      : []),
  ].join('\n');
}

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A small seeded PRNG (mulberry32): the random moments of a run can be repeated with its seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
