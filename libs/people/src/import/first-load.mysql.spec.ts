import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { openDatabase } from '@sc/db';
import { type CloudEvent, storedEnvelope } from '@sc/events';
import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import { FieldCipher, parseFieldKeys } from '../crypto';
import { addressKeyAndCode } from '../domain/address';
import { people } from '../people.service';
import { ResidentsImported } from '@sc/people-contracts';
import { caichangPlaceDirectory } from './places';
import { importResidentsCsv } from './resident-import';

const SAMPLE = fs.readFileSync(path.join(__dirname, '../../../../tools/people-import/sample.csv'));

/**
 * A first load (empty tables) writes without looking anything up and lets the database confirm that
 * every row was new. Here someone else writes one of the file's people and one of its addresses while
 * the import runs: the batch that meets them must be rolled back and written the careful way.
 */
describe('first load into empty tables, with a concurrent writer [real: MariaDB]', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const cipher = new FieldCipher(
    parseFieldKeys(`k1:${randomBytes(32).toString('base64')}`, randomBytes(32).toString('base64')),
  );

  beforeAll(async () => {
    db = await freshMysqlDatabase('people_first_load');
    ds = await openDatabase({ url: db.url, entities: people.entities, migrations: people.migrations });
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  beforeEach(async () => {
    for (const t of ['resident', 'standard_address', 'outbox_event']) await ds.query(`DELETE FROM ${t}`);
  });

  it('turns a resident and an address written meanwhile into an update and a reuse, not a duplicate', () =>
    concurrentWriter({ address: true }));

  it('turns a resident written meanwhile into an update (the database counts an update, not an insert)', () =>
    concurrentWriter({ address: false }));

  async function concurrentWriter(opts: { address: boolean }): Promise<void> {
    // 张德明 (line 5) lives at 新街 新街东院 2-1-301.
    const places = caichangPlaceDirectory();
    const streetId = places.streetId('新街') as string;
    const courtyardId = places.courtyardId('新街', '新街东院') as string;
    const { addressKey, code } = addressKeyAndCode(cipher, {
      streetId,
      courtyardId,
      building: '2',
      unit: '1',
      door: '301',
    });
    // The other writer's transaction is open before the import looks at the tables (it sees them empty).
    const other = ds.createQueryRunner();
    await other.startTransaction();
    if (opts.address) {
      await other.query(
        `INSERT INTO standard_address (id, code, address_key, street_id, courtyard_id, building, unit, door_enc, door_masked, key_id, created_at)
       VALUES ('addr-other', ?, ?, ?, ?, '2', '1', ?, '3**', 'k1', NOW(3))`,
        [code, addressKey, streetId, courtyardId, cipher.encrypt('301')],
      );
    }
    await other.query(
      `INSERT INTO resident (id, name, gender, birth_year, id_number_enc, id_number_bidx, id_number_masked, key_id,
         origin, category, status, needs, version, created_at, updated_at)
       VALUES ('res-other', '张德明', 'MALE', 1975, ?, ?, '5118**********0433', 'k1', '汉源县', 'FLOATING',
         'ACTIVE', '', 1, NOW(3), NOW(3))`,
      [cipher.encrypt('511823197501300433'), cipher.blindIndex('id', '511823197501300433')],
    );
    // The other writer commits when the import is about to write its first batch on the first-load
    // path: the import has seen the tables empty, and it has not written yet.
    const paths: string[] = [];
    let committed = false;
    const report = await importResidentsCsv(Readable.from([SAMPLE]), {
      dataSource: ds,
      cipher,
      actor: 'staff-1',
      batchSize: 4,
      today: '2026-11-25',
      deferIndexes: false,
      onBatchWrite: async (w) => {
        paths.push(w.retry ? `${w.path} (retry)` : w.path);
        if (!committed) {
          committed = true;
          await other.commitTransaction();
          await other.release();
        }
      },
    });

    // Which path ran: first load until the batch that met the other writer's rows, rolled back and
    // written again the careful way, careful from then on.
    const firstRetry = paths.indexOf('careful (retry)');
    expect(paths[0]).toBe('first-load');
    expect(firstRetry).toBeGreaterThan(0);
    expect(paths.slice(0, firstRetry).every((p) => p === 'first-load')).toBe(true);
    expect(paths.slice(firstRetry + 1).every((p) => p === 'careful')).toBe(true);
    expect(report).toMatchObject({ imported: 22, updated: 1, unchanged: 0, bad: 7 });
    const [row] = (await ds.query(
      'SELECT id, version, category, address_id FROM resident WHERE id_number_bidx = ?',
      [cipher.blindIndex('id', '511823197501300433')],
    )) as { id: string; version: number; category: string; address_id: string }[];
    expect(row).toMatchObject({ id: 'res-other', version: 2, category: 'MIGRANT_LONG_TERM' });
    // The import's own address, or the one the other writer created first.
    if (opts.address) expect(row?.address_id).toBe('addr-other');
    else expect(row?.address_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    const counts = (await ds.query(
      'SELECT (SELECT COUNT(*) FROM resident) AS r, (SELECT COUNT(*) FROM standard_address) AS a',
    )) as { r: number | string; a: number | string }[];
    expect(counts.map((c) => [Number(c.r), Number(c.a)])).toEqual([[23, 19]]);

    const items = (
      (await ds.query('SELECT envelope FROM outbox_event ORDER BY seq')) as { envelope: string }[]
    ).flatMap(
      (e) =>
        ResidentsImported.parse(JSON.parse(storedEnvelope(e.envelope)) as CloudEvent<unknown>).data.residents,
    );
    expect(items).toHaveLength(23);
    expect(items.filter((i) => i.change === 'UPDATED')).toEqual([
      expect.objectContaining({ id: 'res-other', version: 2, addressId: row?.address_id }),
    ]);
    expect(new Set(items.map((i) => i.id)).size).toBe(23);
  }
});
