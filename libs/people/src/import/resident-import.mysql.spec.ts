import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import type { DataSource } from 'typeorm';
import { openDatabase, parseMysqlUrl } from '@sc/db';
import { type CloudEvent, storedEnvelope } from '@sc/events';
import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import { FieldCipher, parseFieldKeys } from '../crypto';
import { normalizeIdNumber } from '../domain/id-card';
import { people } from '../people.service';
import { ResidentsImported } from '@sc/people-contracts';
import { CsvParser } from './csv';
import { importResidentsCsv } from './resident-import';
import { normalizePhone } from './resident-row';

const SAMPLE = path.join(__dirname, '../../../../tools/people-import/sample.csv');
const sampleText = fs.readFileSync(SAMPLE, 'utf8');
/** Good rows of the sample: lines 2–25 (one row spans two lines); the seven after them are bad on purpose. */
const EXPECTED_BAD = [
  { line: 26, reasons: ['身份证号: check digit does not match (typo?)'] },
  { line: 27, reasons: ['街道: not a street of the community'] },
  { line: 28, reasons: ['姓名: missing'] },
  { line: 29, reasons: ['身份证号: the same person as on line 2'] },
  {
    line: 30,
    reasons: ['联系电话: not a mobile number (11 digits starting with 1) or a landline with area code'],
  },
  { line: 31, reasons: ['人员类别: must be 户籍人口, 外来常住 or 流动人口'] },
  { line: 32, reasons: ['院落: not a courtyard of this street', '性别: does not match the ID number'] },
];

/** Every ID number and phone of the sample, normalized as stored before encryption. */
function sampleSecrets(): { ids: string[]; phones: string[]; names: string[] } {
  const p = new CsvParser();
  const records = [...p.push(sampleText.replace(/^\uFEFF/, '')), ...p.end()].slice(1);
  const ids = records.map((r) => normalizeIdNumber(r.fields[2] ?? '')).filter((v) => v.length === 18);
  const phones = records.map((r) => normalizePhone(r.fields[3] ?? '')).filter((v) => v.length >= 10);
  const names = records.map((r) => r.fields[0] ?? '').filter((v) => v.length > 0);
  return { ids, phones, names };
}

