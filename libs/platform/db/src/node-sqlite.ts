import fs from 'node:fs';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';

/**
 * The options TypeORM's better-sqlite3 driver passes to `new Database(file, options)` (TypeORM 0.3.31
 * and 1.x alike). `verbose` and `nativeBinding` belong to better-sqlite3's native addon and mean
 * nothing here.
 */
export interface BetterSqlite3OpenOptions {
  readonly?: boolean;
  fileMustExist?: boolean;
  /** Busy timeout in milliseconds: how long a statement waits for another connection's lock. */
  timeout?: number;
  verbose?: unknown;
  nativeBinding?: unknown;
}

/** What better-sqlite3's `Statement#run` returns. */
export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

type Row = Record<string, unknown>;

/**
 * better-sqlite3's `Database`, as far as TypeORM's better-sqlite3 driver uses it, over Node's
 * built-in `node:sqlite` (a real SQLite linked into Node: no native addon to compile).
 *
 * TypeORM calls exactly: the constructor with {@link BetterSqlite3OpenOptions}; `prepare(sql)`, whose
 * statement it asks `reader` (does it return rows?) and then runs with `all(...params)` or
 * `run(...params)` (`changes`, `lastInsertRowid`); `pragma(source)` for `foreign_keys`,
 * `journal_mode` and `table_info`/`index_list`/`index_info` (rows back); `close()`. It passes the
 * module itself through the `driver` option. `exec`, `get`, `open` and `inTransaction` are here for
 * our own start-up code and for parity.
 */
export class NodeSqliteDatabase {
  /** The underlying connection, for what better-sqlite3's surface does not cover. */
  readonly connection: DatabaseSync;

  constructor(
    readonly name: string,
    options: BetterSqlite3OpenOptions = {},
  ) {
    if (options.fileMustExist && name !== ':memory:' && !fs.existsSync(name)) {
      throw new Error(`unable to open database file: ${name} does not exist`);
    }
    this.connection = new DatabaseSync(name, {
      readOnly: options.readonly ?? false,
      timeout: options.timeout ?? 5_000,
      // Foreign keys are switched on by TypeORM with a pragma right after opening, as on better-sqlite3.
      enableForeignKeyConstraints: false,
      // SQLite's own advice: "…" is an identifier, never a string (a misspelt column is an error, not
      // a string constant). TypeORM quotes identifiers with "…" and strings with '…'.
      enableDoubleQuotedStringLiterals: false,
    });
  }

  prepare(sql: string): NodeSqliteStatement {
    return new NodeSqliteStatement(this.connection.prepare(sql));
  }

  /** `PRAGMA <source>`; returns its rows (better-sqlite3 without `{ simple: true }`). */
  pragma(source: string): Row[] {
    return this.prepare(`PRAGMA ${source}`).all();
  }

  exec(sql: string): this {
    this.connection.exec(sql);
    return this;
  }

  close(): this {
    if (this.connection.isOpen) this.connection.close();
    return this;
  }

  get open(): boolean {
    return this.connection.isOpen;
  }

  get inTransaction(): boolean {
    return this.connection.isOpen && this.connection.isTransaction;
  }
}

/** better-sqlite3's `Statement`, as far as TypeORM uses it. */
export class NodeSqliteStatement {
  /** True when the statement returns rows (better-sqlite3's `reader`): TypeORM then calls `all`. */
  readonly reader: boolean;

  constructor(private readonly statement: StatementSync) {
    this.reader = statement.columns().length > 0;
  }

  get source(): string {
    return this.statement.sourceSQL;
  }

  run(...params: unknown[]): RunResult {
    const result = this.statement.run(...bind(params));
    return { changes: Number(result.changes), lastInsertRowid: result.lastInsertRowid };
  }

  all(...params: unknown[]): Row[] {
    return this.statement.all(...bind(params)).map(plain);
  }

  get(...params: unknown[]): Row | undefined {
    const row = this.statement.get(...bind(params));
    return row === undefined ? undefined : plain(row);
  }
}

/**
 * Parameters as the sql.js driver bound them, so queries behave as they did there: `undefined` is
 * NULL, booleans are 1/0, and anything else SQLite cannot store (a Date, a plain object) is refused
 * with an error (TypeORM's query builder converts dates itself). Checked here because node:sqlite
 * would take an object in first place for a set of named parameters and bind NULL for every `?`.
 */
function bind(params: unknown[]): SQLInputValue[] {
  return params.map((p, i) => {
    if (p === undefined || p === null) return null;
    if (typeof p === 'string' || typeof p === 'number' || typeof p === 'bigint') return p;
    if (typeof p === 'boolean') return p ? 1 : 0;
    if (ArrayBuffer.isView(p)) return p as NodeJS.ArrayBufferView;
    throw new TypeError(
      `cannot bind a value of type ${Object.prototype.toString.call(p).slice(8, -1)} to SQLite parameter ${i + 1}`,
    );
  });
}

/**
 * node:sqlite returns rows without a prototype; code that calls `row.hasOwnProperty` or checks for a
 * plain object (TypeORM, libraries, tests) expects ordinary objects, as sql.js and better-sqlite3 give.
 */
function plain(row: Row): Row {
  return { ...row };
}
