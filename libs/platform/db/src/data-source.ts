import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { DataSource, type EntityManager, type EntitySchema, type MixedList } from 'typeorm';
import { format as mysqlFormat, type SqlValue } from 'mysql2';
import type { Logger } from '@sc/config';
import { pinnedMysql2Driver } from './mysql-session';
import './query-spans';
import {
  checkEmbeddedDatabaseFile,
  EMBEDDED_SQLITE,
  EmbeddedSqliteDatabase,
  embeddedDatabaseError,
} from './embedded-sqlite';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type EntityList = MixedList<Function | string | EntitySchema>;

export type DatabaseKind = 'mysql' | 'sqlite';

export interface DatabaseOptions {
  /**
   * `mysql://user:password@host:port/database` (MySQL 8), `mariadb://…` (MariaDB: TypeORM reads
   * its catalog differently, e.g. column defaults, and needs to know) or `sqlite:<file>` (embedded;
   * `sqljs:<file>`, the scheme of earlier versions, means the same).
   */
  url: string;
  entities: EntityList;
  /** Migrations for the real database. The embedded database derives its schema from the entities. */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: Function[];
  logger?: Logger;
  poolSize?: number;
  /**
   * Embedded only: steps around the schema synchronization, for changes TypeORM's SQLite synchronization
   * cannot make on a file written by an earlier version (e.g. a new primary key). `before` runs on the
   * old schema, `after` on the synchronized one; both must be no-ops on files already upgraded.
   */
  embeddedUpgrade?: EmbeddedUpgrade;
}

/** See {@link DatabaseOptions.embeddedUpgrade}. */
export interface EmbeddedUpgrade {
  beforeSynchronize(ds: DataSource): Promise<void>;
  afterSynchronize(ds: DataSource): Promise<void>;
}

/** URL schemes of the embedded database: `sqlite:` and, from before node:sqlite, `sqljs:`. */
const EMBEDDED_SCHEME = /^(sqlite|sqljs):/;

export function databaseKind(url: string): DatabaseKind {
  return EMBEDDED_SCHEME.test(url) ? 'sqlite' : 'mysql';
}

/** The absolute path of an embedded database URL (`sqlite:<file>` or `sqljs:<file>`). */
export function embeddedDatabaseFile(url: string): string {
  if (!EMBEDDED_SCHEME.test(url)) throw new Error('not an embedded database URL');
  return path.resolve(url.replace(EMBEDDED_SCHEME, ''));
}

/**
 * A SQLite identifier in double quotes, a quote inside doubled (`a"b` → `"a""b"`), for the few
 * statements that name tables, columns or indexes read from the catalog.
 */
export function quoteSqliteIdentifier(name: string): string {
  if (name.includes('\0')) throw new Error('a SQLite identifier cannot contain NUL');
  return `"${name.replace(/"/g, '""')}"`;
}

/** True for MySQL and MariaDB, false for the embedded SQLite. */
export function isMysqlFamily(ds: DataSource): boolean {
  return ds.options.type === 'mysql' || ds.options.type === 'mariadb';
}

/** Splits a mysql:// URL into the parts mysql2 takes; the password may be percent-encoded. */
export function parseMysqlUrl(url: string) {
  const u = new URL(url.replace(/^mariadb:/, 'mysql:'));
  return {
    host: u.hostname,
    port: Number(u.port || 3306),
    username: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password || ''),
    database: u.pathname.replace(/^\//, ''),
  };
}

/**
 * Builds (does not initialize) the TypeORM DataSource for a service.
 *
 * Real mode talks MySQL protocol through mysql2 and never synchronizes: the schema is what the
 * committed migrations make. Embedded mode is a SQLite file through Node's built-in node:sqlite, in
 * WAL mode (TypeORM's better-sqlite3 driver over an adapter, see node-sqlite.ts and
 * embedded-sqlite.ts); its schema is derived from the entities (docs/adr/0003-embedded-mode.md,
 * docs/adr/0016-embedded-sqlite.md).
 */
export function createDataSource(options: DatabaseOptions): DataSource {
  if (databaseKind(options.url) === 'sqlite') {
    const file = embeddedDatabaseFile(options.url);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    return new DataSource({
      type: 'better-sqlite3',
      driver: EmbeddedSqliteDatabase,
      database: file,
      timeout: EMBEDDED_SQLITE.busyTimeoutMs,
      entities: options.entities,
      // With upgrade steps, openDatabase synchronizes between them.
      synchronize: options.embeddedUpgrade === undefined,
      logging: false,
    });
  }
  const conn = parseMysqlUrl(options.url);
  return new DataSource({
    type: options.url.startsWith('mariadb:') ? 'mariadb' : 'mysql',
    connectorPackage: 'mysql2',
    // Every connection pins its sql_mode, charset and time zone before its first statement (ADR 0013).
    driver: pinnedMysql2Driver((err) =>
      options.logger?.error({ err }, 'could not set up a database session'),
    ),
    ...conn,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    dateStrings: false,
    supportBigNumbers: true,
    bigNumberStrings: false,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    poolSize: options.poolSize ?? 10,
    extra: { connectionLimit: options.poolSize ?? 10, waitForConnections: true, queryFormat },
  });
}

