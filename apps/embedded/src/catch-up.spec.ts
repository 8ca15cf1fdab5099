import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { stableId } from '@sc/demo';
import { makeTestIdNumber } from '@sc/people';
import { tokenMinter } from '@sc/testing';
import { buildEmbedded, EmbeddedProcess } from '@sc/services/testing';

/** The read models of each service (table per read model), as an earlier version's folder lacks them. */
const READ_MODEL_TABLES: Record<string, string[]> = {
  people: ['roster_place', 'grid_place'],
  roster: ['people_resident'],
  cases: ['roster_place', 'grid_place', 'grid_chief', 'people_resident'],
};
/** Every read model that a start must catch up, as `service readModel`. */
const CAUGHT_UP = [
  'people roster-places',
  'people roster-grids',
  'roster people-residents',
  'cases roster-places',
  'cases roster-grids',
  'cases roster-chiefs',
  'cases people-residents',
  'deliberation roster-places',
  'deliberation roster-grids',
  'deliberation people-voters',
];

interface CatchUpLine {
  service: string;
  readModel: string;
  producer: string;
  before: number;
  expected: number;
  after: number;
}

/** The `read model caught up` lines a start logged. */
function catchUps(text: string): CatchUpLine[] {
  return text
    .split('\n')
    .filter((l) => l.includes('"catchUp"'))
    .map((l) => (JSON.parse(l) as { catchUp: CatchUpLine }).catchUp);
}

function count(dataDir: string, service: string, sql: string): number {
  const db = new DatabaseSync(path.join(dataDir, `${service}.sqlite`), { readOnly: true });
  try {
    return Number((db.prepare(sql).get() as { n: number }).n);
  } finally {
    db.close();
  }
}

/**
 * ADR 0023 in embedded mode: a `.data/` folder from an earlier version — read models empty (created
 * before they existed, and the in-process bus keeps no history), and no deliberation database at all —
 * starts with every read model caught up from its producer's snapshot: people accepts an address on a
 * seeded street, cases and deliberation hold the roster's places and people's residents, and the new
 * deliberation service seeds its demo matters from them. A start with nothing behind snapshots nothing.
 */
describe('embedded read-model catch-up [starts: the built embedded app as a child process, three times]', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-embedded-catchup-'));
  let main: string;
  const start = async () => {
    const app = new EmbeddedProcess(main, dataDir, {
      CASES_PORT: '0',
      DELIBERATION_PORT: '0',
      CASES_HOST: '127.0.0.1',
      DELIBERATION_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    });
    try {
      return { app, base: await app.ready(120_000) };
    } catch (error) {
      await app.stop('SIGKILL');
      throw new Error(`${String(error)}\n${app.tail(40)}`);
    }
  };
  const stop = async (app: EmbeddedProcess) => {
    const exit = await app.stop('SIGTERM');
    expect(exit.code).toBe(0);
  };

  beforeAll(() => {
    main = buildEmbedded();
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('fills the empty read models of an old folder from the producers, once', async () => {
    // A fresh folder: the seeds' events fill every read model, so nothing is behind.
    const first = await start();
    await stop(first.app);
    expect(catchUps(first.app.text)).toEqual([]);

    // The folder as an earlier version left it: read models empty, no deliberation database.
    for (const [service, tables] of Object.entries(READ_MODEL_TABLES)) {
      const db = new DatabaseSync(path.join(dataDir, `${service}.sqlite`));
      for (const t of tables) db.exec(`DELETE FROM ${t}`);
      db.close();
    }
    for (const f of fs.readdirSync(dataDir).filter((f) => f.startsWith('deliberation.sqlite')))
      fs.rmSync(path.join(dataDir, f));
    expect(count(dataDir, 'people', 'SELECT COUNT(*) AS n FROM roster_place')).toBe(0);

    const second = await start();
    let movedIn: string | undefined;
    try {
      const token = tokenMinter(dataDir).mint(['ADMIN'], { subject: 'catch-up-spec', ttlSeconds: 600 });
      const res = await fetch(`${second.base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: 'mutation M($i: MoveInInput!) { moveIn(input: $i) { id street { name } } }',
          variables: {
            i: {
              idNumber: makeTestIdNumber('510132', '1990-05-06', 7, 'FEMALE'),
              name: '追平测试',
              origin: '汉源县',
              category: 'MIGRANT_LONG_TERM',
              address: { streetId: stableId('street:新街'), building: '3', unit: '1', door: '101' },
              newHousehold: { housing: 'RENTED' },
            },
          },
        }),
      });
      const body = (await res.json()) as {
        data?: { moveIn: { id: string; street: { name: string } } };
        errors?: unknown;
      };
      expect(body.errors).toBeUndefined();
      expect(body.data?.moveIn.street.name).toBe('新街');
      movedIn = body.data?.moveIn.id;
    } finally {
      await stop(second.app);
    }
    const lines = catchUps(second.app.text);
    expect(lines.map((l) => `${l.service} ${l.readModel}`).sort()).toEqual([...CAUGHT_UP].sort());
    for (const l of lines) {
      expect(l).toMatchObject({ before: 0, after: l.expected });
      expect(l.expected).toBeGreaterThan(0);
    }

    // What the read models hold now: the producers' state, and the resident who moved in afterwards.
    const places = count(dataDir, 'roster', 'SELECT COUNT(*) AS n FROM place');
    const residents = count(dataDir, 'people', 'SELECT COUNT(*) AS n FROM resident');
    const chiefs = count(
      dataDir,
      'roster',
      "SELECT COUNT(*) AS n FROM street_chief WHERE status IN ('APPOINTED', 'SUSPENDED')",
    );
    for (const service of ['people', 'cases', 'deliberation'])
      expect(count(dataDir, service, 'SELECT COUNT(*) AS n FROM roster_place')).toBe(places);
    for (const service of ['roster', 'cases'])
      expect(count(dataDir, service, 'SELECT COUNT(*) AS n FROM people_resident')).toBe(residents);
    expect(count(dataDir, 'cases', 'SELECT COUNT(*) AS n FROM grid_chief')).toBe(chiefs);
    expect(count(dataDir, 'deliberation', 'SELECT COUNT(*) AS n FROM people_voter')).toBe(residents);
    expect(
      count(
        dataDir,
        'cases',
        `SELECT COUNT(*) AS n FROM people_resident WHERE id = '${movedIn}' AND status = 'ACTIVE'`,
      ),
    ).toBe(1);
    expect(count(dataDir, 'deliberation', 'SELECT COUNT(*) AS n FROM matter')).toBeGreaterThan(0);

    // Caught up: the next start finds nothing behind and writes no snapshot.
    const third = await start();
    await stop(third.app);
    expect(catchUps(third.app.text)).toEqual([]);
  }, 600_000);
});
