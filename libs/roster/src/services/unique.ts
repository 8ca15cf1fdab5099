import { QueryFailedError } from 'typeorm';

/**
 * True when the error is a violation of the named unique index. MySQL/MariaDB name the index;
 * SQLite names the columns, so callers pass them too (`table.column`).
 */
export function isUniqueViolation(error: unknown, index: string, sqliteColumns: string): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const message = String(error.message);
  if (/Duplicate entry/i.test(message)) return message.includes(index);
  return /UNIQUE constraint failed/i.test(message) && message.includes(sqliteColumns);
}
