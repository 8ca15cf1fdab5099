import type { DataSource, QueryRunner } from 'typeorm';
import type { Logger } from '@sc/config';
import { isMysqlFamily } from '@sc/db';
import { Resident, StandardAddress } from '../entities';

/**
 * Deferred secondary indexes for bulk imports (ADR 0011, docs/people-import.md "Bulk mode").
 *
 * Every secondary index costs each inserted row a B-tree descent on the database's one busy core. A bulk
 * import drops the non-unique ones (name, phone blind index, street, courtyard, origin, address; the
 * address place index) first and builds them again at the end with one
 * `ALTER TABLE … ADD INDEX …` per table, which reads the table once and sorts each index instead of
 * inserting into it a million times; the name and phone indexes, whose keys arrive in random order, would
 * also outgrow the buffer pool. Measured on a million rows: 8 indexes rebuilt in ~14 s against ~9 s more
 * for the load with the 6 cheap ones kept, ~23 s more with all of them (tools/bench/results); on a slower
 * machine, with 7: all deferred 76–79 s in all, only name and phone deferred 81–84 s (ADR 0011).
 * Primary keys and unique indexes stay: the upsert and the one-person-one-record rule depend on them.
 *
 * What to restore is not written down anywhere: it is whatever the entities declare and the table lacks
 * ({@link missingIndexes}). So an import that dies halfway loses nothing: the next import or the next
 * start of the people service ({@link restoreMissingIndexes}) builds the missing indexes again. Meanwhile
 * queries that would use them still answer, by scanning.
 *
 * MySQL/MariaDB only; embedded (SQLite) imports are small and never defer.
 */

/** The tables a bulk import writes in volume. */
const BULK_TABLES = [Resident, StandardAddress] as const;
/**
 * Held for the whole of a bulk import: one at a time per database, and nobody rebuilds indexes under it.
 * Named after the database (MySQL's locks are server-wide; two communities may share a server).
 */
export function bulkImportLock(ds: DataSource): string {
  return `sc_people_bulk_import.${String(ds.driver.database)}`;
}

export interface IndexDef {
  table: string;
  name: string;
  columns: string[];
  unique: boolean;
}

/** The indexes the entities declare on the bulk tables (primary keys aside). */
export function declaredIndexes(ds: DataSource): IndexDef[] {
  return BULK_TABLES.flatMap((entity) => {
    const meta = ds.getMetadata(entity);
    return meta.indices
      .filter((i) => i.name !== undefined && !i.isSpatial && !i.isFulltext && !i.where)
      .map((i) => ({
        table: meta.tableName,
        name: i.name,
        columns: i.columns.map((c) => c.databaseName),
        unique: i.isUnique,
      }));
  });
}

async function existingIndexNames(q: QueryRunner | DataSource, table: string): Promise<Set<string>> {
  const rows = (await q.query(
    'SELECT DISTINCT index_name AS n FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ?',
    [table],
  )) as { n: string }[];
  return new Set(rows.map((r) => r.n));
}

/** Declared indexes the database lacks (after an interrupted bulk import). */
export async function missingIndexes(q: QueryRunner | DataSource, ds: DataSource): Promise<IndexDef[]> {
  const out: IndexDef[] = [];
  const byTable = new Map<string, Set<string>>();
  for (const idx of declaredIndexes(ds)) {
    let names = byTable.get(idx.table);
    if (names === undefined) {
      names = await existingIndexNames(q, idx.table);
      byTable.set(idx.table, names);
    }
    if (!names.has(idx.name)) out.push(idx);
  }
  return out;
}

const quote = (s: string) => '`' + s.replace(/`/g, '``') + '`';

/** Builds the given indexes, one `ALTER TABLE` per table (each table is read once, every index sorted). */
export async function addIndexes(q: QueryRunner | DataSource, indexes: IndexDef[]): Promise<void> {
  const tables = new Map<string, IndexDef[]>();
  for (const i of indexes) tables.set(i.table, [...(tables.get(i.table) ?? []), i]);
  for (const [table, list] of tables) {
    const adds = list.map(
      (i) => `ADD ${i.unique ? 'UNIQUE ' : ''}INDEX ${quote(i.name)} (${i.columns.map(quote).join(', ')})`,
    );
    await q.query(`ALTER TABLE ${quote(table)} ${adds.join(', ')}, ALGORITHM=INPLACE, LOCK=NONE`);
  }
}

/** Drops the non-unique indexes of the bulk tables that exist; returns what it dropped. */
export async function dropDeferrableIndexes(q: QueryRunner, ds: DataSource): Promise<IndexDef[]> {
  const dropped: IndexDef[] = [];
  const declared = declaredIndexes(ds).filter((i) => !i.unique);
  const tables = [...new Set(declared.map((i) => i.table))];
  for (const table of tables) {
    const names = await existingIndexNames(q, table);
    const list = declared.filter((i) => i.table === table && names.has(i.name));
    if (list.length === 0) continue;
    await q.query(
      `ALTER TABLE ${quote(table)} ${list.map((i) => `DROP INDEX ${quote(i.name)}`).join(', ')}, ALGORITHM=INPLACE, LOCK=NONE`,
    );
    dropped.push(...list);
  }
  return dropped;
}

/**
 * Builds declared indexes of the bulk tables that are missing, unless a bulk import is running right now
 * (it rebuilds them itself when it ends). Called when the people service starts. Returns the names built.
 */
export async function restoreMissingIndexes(ds: DataSource, logger?: Logger): Promise<string[]> {
  if (!isMysqlFamily(ds)) return [];
  const q = ds.createQueryRunner();
  try {
    // Held while rebuilding too, so two services starting at once do not build the same index twice.
    if (!(await tryLock(q, ds, 0))) return [];
    try {
      const missing = await missingIndexes(q, ds);
      if (missing.length === 0) return [];
      const names = missing.map((i) => `${i.table}.${i.name}`);
      logger?.warn({ indexes: names }, 'rebuilding indexes an interrupted bulk import left out');
      await addIndexes(q, missing);
      return names;
    } finally {
      await unlock(q, ds);
    }
  } finally {
    await q.release();
  }
}

/** Takes {@link bulkImportLock} on the runner's connection; false when someone else holds it. */
export async function tryLock(q: QueryRunner, ds: DataSource, timeoutSeconds: number): Promise<boolean> {
  const [row] = (await q.query('SELECT GET_LOCK(?, ?) AS ok', [bulkImportLock(ds), timeoutSeconds])) as {
    ok: number | string | null;
  }[];
  return Number(row?.ok) === 1;
}

/** Releases the lock; a failure is ignored (closing the connection releases it anyway). */
export async function unlock(q: QueryRunner, ds: DataSource): Promise<void> {
  await q.query('SELECT RELEASE_LOCK(?)', [bulkImportLock(ds)]).catch(() => undefined);
}
