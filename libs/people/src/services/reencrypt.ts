import type { DataSource, EntityManager } from 'typeorm';
import { isMysqlFamily, transaction } from '@sc/db';
import type { FieldCipher } from '../crypto';

/** The tables holding field tokens: primary key, token columns, and the key id that describes them. */
const TABLES = [
  { table: 'resident', pk: 'seq', columns: ['id_number_enc', 'phone_enc'] },
  { table: 'standard_address', pk: 'seq', columns: ['door_enc'] },
  { table: 'real_unit', pk: 'id', columns: ['contact_phone_enc'] },
] as const;

export interface ReencryptProgress {
  table: string;
  /** Rows of this table re-encrypted so far. */
  rows: number;
}

export interface ReencryptReport {
  keyId: string;
  /** Rows re-encrypted per table. */
  rows: Record<string, number>;
  /** Rows per table still naming another key afterwards (0 unless someone wrote with an old key meanwhile). */
  remaining: Record<string, number>;
  elapsedMs: number;
}

/**
 * Re-encrypts every field token written with a key other than the cipher's current one (after a key
 * rotation: `PEOPLE_FIELD_KEYS=<new>,<old>`), so that the old key can be removed from the configuration.
 *
 * Walks each table once in primary-key order, `batchSize` rows per transaction: the rows of a batch are
 * locked (MySQL `FOR UPDATE`), their tokens decrypted with whatever key they name and encrypted with the
 * current one, and `key_id` set to it. Blind indexes, masked copies and versions do not change, and no
 * event is written: the values are the same, only their encryption is new. Safe while the service runs
 * (a row it writes meanwhile gets the current key anyway) and safe to run again (it finds nothing to do).
 *
 * @throws FieldTokenError when a token names a key the cipher does not have: add that key to the list.
 */
export async function reencryptFields(
  ds: DataSource,
  cipher: FieldCipher,
  opts: { batchSize?: number; onProgress?: (p: ReencryptProgress) => void } = {},
): Promise<ReencryptReport> {
  const started = Date.now();
  const batchSize = opts.batchSize ?? 500;
  const kid = cipher.currentKeyId;
  const lock = isMysqlFamily(ds) ? ' FOR UPDATE' : '';
  const rows: Record<string, number> = {};
  const remaining: Record<string, number> = {};
  for (const { table, pk, columns } of TABLES) {
    rows[table] = 0;
    // Rows without any token (a unit without contact phone) have nothing to re-encrypt.
    const hasToken = columns.map((c) => `${c} IS NOT NULL`).join(' OR ');
    const where = `(key_id IS NULL OR key_id <> ?) AND (${hasToken})`;
    let after: string | number | null = null;
    for (;;) {
      const done = await transaction(ds, async (m: EntityManager) => {
        const batch = (await m.query(
          `SELECT ${pk} AS pk, ${columns.join(', ')} FROM ${table} WHERE ${where}` +
            `${after === null ? '' : ` AND ${pk} > ?`} ORDER BY ${pk} LIMIT ${batchSize}${lock}`,
          after === null ? [kid] : [kid, after],
        )) as Record<string, string | number | null>[];
        if (batch.length === 0) return true;
        // One UPDATE per row, each sent after the previous one answered. Issued together they would queue
        // on the connection, and when InnoDB rolls the transaction back (a deadlock) the UPDATEs queued
        // behind the failed one would run on their own, outside it, and stay.
        for (const row of batch) {
          const tokens = columns.map((c) => {
            const token = row[c];
            return typeof token === 'string' ? cipher.encrypt(cipher.decrypt(token)) : null;
          });
          await m.query(
            `UPDATE ${table} SET ${columns.map((c) => `${c} = ?`).join(', ')}, key_id = ? WHERE ${pk} = ?`,
            [...tokens, kid, row['pk'] ?? null],
          );
        }
        after = batch.at(-1)?.['pk'] ?? null;
        rows[table] = (rows[table] ?? 0) + batch.length;
        return batch.length < batchSize;
      });
      opts.onProgress?.({ table, rows: rows[table] ?? 0 });
      if (done) break;
    }
    const [left] = (await ds.query(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`, [kid])) as {
      n: number | string;
    }[];
    remaining[table] = Number(left?.n ?? 0);
  }
  return { keyId: kid, rows, remaining, elapsedMs: Date.now() - started };
}
