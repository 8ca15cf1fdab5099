import type { DataSource } from 'typeorm';
import { type EmbeddedUpgrade, quoteSqliteIdentifier as q, transaction } from '@sc/db';
import { BLIND_INDEX_HEX } from './crypto';

/**
 * Brings an embedded (SQLite) people file written by an earlier version to the current entities, where
 * TypeORM's synchronization cannot (ADR 0011):
 *
 * - `resident` and `standard_address` got a `seq` primary key (MySQL: migration `StorageKeys`). SQLite
 *   cannot change a primary key and TypeORM gives up ("AUTOINCREMENT on composite primary key"), so the
 *   old table is renamed out of the way (its indexes dropped, their names are needed again), the new one
 *   is created by the synchronization, and the rows are copied over in id order.
 * - blind indexes are 24 hex digits, not 64 (MySQL: migration `NarrowBlindIndexes`): cut while copying,
 *   and once more for any row still long.
 * - the birth date is no longer stored, only the year (MySQL: migration `BirthYearOnly`).
 *
 * Both steps do nothing on a file that is already current, or new.
 */
export const PEOPLE_EMBEDDED_UPGRADE: EmbeddedUpgrade = {
  async beforeSynchronize(ds) {
    // Birth date → birth year (MySQL: migration `BirthYearOnly`): the year is added and filled here, the
    // synchronization then drops the date.
    // (Filling only the empty ones: a start interrupted between the two statements resumes here.)
    const residentColumns = await columnNames(ds, 'resident');
    if (residentColumns.includes('birth_date')) {
      if (!residentColumns.includes('birth_year')) {
        await ds.query('ALTER TABLE "resident" ADD COLUMN "birth_year" smallint');
      }
      await ds.query(
        'UPDATE "resident" SET "birth_year" = CAST(substr("birth_date", 1, 4) AS INTEGER) WHERE "birth_year" IS NULL',
      );
    }
    for (const table of KEYED_TABLES) {
      const columns = await columnNames(ds, table);
      if (columns.length === 0 || columns.includes('seq')) continue;
      const indexes = (await ds.query(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name NOT LIKE 'sqlite_autoindex%'",
        [table],
      )) as { name: string }[];
      for (const { name } of indexes) await ds.query(`DROP INDEX ${q(name)}`);
      await ds.query(`ALTER TABLE ${q(table)} RENAME TO ${q(previous(table))}`);
    }
  },

  async afterSynchronize(ds) {
    for (const table of KEYED_TABLES) {
      const old = await columnNames(ds, previous(table));
      if (old.length === 0) continue;
      const current = new Set(await columnNames(ds, table));
      const copied = old.filter((c) => current.has(c) && c !== 'seq');
      const values = copied.map((c) =>
        BLIND_INDEX_COLUMNS.has(c) ? `substr(${q(c)}, 1, ${BLIND_INDEX_HEX})` : q(c),
      );
      // Copy and drop in one transaction: a start interrupted here finds the old table again, whole.
      await transaction(ds, async (m) => {
        await m.query(
          `INSERT INTO ${q(table)} (${copied.map(q).join(', ')}) SELECT ${values.join(', ')} FROM ${q(previous(table))} ORDER BY "id"`,
        );
        await m.query(`DROP TABLE ${q(previous(table))}`);
      });
    }
    const n = BLIND_INDEX_HEX;
    await ds.query(
      `UPDATE resident SET id_number_bidx = substr(id_number_bidx, 1, ${n}), phone_bidx = substr(phone_bidx, 1, ${n}) WHERE length(id_number_bidx) > ${n} OR length(phone_bidx) > ${n}`,
    );
    await ds.query(
      `UPDATE standard_address SET address_key = substr(address_key, 1, ${n}) WHERE length(address_key) > ${n}`,
    );
  },
};

const KEYED_TABLES = ['resident', 'standard_address'] as const;
const BLIND_INDEX_COLUMNS = new Set(['id_number_bidx', 'phone_bidx', 'address_key']);

function previous(table: string): string {
  return `${table}_before_seq`;
}

async function columnNames(ds: DataSource, table: string): Promise<string[]> {
  // The table-valued form takes the name as a bound parameter: no quoting to get right.
  const rows = (await ds.query('SELECT name FROM pragma_table_info(?)', [table])) as { name: string }[];
  return rows.map((r) => r.name);
}
