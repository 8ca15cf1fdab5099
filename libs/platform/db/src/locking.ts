import type { EntityManager, EntityTarget, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { isMysqlFamily } from './data-source';

/**
 * Locks the rows the query reads until the transaction ends (`SELECT … FOR UPDATE`) on MySQL/MariaDB.
 * SQLite has one writer at a time (transactions are queued, see `transaction`), so it needs no row lock.
 */
export function forUpdate<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>): SelectQueryBuilder<T> {
  if (isMysqlFamily(qb.connection)) qb.setLock('pessimistic_write');
  return qb;
}

/**
 * Reads one row by id for a change, locked until the transaction ends (see {@link forUpdate}), so
 * concurrent changes of one aggregate serialize. Null when there is no such row.
 */
export function lockById<T extends ObjectLiteral>(
  m: EntityManager,
  entity: EntityTarget<T>,
  id: string,
): Promise<T | null> {
  const qb = m.getRepository(entity).createQueryBuilder('locked').where('locked.id = :id', { id });
  return forUpdate(qb).getOne();
}