/**
 * mysql2's own formatting, minus one cost: it scans every statement for `?` placeholders even when there
 * are no values to put in, and the statements a bulk import renders itself run to hundreds of KB (the
 * scan was ~10% of the import's main thread). With no values the text is returned as is, which is what
 * the scan would return.
 */
function queryFormat(
  this: { config: { stringifyObjects?: boolean } },
  sql: string,
  values: unknown,
  timezone: string,
): string {
  if (values === undefined || values === null || (Array.isArray(values) && values.length === 0)) return sql;
  return mysqlFormat(sql, values as SqlValue[], this.config.stringifyObjects ?? false, timezone as 'Z');
}

/**
 * For an embedded (SQLite) URL, checks its file as opening it would, creating nothing (see
 * `checkEmbeddedDatabaseFile`); a MySQL URL is checked when it is opened.
 */
export function checkEmbeddedDatabase(url: string): void {
  if (databaseKind(url) === 'sqlite') checkEmbeddedDatabaseFile(embeddedDatabaseFile(url));
}

/**
 * Initializes the DataSource and, in real mode, applies pending migrations. An embedded file that
 * cannot be read stops the start with an `EmbeddedDatabaseError` (a `StartupError`: one line naming
 * the file and what to do) before anything is written to it.
 */
export async function openDatabase(options: DatabaseOptions): Promise<DataSource> {
  const ds = createDataSource(options);
  if (!isMysqlFamily(ds)) {
    try {
      await ds.initialize();
      if (options.embeddedUpgrade) {
        await options.embeddedUpgrade.beforeSynchronize(ds);
        await ds.synchronize();
        await options.embeddedUpgrade.afterSynchronize(ds);
      }
    } catch (error) {
      if (ds.isInitialized) await ds.destroy().catch(() => undefined);
      throw embeddedDatabaseError(embeddedDatabaseFile(options.url), error) ?? error;
    }
    return ds;
  }
  await ds.initialize();
  // Copies of a service starting together must not race through the same migrations: the
  // first takes a named lock, the others wait for it and then find nothing left to apply.
  const runner = ds.createQueryRunner();
  try {
    const [row] = (await runner.query('SELECT GET_LOCK(?, 120) AS ok', [
      `migrations:${ds.driver.database}`,
    ])) as { ok: number }[];
    if (Number(row?.ok) !== 1) throw new Error('timed out waiting for another copy to finish the migrations');
    const applied = await ds.runMigrations({ transaction: 'each' });
    if (applied.length > 0) {
      options.logger?.info({ migrations: applied.map((m) => m.name) }, 'applied database migrations');
    }
  } finally {
    await runner.query('SELECT RELEASE_LOCK(?)', [`migrations:${ds.driver.database}`]).catch(() => undefined);
    await runner.release();
  }
  return ds;
}

/** Options of {@link transaction}. */
export interface TransactionOptions {
  /**
   * MySQL/MariaDB isolation level of this transaction (default: the server's, REPEATABLE READ).
   * `READ COMMITTED` lets a transaction that locks only what it changes read what others committed
   * while it waited for a lock (under REPEATABLE READ its plain reads keep the snapshot of its first
   * read). SQLite runs transactions one at a time and ignores it.
   */
  isolation?: 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';
}

/**
 * Runs `work` in one database transaction. The embedded SQLite has a single connection, so
 * transactions there are queued one after the other instead of nesting.
 */
export async function transaction<T>(
  ds: DataSource,
  work: (manager: EntityManager) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  if (isMysqlFamily(ds)) {
    return options.isolation ? ds.transaction(options.isolation, work) : ds.transaction(work);
  }
  const queue = sqliteQueues.get(ds) ?? Promise.resolve();
  const run = queue.then(
    () => ds.transaction(work),
    () => ds.transaction(work),
  );
  sqliteQueues.set(
    ds,
    run.then(
      () => undefined,
      () => undefined,
    ),
  );
  return run;
}
const sqliteQueues = new WeakMap<DataSource, Promise<void>>();

/**
 * The statements TypeORM would run to bring the database in line with the entities. Empty means
 * the migrations produce exactly the schema the entities expect (no drift).
 */
export async function pendingSchemaChanges(ds: DataSource): Promise<string[]> {
  const log = await ds.driver.createSchemaBuilder().log();
  return log.upQueries.map((q) => q.query);
}
