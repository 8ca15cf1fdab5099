import type { EntitySchema, MixedList } from 'typeorm';
import { createDataSource, openDatabase, pendingSchemaChanges } from '@sc/db';
import { freshMysqlDatabase, type TestDatabase } from './database';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type Entities = MixedList<Function | string | EntitySchema>;

export interface MigrationSpec {
  service: string;
  entities: Entities;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: Function[];
  /** Every table the migrations create (with `migrations`), in alphabetical order. */
  tables: string[];
}

/**
 * The two checks every service's migrations must pass on a real MariaDB: applied to an empty
 * database they build exactly the schema the entities describe (no drift), and they revert to an
 * empty database and apply again.
 */
export function describeMigrations(spec: MigrationSpec): void {
  describe(`${spec.service} migrations [needs: MariaDB]`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await freshMysqlDatabase(`${spec.service}_migrations`);
    });
    afterAll(async () => db?.drop());

    it('applied to an empty database produce exactly the schema the entities expect (no drift)', async () => {
      const ds = await openDatabase({ url: db.url, entities: spec.entities, migrations: spec.migrations });
      try {
        const tables: { t: string }[] = await ds.query(
          'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name',
        );
        expect(tables.map((r) => r.t)).toEqual(spec.tables);
        expect(await pendingSchemaChanges(ds)).toEqual([]);
      } finally {
        await ds.destroy();
      }
    });

    it('can be reverted to an empty database and applied again', async () => {
      const ds = createDataSource({ url: db.url, entities: spec.entities, migrations: spec.migrations });
      await ds.initialize();
      try {
        for (let i = 0; i < spec.migrations.length; i++) await ds.undoLastMigration();
        const left: { n: number | string }[] = await ds.query(
          "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name <> 'migrations'",
        );
        expect(Number(left[0]?.n)).toBe(0);
        await ds.runMigrations();
        expect(await pendingSchemaChanges(ds)).toEqual([]);
      } finally {
        await ds.destroy();
      }
    });
  });
}
