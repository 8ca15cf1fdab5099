import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stableId } from '@sc/demo';
import { makeTestIdNumber } from '@sc/people';
import { tokenMinter } from '@sc/testing';
import { buildEmbedded, EmbeddedProcess, reportMarkdown, runCrashRounds } from '@sc/services/testing';

/**
 * Embedded mode (`npm start`) must never lose an acknowledged write and never fail to start again,
 * whatever moment the process dies at (issue 10). The short version of `npm run crash:embedded`: the
 * built app as a real child process, kill -9 at random moments, SIGTERM, restart, check.
 */
describe('embedded mode under kill -9 and SIGTERM [starts: the built embedded app as a child process, many times]', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-embedded-crash-'));
  let main: string;

  beforeAll(() => {
    main = buildEmbedded();
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('restarts every time with every acknowledged write, over 8 kill -9 rounds and 3 SIGTERM rounds', async () => {
    const seed = Math.floor(Math.random() * 2 ** 31);
    const lines: string[] = [];
    const report = await runCrashRounds({
      dataDir,
      killRounds: 8,
      sigtermRounds: 3,
      seed,
      progress: (line) => lines.push(line),
    });
    process.stderr.write(`${reportMarkdown(report, 'embedded crash rounds')}\n${lines.join('\n')}\n`);
    // The seed in every comparison: a failure can be run again with the same moments.
    expect({ seed, failedStarts: report.failedStarts }).toEqual({ seed, failedStarts: [] });
    expect({ seed, lost: report.lost }).toEqual({ seed, lost: [] });
    expect({ seed, uncleanShutdowns: report.uncleanShutdowns }).toEqual({ seed, uncleanShutdowns: [] });
    expect(report.experimentalWarnings).toEqual([]);
    expect(report.rounds).toHaveLength(11);
    // The rounds did write, and the last start checked those writes one by one.
    expect(report.acknowledged.movedIn).toBeGreaterThan(0);
    expect(report.acknowledged.courtyardsCreated).toBeGreaterThan(0);
    expect(report.verifiedAtEnd).toBeGreaterThan(0);
  }, 600_000);

  it('writes nothing to disk while idle', async () => {
    const app = new EmbeddedProcess(main, dataDir);
    try {
      const base = await app.ready(120_000);
      const token = tokenMinter(dataDir).mint(['ADMIN'], { subject: 'idle-test' });
      const files = () =>
        ['roster.sqlite', 'people.sqlite']
          .flatMap((f) => [f, `${f}-wal`, `${f}-shm`])
          .map((f) => {
            const stat = fs.statSync(path.join(dataDir, f), { throwIfNoEntry: false });
            return stat ? `${f} ${stat.size} ${stat.mtimeMs}` : `${f} absent`;
          });
      const procIo = `/proc/${app.pid}/io`;
      // Bytes this process caused to be written to storage (Linux; counted when pages are dirtied).
      const written = () =>
        fs.existsSync(procIo) ? Number(/write_bytes: (\d+)/.exec(fs.readFileSync(procIo, 'utf8'))?.[1]) : 0;

      // Positive marker: a people mutation is a disk write, and both probes see it.
      const before = { io: written(), files: files() };
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: 'mutation M($i: MoveInInput!) { moveIn(input: $i) { id } }',
          variables: {
            i: {
              idNumber: makeTestIdNumber('510132', '1990-01-01', 1, 'MALE'),
              name: '空闲测试',
              origin: '汉源县',
              category: 'MIGRANT_LONG_TERM',
              address: { streetId: stableId('street:新街'), building: '8', door: 'IDLE-1' },
            },
          },
        }),
      });
      const body = (await res.json()) as { data?: { moveIn?: { id: string } }; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data?.moveIn?.id).toEqual(expect.any(String));
      expect(files()).not.toEqual(before.files);
      if (fs.existsSync(procIo)) expect(written()).toBeGreaterThan(before.io);

      // The outbox relay marks the event published right after; wait (bounded) for a quiet second.
      let settled = false;
      let last = { io: written(), files: files() };
      for (let i = 0; i < 20 && !settled; i++) {
        await new Promise((r) => setTimeout(r, 1_000));
        const now = { io: written(), files: files() };
        settled = now.io === last.io && JSON.stringify(now.files) === JSON.stringify(last.files);
        last = now;
      }
      expect(settled).toBe(true);
      // Idle: the relay polls and the process serves nothing; five more seconds, not one byte.
      // (sql.js rewrote each whole database file 10–15 times in that time.)
      await new Promise((r) => setTimeout(r, 5_000));
      expect({ io: written(), files: files() }).toEqual(last);
    } finally {
      await app.stop('SIGTERM');
    }
  }, 180_000);

  it('refuses to start on a database file it cannot read, with one line naming it, and changes nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-embedded-unreadable-'));
    try {
      // What sql.js left when killed while saving: the file, empty.
      const file = path.join(dir, 'people.sqlite');
      fs.writeFileSync(file, '');
      const app = new EmbeddedProcess(main, dir);
      const exit = await app.exited;
      expect(exit.code).toBe(65);
      const lines = app.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^embedded: cannot read the embedded database .*people\.sqlite .*empty.*nothing was seeded/,
      );
      expect(lines[0]).toContain(file);
      expect(fs.statSync(file).size).toBe(0);
      expect(fs.readdirSync(dir).filter((f) => f.includes('sqlite'))).toEqual(['people.sqlite']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
