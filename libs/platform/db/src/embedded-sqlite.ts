import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { StartupError } from '@sc/config';
import { type BetterSqlite3OpenOptions, NodeSqliteDatabase } from './node-sqlite';

/**
 * How the embedded database writes (docs/adr/0016-embedded-sqlite.md). A write-ahead log: a commit
 * appends its pages to the log instead of rewriting the file, and whatever moment the process dies at,
 * the next open finds every commit whole and nothing half-written. `synchronous = NORMAL`: a commit has
 * written its pages to the operating system before it returns, so an acknowledged write survives the
 * process being killed; only a power cut or OS crash can lose the last commits (never corrupting the
 * file). FULL would add an fsync to every commit, on the one thread that serves every request (two per
 * people mutation: the change and the outbox relay's mark); the ADR has the measurements.
 */
export const EMBEDDED_SQLITE = {
  journalMode: 'wal',
  synchronous: 'NORMAL',
  /** How long a statement waits for another process's write lock (people:import on the same file). */
  busyTimeoutMs: 5_000,
  /**
   * The log is reused after each checkpoint but keeps its size; one large transaction (the demo seed,
   * an import) would leave it that big until the process stops. Cut back to this after a checkpoint
   * (about what the automatic checkpoint every 1,000 pages lets it grow to).
   */
  journalSizeLimitBytes: 4 * 1024 * 1024,
} as const;

/** SQLite's primary result codes that mean "the file's contents cannot be read". */
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;
const SQLITE_CANTOPEN = 14;

/**
 * An embedded database file that cannot be used as it is. Start-up stops with this one line (see
 * `exitOnStartFailure` in @sc/config) and never goes on to create or seed anything in its place.
 */
export class EmbeddedDatabaseError extends StartupError {
  constructor(
    readonly file: string,
    message: string,
    cause?: unknown,
  ) {
    super(message, 65, cause === undefined ? undefined : { cause });
  }
}

/**
 * The driver module handed to TypeORM's better-sqlite3 driver for embedded files: the
 * {@link NodeSqliteDatabase} adapter plus the rules for the file itself.
 *
 * - No file: a new database is made under a temporary name and linked into place with its header
 *   already written, so a file at the path is never one this code left empty.
 * - A file of 0 bytes, or a `-wal` log with no database: refused. SQLite would take either for a new,
 *   empty database and the demo seed would run over data that is gone (an earlier version, sql.js,
 *   rewrote files in place and left them empty or cut short when stopped while saving).
 * - Otherwise `PRAGMA quick_check` reads every page before anything is written; a file that is
 *   not a database or is damaged is refused, left exactly as it was.
 * - Then the settings of {@link EMBEDDED_SQLITE}. A rollback-journal file (written by sql.js) becomes
 *   a WAL file in place: same format, same tables, nothing to migrate.
 */
export class EmbeddedSqliteDatabase extends NodeSqliteDatabase {
  constructor(file: string, options: BetterSqlite3OpenOptions = {}) {
    const created = prepareFile(file);
    try {
      super(file, { ...options, timeout: options.timeout ?? EMBEDDED_SQLITE.busyTimeoutMs });
    } catch (error) {
      throw embeddedDatabaseError(file, error) ?? error;
    }
    try {
      if (!created) checkReadable(this, file);
      configure(this, file);
    } catch (error) {
      this.close();
      throw embeddedDatabaseError(file, error) ?? error;
    }
  }
}

/**
 * Checks an embedded database file the way opening it would, without creating one: a start that runs
 * several services checks all their files first, so one unreadable file stops it before any other file
 * is created or changed.
 */
export function checkEmbeddedDatabaseFile(file: string): void {
  if (!statIfExists(file)) {
    const wal = statIfExists(`${file}-wal`);
    if (wal && wal.size > 0) prepareFile(file); // throws: a -wal without its database
    return;
  }
  new EmbeddedSqliteDatabase(file).close();
}

/**
 * The one line to stop with when `error` (from opening, checking or synchronizing `file`) says the
 * file cannot be read or opened; undefined for any other failure.
 */
