import { QueryFailedError } from 'typeorm';
import { databaseErrorCode, isTransientDatabaseError } from './errors';

const failed = (driverError: Record<string, unknown>, message = 'failed') =>
  new QueryFailedError('INSERT …', [], Object.assign(new Error(message), driverError));

describe('isTransientDatabaseError', () => {
  it('is true for failures that pass by themselves: the server away, lock conflicts, a busy file', () => {
    expect(isTransientDatabaseError(failed({ code: 'ER_LOCK_DEADLOCK', errno: 1213 }))).toBe(true);
    expect(isTransientDatabaseError(failed({ errno: 1205 }))).toBe(true);
    expect(isTransientDatabaseError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(
      true,
    );
    expect(
      isTransientDatabaseError(Object.assign(new Error('gone'), { code: 'PROTOCOL_CONNECTION_LOST' })),
    ).toBe(true);
    expect(isTransientDatabaseError(failed({ code: 'SQLITE_BUSY' }))).toBe(true);
    // No code at all and no query failure (a pool that could not connect): try again.
    expect(isTransientDatabaseError(new Error('pool is closed'))).toBe(true);
  });

  it('is false for failures the same input meets every time', () => {
    expect(isTransientDatabaseError(failed({ code: 'ER_DATA_TOO_LONG', errno: 1406 }))).toBe(false);
    expect(isTransientDatabaseError(failed({ code: 'ER_DUP_ENTRY', errno: 1062 }))).toBe(false);
    expect(isTransientDatabaseError(failed({ code: 'SQLITE_CONSTRAINT_NOTNULL' }))).toBe(false);
    expect(
      isTransientDatabaseError(new TypeError("Cannot read properties of undefined (reading 'id')")),
    ).toBe(false);
  });
});

describe('databaseErrorCode', () => {
  it('names the code and number, never the message (it may quote row values)', () => {
    const error = failed({ code: 'ER_DUP_ENTRY', errno: 1062 }, "Duplicate entry '13800000000' for key 'uq'");
    expect(databaseErrorCode(error)).toBe('ER_DUP_ENTRY/1062');
    expect(databaseErrorCode(new TypeError('x'))).toBe('TypeError');
  });
});
