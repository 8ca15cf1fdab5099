import { createDataSource, openDatabase, pendingSchemaChanges } from '@sc/db';
import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import { ROSTER_ALL_MIGRATIONS as ROSTER_MIGRATIONS, ROSTER_ENTITIES } from '../roster.service';

describe('roster migrations [needs: MariaDB]', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshMysqlDatabase('roster_migrations');
  });
  afterAll(async () => db?.drop());

  it('applied to an empty database produce exactly the schema the entities expect (no drift)', async () => {
    const ds = await openDatabase({ url: db.url, entities: ROSTER_ENTITIES, migrations: ROSTER_MIGRATIONS });
    try {
      const tables: { t: string }[] = await ds.query(
        'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name',
      );
      expect(tables.map((r) => r.t)).toEqual([
        'account',
        'chief_nomination',
        'chief_transition',
        'grid',
        'grid_change',
        'grid_member',
        'inbox_event',
        'login_throttle',
        'migrations',
        'outbox_event',
        'patrol',
        'place',
        'signboard',
        'street_chief',
        'training',
        'training_attendance',
      ]);
      expect(await pendingSchemaChanges(ds)).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });

  it('can be reverted to an empty database and applied again', async () => {
    const ds = createDataSource({ url: db.url, entities: ROSTER_ENTITIES, migrations: ROSTER_MIGRATIONS });
    await ds.initialize();
    try {
      for (let i = 0; i < ROSTER_MIGRATIONS.length; i++) await ds.undoLastMigration();
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
