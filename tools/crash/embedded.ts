/**
 * Crash test of embedded mode (`npm start`), the full run (the test command runs a short one,
 * apps/embedded/src/crash.spec.ts): the built app as a child process with a new data folder, bursts of
 * acknowledged writes through the gateway, kill -9 at random moments (during writes, during start-up,
 * while idle) and SIGTERM during writes; after every restart the acknowledged writes are checked.
 *   npm run crash:embedded                                  # 100 kill -9 + 20 SIGTERM rounds
 *   npm run crash:embedded -- --rounds 20 --sigterm 5 [--seed 42] [--max-burst-ms 1500] [--keep] [--no-write]
 *   npm run crash:embedded -- --main <other build>/main.js --no-write   # e.g. an older version, to compare
 * Prints progress and a summary, writes tools/crash/results/embedded.md (unless --no-write) and exits 1
 * when a start failed, an acknowledged write was lost or a SIGTERM did not close cleanly.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { reportMarkdown, runCrashRounds } from '@sc/services/testing';

const USAGE =
  'usage: npm run crash:embedded -- [--rounds 100] [--sigterm 20] [--seed <n>] [--max-burst-ms 1500] [--main <bundle>] [--keep] [--no-write]\n';

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        rounds: { type: 'string', default: '100' },
        sigterm: { type: 'string', default: '20' },
        seed: { type: 'string' },
        'max-burst-ms': { type: 'string', default: '1500' },
        main: { type: 'string' },
        keep: { type: 'boolean', default: false },
        'no-write': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const int = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
    return n;
  };
  let killRounds: number, sigtermRounds: number, seed: number, maxBurstMs: number;
  try {
    killRounds = int('rounds', values.rounds, 0);
    sigtermRounds = int('sigterm', values.sigterm, 0);
    seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : int('seed', values.seed, 0);
    maxBurstMs = int('max-burst-ms', values['max-burst-ms'], 100);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-crash-embedded-'));
  process.stderr.write(
    `crash test of embedded mode: ${killRounds} kill -9 rounds, ${sigtermRounds} SIGTERM rounds, seed ${seed}, data in ${dataDir}\n`,
  );
  const report = await runCrashRounds({
    dataDir,
    killRounds,
    sigtermRounds,
    seed,
    maxBurstMs,
    ...(values.main ? { main: path.resolve(values.main) } : {}),
    killFirstStart: true,
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  const markdown = reportMarkdown(
    report,
    `Embedded mode crash test: ${killRounds} kill -9 and ${sigtermRounds} SIGTERM rounds${values.main ? ` of ${values.main}` : ''}`,
  );
  process.stdout.write(`\n${markdown}\n`);
  if (!values['no-write']) {
    const out = path.join(__dirname, 'results/embedded.md');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
    const text = `${markdown}\nRun with \`npm run crash:embedded -- --rounds ${killRounds} --sigterm ${sigtermRounds} --seed ${seed}\` on ${machine}.\n`;
    fs.writeFileSync(out, await format(text, { ...(await resolveConfig(out)), filepath: out }));
    process.stderr.write(`report written to ${path.relative(process.cwd(), out)}\n`);
  }
  if (values.keep) process.stderr.write(`data folder kept: ${dataDir}\n`);
  else fs.rmSync(dataDir, { recursive: true, force: true });
  const failed =
    report.failedStarts.length +
    report.lost.length +
    report.uncleanShutdowns.length +
    report.experimentalWarnings.length;
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `crash test failed to run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(3);
  },
);
