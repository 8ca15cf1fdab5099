import { QueryFailedError } from 'typeorm';

/** Which unique constraint a violation must be of; unset parts match any. */
export interface UniqueConstraint {
  /** Index name as MySQL/MariaDB report it (`Duplicate entry '…' for key 'uq_place_code'`). */
  index?: string;
  /**
   * What SQLite reports instead of the index name: `table.column` (or a prefix such as `table.`),
   * from `UNIQUE constraint failed: place.code`.
   */
  columns?: string;
}

function driverCode(error: { readonly driverError: unknown }): { code?: unknown; errno?: unknown } {
  const driverError: unknown = error.driverError;
  return typeof driverError === 'object' && driverError !== null
    ? (driverError as { code?: unknown; errno?: unknown })
    : {};
}

/**
 * True for a primary-key or unique-index violation on MySQL/MariaDB or SQLite; with a constraint,
 * only for a violation of that index (MySQL names the index, SQLite the columns, so callers name both
 * where the two differ).
 */
export function isUniqueViolation(error: unknown, constraint: UniqueConstraint = {}): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const message = String(error.message);
  const { code, errno } = driverCode(error);
  if (code === 'ER_DUP_ENTRY' || errno === 1062 || /Duplicate entry/i.test(message)) {
    return constraint.index === undefined || message.includes(`'${constraint.index}'`);
  }
  if (/UNIQUE constraint failed|SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)/i.test(message)) {
    if (constraint.columns !== undefined) return message.includes(constraint.columns);
    // SQLite does not name the index: only an unqualified check can match.
    return constraint.index === undefined;
  }
  return false;
}

/**
 * True when the database gave up on a transaction to break a lock cycle (MySQL/MariaDB deadlock or
 * lock-wait timeout) or found the embedded database busy: the transaction was rolled back as a whole,
 * so running the same work again is safe (outbox rows included: they were rolled back with it).
 */
export function isDeadlock(error: unknown): boolean {
  const e = error as { code?: unknown; errno?: unknown; driverError?: { code?: unknown; errno?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  const errno = e?.driverError?.errno ?? e?.errno;
  return (
    code === 'ER_LOCK_DEADLOCK' ||
    code === 'ER_LOCK_WAIT_TIMEOUT' ||
    code === 'SQLITE_BUSY' ||
    errno === 1213 ||
    errno === 1205
  );
}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
  'ER_OPTION_PREVENTS_STATEMENT', // read-only while a replica is promoted
  'ER_CONNECTION_KILLED',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_FULL',
]);
// MySQL/MariaDB numbers of the same: deadlock, lock wait, too many connections, shutdown,
// interrupted, read-only, connection killed, server gone away / lost.
const TRANSIENT_ERRNOS = new Set([1213, 1205, 1040, 1203, 1053, 1317, 1290, 1927, 2006, 2013]);

/**
 * True when a database failure may pass by itself (the server away or restarting, a lock conflict, the
 * embedded file busy): the same work should simply be tried again. False for failures the same input
 * will meet every time — a value too long for its column, a constraint, a bug (a TypeError) — which a
 * consumer must not retry forever: the poison event would block its partition (the county feed parks
 * it after a few attempts, ADR 0039). Unknown failures count as permanent only when the error came
 * back from a database that answered (a `QueryFailedError`); an error without a driver code that is
 * not a query failure (a refused connection from the pool) is transient.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  const e = error as { code?: unknown; errno?: unknown; driverError?: { code?: unknown; errno?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  const errno = e?.driverError?.errno ?? e?.errno;
  if (typeof code === 'string' && (TRANSIENT_CODES.has(code) || code.startsWith('SQLITE_BUSY'))) return true;
  if (typeof errno === 'number' && TRANSIENT_ERRNOS.has(errno)) return true;
  if (error instanceof QueryFailedError) return false;
  if (error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError) return false;
  return true;
}

/** A database error as `code/errno` only: its message may quote the values of the row. */
export function databaseErrorCode(error: unknown): string {
  const e = error as { code?: unknown; errno?: unknown; driverError?: { code?: unknown; errno?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  const errno = e?.driverError?.errno ?? e?.errno;
  if (code === undefined && errno === undefined) return error instanceof Error ? error.name : 'unknown error';
  return [code, errno].filter((p) => p !== undefined).join('/');
}
