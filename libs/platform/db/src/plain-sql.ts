import type { EntityManager, EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { isMysqlFamily } from './data-source';
import { ReadGeneration } from './read-cache';

/**
 * Plain parameterised statements for a hot path (ADR 0052): TypeORM's query building (parameter
 * handling, property-name replacement, escaping, entity hydration through its transformer chain) cost
 * more CPU than the database's work for one-row statements. These helpers keep only what such a
 * statement still needs from the entity metadata: the column names, and each column's value converted
 * the way the driver converts it (MySQL: a Date for mysql2 to format in UTC; SQLite: the UTC text
 * TypeORM stores, booleans as 0/1), both ways. Both dialects take `?` placeholders.
 */
interface Columns {
  byProperty: Map<string, ColumnMetadata>;
  all: ColumnMetadata[];
  /** `a, b, c` (escaped) for a SELECT of every column. */
  list: string;
}

const cache = new WeakMap<EntityMetadata, Columns>();

function columnsOf<T extends ObjectLiteral>(m: EntityManager, entity: EntityTarget<T>): Columns {
  const metadata = m.connection.getMetadata(entity);
  let columns = cache.get(metadata);
  if (!columns) {
    const all = metadata.columns;
    columns = {
      byProperty: new Map(all.map((c) => [c.propertyName, c])),
      all,
      list: all.map((c) => m.connection.driver.escape(c.databaseName)).join(', '),
    };
    cache.set(metadata, columns);
  }
  return columns;
}

/** The escaped column list of `entity` for `SELECT <list> FROM …` (read back with {@link hydrate}). */
export function columnList<T extends ObjectLiteral>(m: EntityManager, entity: EntityTarget<T>): string {
  return columnsOf(m, entity).list;
}

/**
 * `values` (by property name) as escaped column names and driver-converted parameters, in the order
 * given: for `INSERT … (columns) VALUES (?…)` and `UPDATE … SET column = ?…`.
 */
export function persisted<T extends ObjectLiteral>(
  m: EntityManager,
  entity: EntityTarget<T>,
  values: Partial<T>,
): { columns: string[]; params: unknown[] } {
  const { byProperty } = columnsOf(m, entity);
  const driver = m.connection.driver;
  const columns: string[] = [];
  const params: unknown[] = [];
  for (const [property, value] of Object.entries(values)) {
    const column = byProperty.get(property);
    if (!column)
      throw new Error(`${m.connection.getMetadata(entity).name} has no column for property ${property}`);
    columns.push(driver.escape(column.databaseName));
    params.push(driver.preparePersistentValue(value, column));
  }
  return { columns, params };
}

/** One value of `entity`'s `property` as the driver stores it (a parameter of a plain statement). */
export function persistedValue<T extends ObjectLiteral>(
  m: EntityManager,
  entity: EntityTarget<T>,
  property: keyof T & string,
  value: unknown,
): unknown {
  const column = columnsOf(m, entity).byProperty.get(property);
  if (!column)
    throw new Error(`${m.connection.getMetadata(entity).name} has no column for property ${property}`);
  return m.connection.driver.preparePersistentValue(value, column);
}

/** A row of `SELECT {@link columnList} …` as the entity TypeORM would have loaded. */
export function hydrate<T extends ObjectLiteral>(
  m: EntityManager,
  entity: EntityTarget<T>,
  row: Record<string, unknown>,
): T {
  const { all } = columnsOf(m, entity);
  const driver = m.connection.driver;
  const out: Record<string, unknown> = {};
  for (const column of all) {
    out[column.propertyName] = driver.prepareHydratedValue(row[column.databaseName], column);
  }
  return out as T;
}

/** ` FOR UPDATE` on MySQL/MariaDB, nothing on SQLite (one writer at a time, see `forUpdate`). */
export function forUpdateSql(m: EntityManager): string {
  return isMysqlFamily(m.connection) ? ' FOR UPDATE' : '';
}

/** `?, ?, …` for `n` parameters. */
export function placeholders(n: number): string {
  return n === 0 ? '' : '?' + ', ?'.repeat(n - 1);
}

/**
 * Tells the read generation (ADR 0050) that this transaction wrote `table` with a plain statement,
 * which its TypeORM subscriber does not see: the transaction then bumps it before its COMMIT, as
 * after a write through a repository. Call it after every plain write of a served table.
 */
export async function wroteWithSql(m: EntityManager, table: string): Promise<void> {
  const queryRunner = m.queryRunner;
  if (!queryRunner) throw new Error(`a plain write of ${table} must run in a transaction`);
  for (const subscriber of m.connection.subscribers) {
    if (subscriber instanceof ReadGeneration) await subscriber.wroteWithSql(queryRunner, table);
  }
}
