import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { openDatabase, pendingSchemaChanges } from '@sc/db';
import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import { FieldCipher, parseFieldKeys } from '../crypto';
import { people } from '../people.service';
import { bulkImportLock, declaredIndexes, missingIndexes, restoreMissingIndexes } from './deferred-indexes';
import { importResidentsCsv } from './resident-import';

/** Every non-unique index of the two bulk tables. */
const DEFERRED = [
  'resident.ix_resident_address',
  'resident.ix_resident_courtyard',
  'resident.ix_resident_name',
  // orderBy NAME and MOVED_IN (ADR 0051).
  'resident.ix_resident_order_moved_in',
  'resident.ix_resident_order_name',
  'resident.ix_resident_phone_bidx',
  'resident.ix_resident_status_origin',
  'resident.ix_resident_street',
  'standard_address.ix_address_place',
];
const SAMPLE = fs.readFileSync(path.join(__dirname, '../../../../tools/people-import/sample.csv'));

describe('bulk import mode: deferred indexes [real: MariaDB]', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const cipher = new FieldCipher(
    parseFieldKeys(`k1:${randomBytes(32).toString('base64')}`, randomBytes(32).toString('base64')),
  );
  const run = (deferIndexes: boolean | 'auto', totalBytes?: number) => {
    const seen: string[] = [];
    const done = importResidentsCsv(Readable.from([SAMPLE]), {
      dataSource: ds,
      cipher,
      actor: 'staff-1',
      batchSize: 4,
      today: '2026-11-25',
      deferIndexes,
      ...(totalBytes !== undefined ? { totalBytes } : {}),
      onProgress: (p) => {
        if (seen.at(-1) !== p.phase) seen.push(p.phase);
      },
    });
    return done.then((report) => ({ report, phases: seen }));
  };
  const indexNames = async (table: string) =>
    (
      (await ds.query(
        'SELECT DISTINCT index_name AS n FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? ORDER BY 1',
        [table],
      )) as { n: string }[]
    ).map((r) => r.n);

  beforeAll(async () => {
    db = await freshMysqlDatabase('people_bulk');
    ds = await openDatabase({ url: db.url, entities: people.entities, migrations: people.migrations });
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('drops the non-unique indexes for the import and builds them again afterwards', async () => {
    const before = await indexNames('resident');
    const { report, phases } = await run(true);
    expect(report.imported).toBe(23);
    expect(report.deferredIndexes.sort()).toEqual(DEFERRED);
    expect(phases).toEqual(['importing', 'rebuilding-indexes']);
    expect(await indexNames('resident')).toEqual(before);
    expect(await pendingSchemaChanges(ds)).toEqual([]);
    // The rebuilt indexes serve their queries.
    const [plan] = (await ds.query("EXPLAIN SELECT id FROM resident WHERE name LIKE '张%'")) as {
      key: string | null;
    }[];
    expect(plan?.key).toBe('ix_resident_name');
  });

  it('auto mode stays row by row for a small file or a table already larger than the file', async () => {
    expect((await run('auto', SAMPLE.length)).report.deferredIndexes).toEqual([]);
    // 20 MB announced (≈ 200,000 rows) against a table of 23 rows: a first load, so bulk mode.
    expect((await run('auto', 20_000_000)).report.deferredIndexes.sort()).toEqual(DEFERRED);
  });

  it('an interrupted bulk import loses no index: the next start builds what is missing', async () => {
    await ds.query('ALTER TABLE resident DROP INDEX ix_resident_name, DROP INDEX ix_resident_street');
    expect((await missingIndexes(ds, ds)).map((i) => i.name).sort()).toEqual([
      'ix_resident_name',
      'ix_resident_street',
    ]);
    expect((await restoreMissingIndexes(ds)).sort()).toEqual([
      'resident.ix_resident_name',
      'resident.ix_resident_street',
    ]);
    expect(await missingIndexes(ds, ds)).toEqual([]);
    expect(await pendingSchemaChanges(ds)).toEqual([]);
    expect(declaredIndexes(ds).length).toBeGreaterThan(8);
  });

  it('while another bulk import holds the lock, nothing is rebuilt under it and a new import keeps every index', async () => {
    const other = ds.createQueryRunner();
    try {
      await other.query('SELECT GET_LOCK(?, 0)', [bulkImportLock(ds)]);
      await ds.query('ALTER TABLE resident DROP INDEX ix_resident_name');
      expect(await restoreMissingIndexes(ds)).toEqual([]);
      const { report } = await run(true);
      expect(report.deferredIndexes).toEqual([]);
      expect(report.unchanged).toBe(23);
      expect((await missingIndexes(ds, ds)).map((i) => i.name)).toEqual(['ix_resident_name']);
    } finally {
      await other.query('SELECT RELEASE_LOCK(?)', [bulkImportLock(ds)]);
      await other.release();
    }
    // The next bulk import builds it again along with its own.
    const { report } = await run(true);
    expect(report.deferredIndexes.sort()).toEqual(DEFERRED);
    expect(await missingIndexes(ds, ds)).toEqual([]);
  });
});
