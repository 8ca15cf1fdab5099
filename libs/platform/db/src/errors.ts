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