export function embeddedDatabaseError(file: string, error: unknown): EmbeddedDatabaseError | undefined {
  if (error instanceof EmbeddedDatabaseError) return error;
  const code = sqliteErrorCode(error);
  const reason = errorMessage(error);
  if (code === SQLITE_CORRUPT || code === SQLITE_NOTADB) return unreadable(file, reason, error);
  if (code === SQLITE_CANTOPEN) {
    return new EmbeddedDatabaseError(
      file,
      `cannot open the embedded database ${file} (${reason}): check that its folder exists and that this user may write to both`,
      error,
    );
  }
  return undefined;
}

function unreadable(file: string, reason: string, cause?: unknown): EmbeddedDatabaseError {
  const base = path.basename(file);
  return new EmbeddedDatabaseError(
    file,
    `cannot read the embedded database ${file} (${reason}); it was left as it is and nothing was seeded. ` +
      `Restore it from a backup, or move ${base} (with ${base}-wal and ${base}-shm, if there) out of the ` +
      'folder to start with a new database.',
    cause,
  );
}

/** Returns true when it created the file. */
function prepareFile(file: string): boolean {
  const stat = statIfExists(file);
  if (stat) {
    if (!stat.isFile()) throw unreadable(file, 'it is not a regular file');
    if (stat.size === 0) throw unreadable(file, 'the file is empty, 0 bytes, so its data is gone');
    return false;
  }
  const wal = statIfExists(`${file}-wal`);
  if (wal && wal.size > 0) {
    const base = path.basename(file);
    throw new EmbeddedDatabaseError(
      file,
      `found ${base}-wal but not the database ${file} it belongs to; nothing was created or seeded. ` +
        `Restore ${base} from a backup, or delete ${base}-wal (and ${base}-shm) to start with a new database.`,
    );
  }
  createEmpty(file);
  return true;
}

/**
 * A new database with its header written and on disk, published at `file` in one step (another
 * process creating it at the same moment wins, and both then open the same file).
 */
function createEmpty(file: string): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${randomUUID()}.new`;
  try {
    const db = new DatabaseSync(tmp);
    try {
      // Writes page 1 (the header, which records WAL mode), so the file is a database from here on.
      db.exec(`PRAGMA journal_mode = ${EMBEDDED_SQLITE.journalMode}`);
    } finally {
      db.close();
    }
    fsyncPath(tmp);
    try {
      fs.linkSync(tmp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    fsyncPath(dir);
  } finally {
    for (const leftover of [tmp, `${tmp}-wal`, `${tmp}-shm`]) fs.rmSync(leftover, { force: true });
  }
}

function checkReadable(db: NodeSqliteDatabase, file: string): void {
  const rows = db.pragma('quick_check');
  const problems = rows.map((r) => String(Object.values(r)[0])).filter((v) => v !== 'ok');
  const [first] = problems;
  if (first !== undefined) {
    const summary = first.replace(/\s+/g, ' ').slice(0, 200);
    throw unreadable(file, `quick_check found ${problems.length} problem(s), the first: ${summary}`);
  }
}

function configure(db: NodeSqliteDatabase, file: string): void {
  const [mode] = db.pragma(`journal_mode = ${EMBEDDED_SQLITE.journalMode}`);
  const journalMode = String(mode?.['journal_mode'] ?? '');
  if (journalMode !== EMBEDDED_SQLITE.journalMode) {
    // e.g. a file system without shared memory for the log's index: without the log, writes would
    // not be incremental and durable as promised, so refuse rather than run differently.
    throw new EmbeddedDatabaseError(
      file,
      `cannot switch the embedded database ${file} to write-ahead logging (journal mode stays "${journalMode}"); put DATA_DIR on a local file system`,
    );
  }
  db.pragma(`synchronous = ${EMBEDDED_SQLITE.synchronous}`);
  db.pragma(`journal_size_limit = ${EMBEDDED_SQLITE.journalSizeLimitBytes}`);
}

function fsyncPath(p: string): void {
  const fd = fs.openSync(p, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function statIfExists(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** node:sqlite errors carry SQLite's extended result code as `errcode`; TypeORM wraps them as `driverError`. */
function sqliteErrorCode(error: unknown): number | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const errcode = (e as { errcode?: unknown }).errcode;
    if (typeof errcode === 'number') return errcode & 0xff;
    e = (e as { driverError?: unknown }).driverError ?? (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function errorMessage(error: unknown): string {
  let e: unknown = error;
  while (e && typeof e === 'object' && 'driverError' in e && e.driverError) e = e.driverError;
  return e instanceof Error ? e.message : String(e);
}
