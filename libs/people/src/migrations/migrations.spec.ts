import { openDatabase, pendingSchemaChanges } from '@sc/db';
import { describeMigrations, freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import { NarrowBlindIndexes1795631771097 } from './1795631771097-NarrowBlindIndexes';
import { people } from '../people.service';

describeMigrations({
  service: 'people',
  entities: people.entities,
  migrations: people.migrations,
  tables: [
    'access_log',
    'grid_place',
    'house',
    'household',
    'household_member',
    'inbox_event',
    'migrations',
    'outbox_event',
    'real_unit',
    'resident',
    'resident_move',
    'roster_place',
    'standard_address',
    'unit_inspection',
  ],
});

describe('the people migrations after Init keep every stored value [needs: MariaDB]', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshMysqlDatabase('people_narrow_bidx');
  });
  afterAll(async () => db?.drop());

  it('cuts 64-digit blind indexes to the 24-digit prefix the cipher computes, numbers rows by seq, keeps the birth year', async () => {
    // Everything up to NarrowBlindIndexes; the later ones (StorageKeys, BirthYearOnly) then run on the row too.
    const before = people.migrations.slice(0, people.migrations.indexOf(NarrowBlindIndexes1795631771097));
    let ds = await openDatabase({ url: db.url, entities: [], migrations: before });
    const idHex = 'a'.repeat(24) + 'b'.repeat(40);
    const phoneHex = 'c'.repeat(24) + 'd'.repeat(40);
    const keyHex = 'e'.repeat(24) + 'f'.repeat(40);
    try {
      await ds.query(
        `INSERT INTO standard_address (id, code, address_key, street_id, building, unit, door_enc, door_masked, key_id, created_at)
         VALUES ('a1', 'SA-EEEEEEEEEEEEEEEE', ?, 's1', '1', '1', 'v1.k.iv.body', '1**', 'k', NOW(3))`,
        [keyHex],
      );
      await ds.query(
        `INSERT INTO resident (id, name, gender, birth_date, id_number_enc, id_number_bidx, id_number_masked, phone_enc,
           phone_bidx, phone_masked, key_id, origin, category, status, needs, version, created_at, updated_at)
         VALUES ('r1', '张三', 'MALE', '1990-01-01', 'v1.k.iv.body', ?, '5101**', 'v1.k.iv.body', ?, '138****', 'k',
           '大邑县', 'REGISTERED', 'ACTIVE', '', 1, NOW(3), NOW(3))`,
        [idHex, phoneHex],
      );
    } finally {
      await ds.destroy();
    }
    ds = await openDatabase({ url: db.url, entities: people.entities, migrations: people.migrations });
    try {
      const [r] = (await ds.query(
        'SELECT seq, id, id_number_bidx AS i, phone_bidx AS p, birth_year AS y FROM resident',
      )) as { seq: number | string; id: string; i: string; p: string; y: number }[];
      expect(r).toEqual({
        seq: expect.anything(),
        id: 'r1',
        i: idHex.slice(0, 24),
        p: phoneHex.slice(0, 24),
        y: 1990,
      });
      const [a] = (await ds.query('SELECT address_key AS k, code AS c FROM standard_address')) as {
        k: string;
        c: string;
      }[];
      expect(a).toEqual({ k: keyHex.slice(0, 24), c: 'SA-EEEEEEEEEEEEEEEE' });
      expect(await pendingSchemaChanges(ds)).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });
});
