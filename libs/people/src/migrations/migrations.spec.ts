import { createDataSource, openDatabase, pendingSchemaChanges } from '@sc/db';
import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import { PEOPLE_ALL_MIGRATIONS as PEOPLE_MIGRATIONS, PEOPLE_ENTITIES } from '../people.entities';

describe('people migrations [needs: MariaDB]', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshMysqlDatabase('people_migrations');
  });
  afterAll(async () => db?.drop());

  it('applied to an empty database produce exactly the schema the entities expect (no drift)', async () => {
    const ds = await openDatabase({ url: db.url, entities: PEOPLE_ENTITIES, migrations: PEOPLE_MIGRATIONS });
    try {
      const tables: { t: string }[] = await ds.query(
        'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name',
      );
      expect(tables.map((r) => r.t)).toEqual([
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
        'standard_address',
        'unit_inspection',
      ]);
      expect(await pendingSchemaChanges(ds)).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });

  it('can be reverted to an empty database and applied again', async () => {
    const ds = createDataSource({ url: db.url, entities: PEOPLE_ENTITIES, migrations: PEOPLE_MIGRATIONS });
    await ds.initialize();
    try {
      for (let i = 0; i < PEOPLE_MIGRATIONS.length; i++) await ds.undoLastMigration();
      const left: { n: number }[] = await ds.query(
        "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name <> 'migrations'",
      );
      expect(Number(left[0]!.n)).toBe(0);
      await ds.runMigrations();
      expect(await pendingSchemaChanges(ds)).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });
});