describe('CSV import of residents into MariaDB [real: MariaDB]', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const cipher = new FieldCipher(
    parseFieldKeys(`k1:${randomBytes(32).toString('base64')}`, randomBytes(32).toString('base64')),
  );
  const run = (text: string, batchSize = 4) =>
    importResidentsCsv(Readable.from([Buffer.from(text, 'utf8')]), {
      dataSource: ds,
      cipher,
      actor: 'staff-1',
      batchSize, // small batches: the sample spans several transactions
      today: '2026-11-25',
    });
  const count = async (table: string) =>
    Number(((await ds.query(`SELECT COUNT(*) AS n FROM ${table}`)) as { n: number | string }[])[0]?.n);

  beforeAll(async () => {
    db = await freshMysqlDatabase('people_import');
    ds = await openDatabase({ url: db.url, entities: people.entities, migrations: people.migrations });
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('imports the good rows and reports each bad one with its line and reasons', async () => {
    const progress: number[] = [];
    const report = await importResidentsCsv(fs.createReadStream(SAMPLE), {
      dataSource: ds,
      cipher,
      actor: 'staff-1',
      batchSize: 5,
      today: '2026-11-25',
      totalBytes: fs.statSync(SAMPLE).size,
      onProgress: (p) => progress.push(p.imported),
    });
    expect(report).toMatchObject({ lines: 30, imported: 23, updated: 0, unchanged: 0, bad: 7, events: 5 });
    expect(report.badRows).toEqual(EXPECTED_BAD);
    expect(report.bytesRead).toBe(fs.statSync(SAMPLE).size);
    expect(progress).toContain(5);
    expect(await count('resident')).toBe(23);
    // 22 residents have a door number; two families share theirs (3 + 2 people): 19 standard addresses.
    expect(await count('standard_address')).toBe(19);
    expect(await count('outbox_event')).toBe(5);
  });

  it('stores what the file says, derived from the ID number where it must be', async () => {
    const rows = (await ds.query(
      'SELECT r.name, r.gender, r.birth_year AS birth, r.category, r.origin, r.id_number_masked, ' +
        'r.phone_masked, CAST(r.moved_in_at AS CHAR) AS moved_in, a.building, a.unit, a.door_masked, r.key_id ' +
        "FROM resident r LEFT JOIN standard_address a ON a.id = r.address_id WHERE r.name IN ('张德明', '冯磊')",
    )) as Record<string, string | number | null>[];
    expect(rows.find((r) => r['name'] === '张德明')).toEqual({
      name: '张德明',
      gender: 'MALE',
      // Only the year: the whole date is digits of the ID number (ADR 0010).
      birth: 1975,
      category: 'MIGRANT_LONG_TERM',
      origin: '汉源县',
      id_number_masked: '5118**********0433',
      phone_masked: '138****0004',
      moved_in: '2015-06-01',
      building: '2',
      unit: '1',
      door_masked: '**',
      key_id: 'k1',
    });
    // No door number: street and courtyard only, no standard address.
    expect(rows.find((r) => r['name'] === '冯磊')).toMatchObject({ building: null, door_masked: null });
  });

  it('publishes every created resident in events with ids and non-personal fields only', async () => {
    const rows = (await ds.query(
      'SELECT aggregate_id, type, topic, envelope FROM outbox_event ORDER BY seq',
    )) as {
      aggregate_id: string;
      type: string;
      topic: string;
      envelope: string;
    }[];
    // Batches of 5 rows: one event per transaction, listing its residents.
    expect(rows).toHaveLength(5);
    const residentIds = ((await ds.query('SELECT id FROM resident')) as { id: string }[]).map((r) => r.id);
    const { names } = sampleSecrets();
    const listed: string[] = [];
    for (const row of rows) {
      const json = storedEnvelope(row.envelope);
      expect(row.envelope.startsWith('gz:')).toBe(true);
      const event = ResidentsImported.parse(JSON.parse(json) as CloudEvent<unknown>);
      expect(row.topic).toBe('caichang.people.residents.v1');
      expect(row.aggregate_id).toBe(event.data.importId);
      for (const r of event.data.residents) {
        expect(r).toMatchObject({ change: 'CREATED', version: 1 });
        listed.push(r.id);
      }
      for (const name of names) expect(json).not.toContain(name);
    }
    expect(listed.sort()).toEqual(residentIds.sort());
  });

  it('a re-run changes nothing: all rows unchanged, no new events', async () => {
    const before = await ds.query('SELECT id, version, updated_at FROM resident ORDER BY id');
    const report = await run(sampleText);
    expect(report).toMatchObject({ lines: 30, imported: 0, updated: 0, unchanged: 23, bad: 7, events: 0 });
    expect(await ds.query('SELECT id, version, updated_at FROM resident ORDER BY id')).toEqual(before);
    expect(await count('resident')).toBe(23);
    expect(await count('standard_address')).toBe(19);
    expect(await count('outbox_event')).toBe(5);
  });

  it('an edited row updates the same resident instead of adding a duplicate', async () => {
    const [before] = (await ds.query("SELECT id, version FROM resident WHERE name = '张德明'")) as {
      id: string;
      version: number;
    }[];
    const edited = sampleText.replace(
      '138 0812 0004,汉源县,外来常住,新街,新街东院,2,1,301',
      '13908129999,汉源县,流动人口,新街,新街西院,,,8',
    );
    expect(edited).not.toBe(sampleText);
    const report = await run(edited);
    expect(report).toMatchObject({ imported: 0, updated: 1, unchanged: 22, bad: 7, events: 1 });
    const [after] = (await ds.query(
      "SELECT id, version, category, phone_masked, phone_bidx FROM resident WHERE name = '张德明'",
    )) as { id: string; version: number; category: string; phone_masked: string; phone_bidx: string }[];
    expect(after).toMatchObject({
      id: before?.id,
      version: 2,
      category: 'FLOATING',
      phone_masked: '139****9999',
    });
    expect(after?.phone_bidx).toBe(cipher.blindIndex('phone', '13908129999'));
    expect(await count('resident')).toBe(23);
    expect(await count('standard_address')).toBe(20);
    const [event] = (await ds.query('SELECT envelope FROM outbox_event ORDER BY seq DESC LIMIT 1')) as {
      envelope: string;
    }[];
    expect(await count('outbox_event')).toBe(6);
    const { residents } = ResidentsImported.parse(
      JSON.parse(storedEnvelope(event?.envelope ?? '{}')) as CloudEvent<unknown>,
    ).data;
    expect(residents).toEqual([
      expect.objectContaining({ id: before?.id, change: 'UPDATED', version: 2, category: 'FLOATING' }),
    ]);
  });

  it('leaves no ID number or phone in plaintext anywhere in the database (mysqldump)', async () => {
    const conn = parseMysqlUrl(db.url);
    const { stdout } = await promisify(execFile)(
      'mysqldump',
      [
        '-h',
        conn.host,
        '-P',
        String(conn.port),
        '-u',
        conn.username,
        '--skip-extended-insert',
        conn.database,
      ],
      { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, MYSQL_PWD: conn.password } },
    );
    expect(stdout).toContain('INSERT INTO `resident`');
    const { ids, phones } = sampleSecrets();
    expect(ids.length).toBeGreaterThan(20);
    expect(phones.length).toBeGreaterThan(20);
    for (const secret of [...ids, ...phones, '13908129999']) expect(stdout).not.toContain(secret);
    // Nor the last 8 digits of an ID (birth date + sequence), which would survive a naive "mask".
    for (const id of ids) expect(stdout).not.toContain(id.slice(6));
    // Nor the birth date (digits 7–14): with the masked number and the 户籍地 it would give the number away.
    for (const id of ids) {
      expect(stdout).not.toContain(`${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`);
    }
  });
});
