import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createDataSource, openDatabase } from '@sc/db';
import { FieldCipher, parseFieldKeys } from './crypto';
import { PEOPLE_EMBEDDED_UPGRADE } from './embedded-upgrade';
import { people } from './people.service';

/** `resident` and `standard_address` as the embedded mode created them before ADR 0011 (from a real file). */
const OLD_SCHEMA = [
  'CREATE TABLE "standard_address" ("id" varchar(36) PRIMARY KEY NOT NULL, "code" varchar(40) NOT NULL, "address_key" varchar(64) NOT NULL, "street_id" varchar(36) NOT NULL, "courtyard_id" varchar(36), "building" varchar(20) NOT NULL, "unit" varchar(20) NOT NULL, "door_enc" varchar(255) NOT NULL, "door_masked" varchar(20) NOT NULL, "key_id" varchar(20) NOT NULL, "is_test_data" boolean NOT NULL DEFAULT (0), "created_at" datetime(3) NOT NULL)',
  'CREATE UNIQUE INDEX "uq_address_code" ON "standard_address" ("code")',
  'CREATE UNIQUE INDEX "uq_address_key" ON "standard_address" ("address_key")',
  'CREATE INDEX "ix_address_place" ON "standard_address" ("street_id", "courtyard_id", "building")',
  'CREATE TABLE "resident" ("id" varchar(36) PRIMARY KEY NOT NULL, "name" varchar(50) NOT NULL, "gender" varchar(10) NOT NULL, "birth_date" date NOT NULL, "id_number_enc" varchar(255) NOT NULL, "id_number_bidx" varchar(64) NOT NULL, "id_number_masked" varchar(20) NOT NULL, "phone_enc" varchar(255), "phone_bidx" varchar(64), "phone_masked" varchar(20), "key_id" varchar(20) NOT NULL, "origin" varchar(50) NOT NULL, "category" varchar(20) NOT NULL, "status" varchar(20) NOT NULL, "needs" varchar(100) NOT NULL, "languages" varchar(100), "address_id" varchar(36), "street_id" varchar(36), "courtyard_id" varchar(36), "household_id" varchar(36), "is_test_data" boolean NOT NULL DEFAULT (0), "moved_in_at" date, "moved_out_at" date, "version" integer NOT NULL, "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL)',
  'CREATE INDEX "ix_resident_name" ON "resident" ("name")',
  'CREATE UNIQUE INDEX "uq_resident_id_number_bidx" ON "resident" ("id_number_bidx")',
  'CREATE INDEX "ix_resident_key_id" ON "resident" ("key_id")',
  // An index someone added by hand, with a quote in its name: the upgrade must quote it properly.
  'CREATE INDEX "ix_resident ""origin"" by hand" ON "resident" ("origin")',
];

describe('embedded people file from before the storage keys [SQLite]', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-people-upgrade-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('gets seq keys, 24-digit blind indexes and a birth year instead of the date, every row and id kept, lookups by ID number working', async () => {
    const file = path.join(dir, 'people.sqlite');
    const cipher = new FieldCipher(
      parseFieldKeys(`k1:${randomBytes(32).toString('base64')}`, randomBytes(32).toString('base64')),
    );
    const full = (kind: 'id' | 'door', v: string) => cipher.blindIndex(kind, v) + 'f'.repeat(40);
    const old = createDataSource({ url: `sqlite:${file}`, entities: [], migrations: [] });
    await old.initialize();
    for (const ddl of OLD_SCHEMA) await old.query(ddl);
    await old.query(
      `INSERT INTO standard_address VALUES ('a-1', 'SA-1', ?, 's1', NULL, '1', '', 'v1.k1.x.y', '1**', 'k1', 0, '2026-01-01 00:00:00.000')`,
      [full('door', 's1||1||101')],
    );
    for (const [id, number] of [
      ['r-2', '110105194912310021'],
      ['r-1', '51012919680312023X'],
    ] as const) {
      await old.query(
        `INSERT INTO resident (id, name, gender, birth_date, id_number_enc, id_number_bidx, id_number_masked, key_id,
           origin, category, status, needs, address_id, is_test_data, version, created_at, updated_at)
         VALUES (?, '王建国', 'MALE', '1968-03-12', 'v1.k1.x.y', ?, '5101**', 'k1', '大邑县', 'REGISTERED', 'ACTIVE',
           '', 'a-1', 0, 3, '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000')`,
        [id, full('id', number)],
      );
    }
    await old.destroy();

    const open = () =>
      openDatabase({
        url: `sqlite:${file}`,
        entities: people.entities,
        migrations: people.migrations,
        embeddedUpgrade: PEOPLE_EMBEDDED_UPGRADE,
      });
    let ds = await open();
    try {
      expect(
        await ds.query('SELECT seq, id, version, address_id, birth_year FROM resident ORDER BY seq'),
      ).toEqual([
        { seq: 1, id: 'r-1', version: 3, address_id: 'a-1', birth_year: 1968 },
        { seq: 2, id: 'r-2', version: 3, address_id: 'a-1', birth_year: 1968 },
      ]);
      const columns = (await ds.query('PRAGMA table_info("resident")')) as { name: string }[];
      expect(columns.map((c) => c.name)).not.toContain('birth_date');
      const [byNumber] = (await ds.query('SELECT id FROM resident WHERE id_number_bidx = ?', [
        cipher.blindIndex('id', '51012919680312023X'),
      ])) as { id: string }[];
      expect(byNumber?.id).toBe('r-1');
      expect(await ds.query('SELECT seq, id, address_key FROM standard_address')).toEqual([
        { seq: 1, id: 'a-1', address_key: cipher.blindIndex('door', 's1||1||101') },
      ]);
      const tables = (await ds.query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%before_seq'",
      )) as unknown[];
      expect(tables).toEqual([]);
      const handMade = (await ds.query(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%by hand'",
      )) as unknown[];
      expect(handMade).toEqual([]); // dropped with the old table's indexes, as the others
    } finally {
      await ds.destroy();
    }
    // Opening an upgraded file again changes nothing.
    ds = await open();
    try {
      expect(await ds.query('SELECT seq, id FROM resident ORDER BY seq')).toEqual([
        { seq: 1, id: 'r-1' },
        { seq: 2, id: 'r-2' },
      ]);
    } finally {
      await ds.destroy();
    }
  });
});
