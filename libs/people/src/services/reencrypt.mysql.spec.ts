import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { type DataSource, EntityManager } from 'typeorm';
import { openDatabase } from '@sc/db';
import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import { FieldCipher, parseFieldKeys } from '../crypto';
import { importResidentsCsv } from '../import';
import { people } from '../people.service';
import { reencryptFields } from './reencrypt';

const SAMPLE = fs.readFileSync(path.join(__dirname, '../../../../tools/people-import/sample.csv'));
const key = () => randomBytes(32).toString('base64');

describe('re-encryption after a field-key rotation [real: MariaDB]', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const oldKey = key();
  const newKey = key();
  const blind = key();
  const before = new FieldCipher(parseFieldKeys(`k0:${oldKey}`, blind));
  const rotated = new FieldCipher(parseFieldKeys(`k1:${newKey},k0:${oldKey}`, blind));
  const newOnly = new FieldCipher(parseFieldKeys(`k1:${newKey}`, blind));

  /** Every token of the three tables, decrypted, by table and primary key; plus what must not change. */
  async function snapshot(cipher: FieldCipher) {
    const q = async (sql: string) => (await ds.query(sql)) as Record<string, string | number | null>[];
    const plain = (t: unknown) => (typeof t === 'string' ? cipher.decrypt(t) : null);
    return {
      residents: (
        await q(
          'SELECT seq, id_number_enc, phone_enc, id_number_bidx, phone_bidx, version FROM resident ORDER BY seq',
        )
      ).map((r) => [
        r['seq'],
        plain(r['id_number_enc']),
        plain(r['phone_enc']),
        r['id_number_bidx'],
        r['phone_bidx'],
        r['version'],
      ]),
      addresses: (await q('SELECT seq, door_enc, address_key FROM standard_address ORDER BY seq')).map(
        (r) => [r['seq'], plain(r['door_enc']), r['address_key']],
      ),
      units: (await q('SELECT id, contact_phone_enc FROM real_unit ORDER BY id')).map((r) => [
        r['id'],
        plain(r['contact_phone_enc']),
      ]),
    };
  }

  beforeAll(async () => {
    db = await freshMysqlDatabase('people_reencrypt');
    ds = await openDatabase({ url: db.url, entities: people.entities, migrations: people.migrations });
    await importResidentsCsv(Readable.from([SAMPLE]), {
      dataSource: ds,
      cipher: before,
      actor: 'staff-1',
      today: '2026-11-25',
    });
    for (const [id, phone] of [
      ['unit-1', '13800001111'],
      ['unit-2', null],
    ] as const) {
      await ds.query(
        `INSERT INTO real_unit (id, name, kind, contact_phone_enc, contact_phone_masked, key_id, address_id, street_id, status, created_at, updated_at)
         VALUES (?, '蔡场超市', 'MERCHANT', ?, ?, ?, 'a', 's', 'ACTIVE', NOW(3), NOW(3))`,
        [
          id,
          phone === null ? null : before.encrypt(phone),
          phone === null ? null : '138****1111',
          phone === null ? null : 'k0',
        ],
      );
    }
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('moves every token to the new key, values, blind indexes and versions unchanged, no events', async () => {
    const original = await snapshot(before);
    const outbox = (await ds.query('SELECT COUNT(*) AS n FROM outbox_event')) as { n: number | string }[];
    const progress: string[] = [];

    const report = await reencryptFields(ds, rotated, {
      batchSize: 7,
      onProgress: (p) => progress.push(`${p.table}:${p.rows}`),
    });

    expect(report).toMatchObject({
      keyId: 'k1',
      rows: { resident: 23, standard_address: 19, real_unit: 1 },
      remaining: { resident: 0, standard_address: 0, real_unit: 0 },
    });
    expect(progress).toContain('resident:7');
    // The old key can go: the new one alone reads everything, and reads what the old one read.
    expect(await snapshot(newOnly)).toEqual(original);
    const keyIds = (await ds.query(
      'SELECT key_id AS k FROM resident UNION SELECT key_id FROM standard_address UNION SELECT key_id FROM real_unit WHERE contact_phone_enc IS NOT NULL',
    )) as { k: string }[];
    expect(keyIds.map((r) => r.k)).toEqual(['k1']);
    expect(await ds.query('SELECT COUNT(*) AS n FROM outbox_event')).toEqual(outbox);

    // Run again: nothing left to do.
    const again = await reencryptFields(ds, rotated);
    expect(again.rows).toEqual({ resident: 0, standard_address: 0, real_unit: 0 });
  });

  it("sends a batch's UPDATEs one after the other, never queued behind each other in the transaction", async () => {
    const next = new FieldCipher(parseFieldKeys(`k2:${key()},k1:${newKey},k0:${oldKey}`, blind));
    const original = await snapshot(next);
    let inFlight = 0;
    let mostInFlight = 0;
    let updates = 0;
    const query = EntityManager.prototype.query;
    const spy = jest.spyOn(EntityManager.prototype, 'query').mockImplementation(async function (
      this: EntityManager,
      sql: string,
      params?: unknown[],
    ) {
      if (!sql.startsWith('UPDATE ')) return query.call(this, sql, params);
      updates++;
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      try {
        return await query.call(this, sql, params);
      } finally {
        inFlight--;
      }
    });
    try {
      const report = await reencryptFields(ds, next, { batchSize: 7 });
      expect(report.rows).toEqual({ resident: 23, standard_address: 19, real_unit: 1 });
    } finally {
      spy.mockRestore();
    }
    expect(updates).toBe(23 + 19 + 1);
    expect(mostInFlight).toBe(1);
    expect(await snapshot(next)).toEqual(original);
  });

  it('says which key is missing instead of writing anything it cannot read', async () => {
    await ds.query(
      `UPDATE resident SET key_id = 'k9' WHERE seq = (SELECT MIN(seq) FROM (SELECT seq FROM resident) t)`,
    );
    await ds.query(
      `UPDATE resident SET id_number_enc = ? WHERE seq = (SELECT MIN(seq) FROM (SELECT seq FROM resident) t)`,
      [new FieldCipher(parseFieldKeys(`k9:${key()}`, blind)).encrypt('110105194912310021')],
    );
    await expect(reencryptFields(ds, rotated)).rejects.toThrow(/key 'k9', which is not configured/);
  });
});
