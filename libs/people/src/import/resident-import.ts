import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import type { DataSource, EntityManager } from 'typeorm';
import { isMysqlFamily, transaction } from '@sc/db';
import { MAX_ENVELOPE_BYTES } from '@sc/events';
import type { FieldCipher } from '../crypto';
import { addressKeyAndCode } from '../domain/address';
import { maskDoor, maskIdNumber, maskPhone } from '../domain/masking';
import type { Gender, ResidentCategory } from '../entities';
import { PEOPLE_SOURCE, RESIDENTS_TOPIC } from '../events/contracts';
import { type ImportedResident, ResidentsImported } from './contracts';
import { CsvFormatError, readCsv } from './csv';
import {
  addIndexes,
  dropDeferrableIndexes,
  type IndexDef,
  missingIndexes,
  tryLock,
  unlock,
} from './deferred-indexes';
import { SeenIds, UuidV7 } from './ids';
import { caichangPlaceDirectory, type PlaceDirectory } from './places';
import {
  type ColumnMap,
  ImportHeaderError,
  isBlankRecord,
  mapHeader,
  type ValidRow,
  validateRow,
} from './resident-row';

/** Counts while an import runs; `lines` are data rows read (blank rows and the header not counted). */
export interface ImportProgress {
  lines: number;
  imported: number;
  updated: number;
  unchanged: number;
  bad: number;
  bytesRead: number;
  totalBytes?: number;
  /** `rebuilding-indexes` at the end of a bulk import (rows are all in; the indexes are being sorted). */
  phase: 'importing' | 'rebuilding-indexes';
}

/** One rejected row: its physical line in the file and every reason (never the values). */
export interface BadRow {
  line: number;
  reasons: string[];
}

/** What an import did. */
export interface ImportReport extends ImportProgress {
  /** Id of this run, carried by its events. */
  importId: string;
  /** Rejected rows in file order; at most `maxBadReported` of them (see `badTruncated`). */
  badRows: BadRow[];
  badTruncated: boolean;
  /** Header cells that are not part of the format (their values were ignored). */
  ignoredColumns: string[];
  /** Outbox events written (`residents.imported`, each listing up to a few hundred residents). */
  events: number;
  elapsedMs: number;
  /** Bulk mode: the indexes dropped during the import and built again after it (`table.index`). */
  deferredIndexes: string[];
  /** Bulk mode: time spent building them again (included in `elapsedMs`). */
  indexRebuildMs: number;
}

/** Options of {@link importResidentsCsv}. */
export interface ImportOptions {
  /** The people database (MySQL/MariaDB with migrations applied, or embedded sql.js). */
  dataSource: DataSource;
  cipher: FieldCipher;
  /** Account id of who runs the import; recorded in the events. */
  actor: string;
  /** Rows per transaction (default 1,000). */
  batchSize?: number;
  /** Called after every chunk read and every batch written. Must be cheap and must not throw. */
  onProgress?: (p: ImportProgress) => void;
  /** Size of the input, for a percentage. */
  totalBytes?: number;
  /** Street and courtyard names → ids; default: the Caichang demo roster. */
  places?: PlaceDirectory;
  /** Marks created rows as generated test data (benchmarks, demos). */
  isTestData?: boolean;
  /** Cap of the bad rows kept in the report (default 100,000; all are counted). */
  maxBadReported?: number;
  /** "Today" for date checks, `YYYY-MM-DD` (tests); default: the current UTC date. */
  today?: string;
  /**
   * Bulk mode (MySQL/MariaDB only): drop the non-unique indexes of `resident` and `standard_address` during
   * the import and build them again at the end (see deferred-indexes.ts). `auto` (default) does so when
   * the file is large (≥ 10 MB, ~100,000 rows) and holds more rows than the table, i.e. a first load.
   */
  deferIndexes?: boolean | 'auto';
}

/** Files from this size on may run in bulk mode (`deferIndexes: 'auto'`). */
const BULK_MIN_BYTES = 10_000_000;
/** Bytes of a typical CSV row, to estimate a file's rows from its size. */
const BYTES_PER_ROW = 100;

/**
 * The file cannot be imported (not UTF-8, bad header, runaway quote). A bad header is found before any
 * write; an encoding or quoting fault later in the file stops the import after the batches before it.
 */
export class ImportFileError extends Error {
  override readonly name = 'ImportFileError';
}

/** A validated, encrypted row ready for the database. The door stays plain until its address is new. */
interface PreparedRow {
  line: number;
  name: string;
  gender: Gender;
  birthDate: string;
  idBidx: string;
  idEnc: string;
  idMasked: string;
  phoneBidx: string | null;
  phoneEnc: string | null;
  phoneMasked: string | null;
  origin: string;
  category: ResidentCategory;
  streetId: string;
  courtyardId: string | null;
  address: { key: string; code: string; building: string; unit: string; door: string } | null;
  movedInAt: string | null;
}

/** The stored state of a resident the batch touches, as far as the import compares it. */
interface ExistingResident {
  id: string;
  id_number_bidx: string;
  name: string;
  gender: string;
  birth_date: string;
  phone_bidx: string | null;
  phone_enc: string | null;
  phone_masked: string | null;
  key_id: string;
  origin: string;
  category: string;
  address_id: string | null;
  street_id: string | null;
  courtyard_id: string | null;
  moved_in_at: string | null;
  version: number;
}

const RESIDENT_COLUMNS = [
  'id', 'name', 'gender', 'birth_date', 'id_number_enc', 'id_number_bidx', 'id_number_masked', 'phone_enc',
  'phone_bidx', 'phone_masked', 'key_id', 'origin', 'category', 'status', 'needs', 'address_id', 'street_id',
  'courtyard_id', 'is_test_data', 'moved_in_at', 'version', 'created_at', 'updated_at',
] as const; // prettier-ignore
/** Columns an import overwrites on an existing resident; status, needs, household and history stay. */
const RESIDENT_UPDATED = [
  'name', 'gender', 'birth_date', 'id_number_enc', 'id_number_masked', 'phone_enc', 'phone_bidx', 'phone_masked',
  'key_id', 'origin', 'category', 'address_id', 'street_id', 'courtyard_id', 'moved_in_at', 'updated_at',
] as const; // prettier-ignore
const ADDRESS_COLUMNS = [
  'id', 'code', 'address_key', 'street_id', 'courtyard_id', 'building', 'unit', 'door_enc', 'door_masked',
  'key_id', 'is_test_data', 'created_at',
] as const; // prettier-ignore
const OUTBOX_COLUMNS = [
  'id', 'topic', 'aggregate_id', 'type', 'envelope', 'created_at', 'published_at', 'attempts', 'last_error',
] as const; // prettier-ignore

/**
 * Records prepared between two turns of the event loop (~0.2 ms of work): the writer's next statement
 * goes out soon after the database answered the last one, instead of after a whole chunk.
 */
const YIELD_EVERY = 5;
/** Prepared batches that may wait for the writer. */
const QUEUE_DEPTH = 4;
/** Bytes of resident items per event: the envelope must stay under the outbox's MAX_ENVELOPE_BYTES. */
const EVENT_ITEMS_BYTES = 56_000;

type SqlValue = string | number | null;
type Dialect = 'mysql' | 'sqlite';

/**
 * Imports residents from a CSV file (format: docs/people-import.md). Every row is validated; bad rows
 * are reported with their line and reasons and skipped; good rows are encrypted and upserted by the
 * blind index of the ID number, in transactions of `batchSize` rows, each with outbox events listing the
 * residents it created or updated (`ResidentsImported`). Re-running the same file changes nothing (all
 * rows `unchanged`, no events).
 *
 * Parsing, validation and encryption of the next batch overlap with the database writing the previous
 * one (one batch in flight): on two cores that keeps both the process and the database busy.
 *
 * @throws ImportFileError when the file cannot be read as the format at all; batches already committed
 *   stay (an import is resumable: the re-run skips them as unchanged).
 */
export async function importResidentsCsv(input: Readable, opts: ImportOptions): Promise<ImportReport> {
  const started = Date.now();
  const batchSize = opts.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new RangeError('batchSize must be an integer from 1 to 10,000');
  }
  const places = opts.places ?? caichangPlaceDirectory();
  const maxBad = opts.maxBadReported ?? 100_000;
  const today = opts.today ?? new Date().toISOString().slice(0, 10);
  const writer = new BatchWriter(opts, randomUUID());
  const progress: ImportProgress = {
    lines: 0,
    imported: 0,
    updated: 0,
    unchanged: 0,
    bad: 0,
    bytesRead: 0,
    phase: 'importing',
    ...(opts.totalBytes !== undefined ? { totalBytes: opts.totalBytes } : {}),
  };
  const badRows: BadRow[] = [];
  const seen = new SeenIds();
  const report = () => opts.onProgress?.({ ...progress });
  const addBad = (line: number, reasons: string[]) => {
    progress.bad++;
    if (badRows.length < maxBad) badRows.push({ line, reasons });
  };

  let columns: ColumnMap | undefined;
  let batch: PreparedRow[] = [];
  const bulk = await startBulkMode(opts);
  let rebuildMs = 0;
  // Prepared batches wait in a short queue for the one writer; the reader goes on preparing until the
  // queue is full. On 2 cores this keeps both the database and this process busy: neither waits for the
  // other's slower batches. A write failure is captured at once (never an unhandled rejection while the
  // next batch is being prepared) and rethrown to the reader at its next hand-over.
  const queue = new BatchQueue(QUEUE_DEPTH);
  const writing = (async () => {
    for (let rows = await queue.take(); rows !== undefined; rows = await queue.take()) {
      const counts = await writer.write(rows);
      progress.imported += counts.created;
      progress.updated += counts.updated;
      progress.unchanged += counts.unchanged;
      report();
    }
  })().catch((error: unknown) => queue.fail(error));
  const handOver = async (rows: PreparedRow[]) => {
    if (rows.length > 0) await queue.put(rows);
  };

  try {
    for await (const chunk of readCsv(input)) {
      let sinceYield = 0;
      for (const record of chunk.records) {
        if (++sinceYield === YIELD_EVERY) {
          sinceYield = 0;
          // Let the batch in flight take its next step (each is a database round trip) instead of waiting
          // for this whole chunk: that overlap is what keeps the database busy while we encrypt.
          await setImmediatePromise();
        }
        if (columns === undefined) {
          if (record.error !== undefined)
            throw new ImportHeaderError(`the header row is malformed: ${record.error}`);
          columns = mapHeader(record.fields);
          continue;
        }
        if (isBlankRecord(record.fields)) continue;
        progress.lines++;
        const check = validateRow(record, columns, places, today);
        if (!check.ok) {
          addBad(record.line, check.reasons);
          continue;
        }
        const idBidx = opts.cipher.blindIndex('id', check.row.idNumber);
        const firstLine = seen.addOrGet(idBidx, record.line);
        if (firstLine !== undefined) {
          addBad(record.line, [`身份证号: the same person as on line ${firstLine}`]);
          continue;
        }
        batch.push(prepare(opts.cipher, check.row, idBidx));
        if (batch.length >= batchSize) {
          const full = batch;
          batch = [];
          await handOver(full);
        }
      }
      progress.bytesRead = chunk.bytesRead;
      report();
    }
    if (columns === undefined) throw new ImportHeaderError('the file is empty; expected a header row');
    await handOver(batch);
    queue.close();
    await writing;
    queue.throwIfFailed();
  } catch (err) {
    // Let the batches queued and in flight settle before reporting, so the caller may close the
    // database safely (they are written: they were valid, and a re-run would skip them anyway).
    queue.close();
    await writing;
    if (err instanceof CsvFormatError || err instanceof ImportHeaderError)
      throw new ImportFileError(err.message);
    throw err;
  } finally {
    // Also after a failure: the batches committed so far stay, and so must the indexes.
    if (bulk) {
      progress.phase = 'rebuilding-indexes';
      report();
      const t = Date.now();
      await bulk.finish();
      rebuildMs = Date.now() - t;
    }
  }
  report();
  return {
    ...progress,
    importId: writer.importId,
    badRows,
    badTruncated: progress.bad > badRows.length,
    ignoredColumns: columns.ignored,
    events: writer.events,
    elapsedMs: Date.now() - started,
    deferredIndexes: bulk?.dropped.map((i) => `${i.table}.${i.name}`) ?? [],
    indexRebuildMs: rebuildMs,
  };
}

/**
 * Enters bulk mode when asked to (or when `auto` finds a first load): takes the bulk-import lock, builds
 * whatever an interrupted bulk import left out, drops the deferrable indexes. `finish` builds them again
 * and releases the lock. Undefined when not in bulk mode (embedded database, small file, or another bulk
 * import holds the lock: then this one runs with every index in place).
 */
async function startBulkMode(
  opts: ImportOptions,
): Promise<{ dropped: IndexDef[]; finish: () => Promise<void> } | undefined> {
  const ds = opts.dataSource;
  const wanted = opts.deferIndexes ?? 'auto';
  if (wanted === false || !isMysqlFamily(ds)) return undefined;
  if (wanted === 'auto') {
    if (opts.totalBytes === undefined || opts.totalBytes < BULK_MIN_BYTES) return undefined;
    const [t] = (await ds.query(
      "SELECT table_rows AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'resident'",
    )) as { n: number | string | null }[];
    if (Number(t?.n ?? 0) >= opts.totalBytes / BYTES_PER_ROW) return undefined;
  }
  const q = ds.createQueryRunner();
  let locked = false;
  try {
    locked = await tryLock(q, 0);
    if (!locked) {
      await q.release();
      return undefined;
    }
    const missing = await missingIndexes(q, ds);
    const dropped = [...(await dropDeferrableIndexes(q, ds)), ...missing.filter((i) => !i.unique)];
    // Unique indexes are never dropped; should one be missing anyway, build it before the rows arrive.
    await addIndexes(
      q,
      missing.filter((i) => i.unique),
    );
    return {
      dropped,
      finish: async () => {
        try {
          await addIndexes(q, await missingIndexes(q, ds));
        } finally {
          await unlock(q);
          await q.release();
        }
      },
    };
  } catch (err) {
    if (locked) await unlock(q);
    await q.release();
    throw err;
  }
}

function prepare(cipher: FieldCipher, row: ValidRow, idBidx: string): PreparedRow {
  const address =
    row.address === null
      ? null
      : {
          ...addressKeyAndCode(cipher, {
            streetId: row.streetId,
            courtyardId: row.courtyardId,
            ...row.address,
          }),
          ...row.address,
        };
  return {
    line: row.line,
    name: row.name,
    gender: row.gender,
    birthDate: row.birthDate,
    idBidx,
    idEnc: cipher.encrypt(row.idNumber),
    idMasked: maskIdNumber(row.idNumber),
    phoneBidx: row.phone === null ? null : cipher.blindIndex('phone', row.phone),
    phoneEnc: row.phone === null ? null : cipher.encrypt(row.phone),
    phoneMasked: row.phone === null ? null : maskPhone(row.phone),
    origin: row.origin,
    category: row.category,
    streetId: row.streetId,
    courtyardId: row.courtyardId,
    address:
      address === null
        ? null
        : {
            key: address.addressKey,
            code: address.code,
            building: address.building,
            unit: address.unit,
            door: address.door,
          },
    movedInAt: row.movedInAt,
  };
}

/**
 * Writes batches: one transaction each, multi-row statements, no ORM objects per row. Statements go as
 * text with client-side escaping; mysql2 prepared statements (`execute`, binary parameters) were measured
 * too: ~8% less database CPU but more client CPU and a slower import overall.
 */
class BatchWriter {
  readonly importId: string;
  events = 0;
  /** Transactions that wrote events so far (numbers the events' `batch`). */
  private batches = 0;
  private readonly ds: DataSource;
  private readonly dialect: Dialect;
  private readonly ids = new UuidV7();

  constructor(
    private readonly opts: ImportOptions,
    importId: string,
  ) {
    this.ds = opts.dataSource;
    this.dialect = isMysqlFamily(opts.dataSource) ? 'mysql' : 'sqlite';
    this.importId = importId;
  }

  async write(rows: PreparedRow[]): Promise<{ created: number; updated: number; unchanged: number }> {
    return transaction(this.ds, async (m) => {
      const now = sqlDatetime(new Date());
      const existing = await this.existingResidents(m, rows);
      const addressIds = await this.addresses(m, rows, now);
      const cipher = this.opts.cipher;
      const kid = cipher.currentKeyId;
      const upserts: SqlValue[][] = [];
      const items: ImportedResident[] = [];
      let unchanged = 0;
      for (const r of rows) {
        const addressId = r.address === null ? null : (addressIds.get(r.address.key) ?? null);
        const before = existing.get(r.idBidx);
        if (before !== undefined && isUnchanged(before, r, addressId)) {
          unchanged++;
          continue;
        }
        let phone = { enc: r.phoneEnc, bidx: r.phoneBidx, masked: r.phoneMasked };
        if (before !== undefined && r.phoneEnc === null && before.phone_enc !== null) {
          // An empty cell keeps the stored phone. The row gets the current key id, so a phone token of an
          // older key is re-encrypted: key_id must describe every *_enc column of the row.
          const enc =
            before.key_id === kid ? before.phone_enc : cipher.encrypt(cipher.decrypt(before.phone_enc));
          phone = { enc, bidx: before.phone_bidx, masked: before.phone_masked };
        }
        const id = before?.id ?? this.ids.next();
        upserts.push([
          id,
          r.name,
          r.gender,
          r.birthDate,
          r.idEnc,
          r.idBidx,
          r.idMasked,
          phone.enc,
          phone.bidx,
          phone.masked,
          kid,
          r.origin,
          r.category,
          'ACTIVE',
          '',
          addressId,
          r.streetId,
          r.courtyardId,
          this.opts.isTestData ? 1 : 0,
          r.movedInAt ?? before?.moved_in_at ?? null,
          1,
          now,
          now,
        ]);
        items.push({
          id,
          change: before === undefined ? 'CREATED' : 'UPDATED',
          version: before === undefined ? 1 : Number(before.version) + 1,
          category: r.category,
          origin: r.origin,
          streetId: r.streetId,
          courtyardId: r.courtyardId,
          addressId,
          movedInAt: r.movedInAt ?? before?.moved_in_at ?? null,
        });
      }
      await this.upsertResidents(m, upserts);
      await this.addEvents(m, items, now);
      const updated = items.filter((i) => i.change === 'UPDATED').length;
      return { created: items.length - updated, updated, unchanged };
    });
  }

  /** Locks (MySQL: `FOR UPDATE`, gap locks included) so a concurrent insert of the same person waits for us. */
  private async existingResidents(
    m: EntityManager,
    rows: PreparedRow[],
  ): Promise<Map<string, ExistingResident>> {
    const found = new Map<string, ExistingResident>();
    const sql =
      'SELECT id, id_number_bidx, name, gender, CAST(birth_date AS CHAR) AS birth_date, phone_bidx, phone_enc, ' +
      'phone_masked, key_id, origin, category, address_id, street_id, courtyard_id, ' +
      'CAST(moved_in_at AS CHAR) AS moved_in_at, version FROM resident WHERE id_number_bidx IN ';
    for (const part of chunks(rows, this.maxRows(1))) {
      const list = (await m.query(
        `${sql}(${placeholders(part.length)})${this.dialect === 'mysql' ? ' FOR UPDATE' : ''}`,
        part.map((r) => r.idBidx),
      )) as ExistingResident[];
      for (const e of list) found.set(e.id_number_bidx, e);
    }
    return found;
  }

  /** Ids of the batch's standard addresses by address key, creating the missing ones. */
  private async addresses(m: EntityManager, rows: PreparedRow[], now: string): Promise<Map<string, string>> {
    const wanted = new Map<
      string,
      NonNullable<PreparedRow['address']> & { streetId: string; courtyardId: string | null }
    >();
    for (const r of rows) {
      if (r.address !== null)
        wanted.set(r.address.key, { ...r.address, streetId: r.streetId, courtyardId: r.courtyardId });
    }
    const ids = new Map<string, string>();
    if (wanted.size === 0) return ids;
    const select = async (keys: string[]) => {
      for (const part of chunks(keys, this.maxRows(1))) {
        const list = (await m.query(
          `SELECT id, address_key FROM standard_address WHERE address_key IN (${placeholders(part.length)})`,
          part,
        )) as { id: string; address_key: string }[];
        for (const a of list) ids.set(a.address_key, a.id);
      }
    };
    await select([...wanted.keys()]);
    const missing = [...wanted.entries()].filter(([key]) => !ids.has(key));
    if (missing.length === 0) return ids;
    const cipher = this.opts.cipher;
    const values = missing.map(([key, a]) => [
      this.ids.next(),
      a.code,
      key,
      a.streetId,
      a.courtyardId,
      a.building,
      a.unit,
      cipher.encrypt(a.door),
      maskDoor(a.door),
      cipher.currentKeyId,
      this.opts.isTestData ? 1 : 0,
      now,
    ]);
    // Another writer may create the same address meanwhile: keep theirs, then read the ids back.
    const onConflict =
      this.dialect === 'mysql' ? ' ON DUPLICATE KEY UPDATE id = id' : ' ON CONFLICT DO NOTHING';
    await this.insertMany(m, 'standard_address', ADDRESS_COLUMNS, values, onConflict);
    await select(missing.map(([key]) => key));
    return ids;
  }

  private async upsertResidents(m: EntityManager, values: SqlValue[][]): Promise<void> {
    if (values.length === 0) return;
    const set =
      this.dialect === 'mysql'
        ? [...RESIDENT_UPDATED.map((c) => `${c} = VALUES(${c})`), 'version = version + 1'].join(', ')
        : [...RESIDENT_UPDATED.map((c) => `${c} = excluded.${c}`), 'version = version + 1'].join(', ');
    const onConflict =
      this.dialect === 'mysql'
        ? ` ON DUPLICATE KEY UPDATE ${set}`
        : ` ON CONFLICT (id_number_bidx) DO UPDATE SET ${set}`;
    await this.insertMany(m, 'resident', RESIDENT_COLUMNS, values, onConflict);
  }

  /**
   * The batch's events: its items split so each envelope stays under the outbox limit, inserted in one
   * statement. The envelope is built exactly as `Outbox.add` builds it.
   */
  private async addEvents(m: EntityManager, items: ImportedResident[], now: string): Promise<void> {
    if (items.length === 0) return;
    this.batches++;
    const parts: ImportedResident[][] = [[]];
    let bytes = 0;
    for (const item of items) {
      const size = Buffer.byteLength(JSON.stringify(item), 'utf8') + 1;
      if (bytes + size > EVENT_ITEMS_BYTES && (parts.at(-1)?.length ?? 0) > 0) {
        parts.push([]);
        bytes = 0;
      }
      parts.at(-1)?.push(item);
      bytes += size;
    }
    const time = new Date().toISOString();
    const values = parts.map((residents, i) => {
      const built = ResidentsImported.build(this.importId, {
        importId: this.importId,
        batch: this.batches,
        part: i + 1,
        actor: this.opts.actor,
        residents,
      });
      const eventId = this.ids.next();
      const envelope = JSON.stringify({
        specversion: '1.0',
        id: eventId,
        source: PEOPLE_SOURCE,
        type: built.type,
        subject: built.subject,
        time,
        datacontenttype: 'application/json',
        data: built.data,
      });
      if (Buffer.byteLength(envelope, 'utf8') > MAX_ENVELOPE_BYTES) {
        throw new Error(`import event of batch ${this.batches} exceeds ${MAX_ENVELOPE_BYTES} bytes`);
      }
      return [eventId, RESIDENTS_TOPIC, built.subject, built.type, envelope, now, null, 0, null];
    });
    await this.insertMany(m, 'outbox_event', OUTBOX_COLUMNS, values, '');
    this.events += values.length;
  }

  private async insertMany(
    m: EntityManager,
    table: string,
    columns: readonly string[],
    values: SqlValue[][],
    suffix: string,
  ): Promise<void> {
    const row = `(${placeholders(columns.length)})`;
    for (const part of chunks(values, this.maxRows(columns.length))) {
      await m.query(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array(part.length).fill(row).join(', ')}${suffix}`,
        part.flat(),
      );
    }
  }

  /** Rows per statement: SQLite caps bound parameters at 32,766; MySQL's cap is the 16 MB packet. */
  private maxRows(columnsPerRow: number): number {
    return this.dialect === 'sqlite' ? Math.floor(32_000 / columnsPerRow) : 10_000;
  }
}

function isUnchanged(e: ExistingResident, r: PreparedRow, addressId: string | null): boolean {
  return (
    e.name === r.name &&
    e.gender === r.gender &&
    e.birth_date === r.birthDate &&
    e.origin === r.origin &&
    e.category === r.category &&
    e.street_id === r.streetId &&
    e.courtyard_id === r.courtyardId &&
    e.address_id === addressId &&
    // Empty optional cells keep what is stored, so they never count as a change.
    (r.phoneBidx === null || e.phone_bidx === r.phoneBidx) &&
    (r.movedInAt === null || e.moved_in_at === r.movedInAt)
  );
}

function placeholders(n: number): string {
  return Array(n).fill('?').join(', ');
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** `YYYY-MM-DD HH:MM:SS.mmm` in UTC: what both MySQL `datetime(3)` and TypeORM's SQLite columns hold. */
function sqlDatetime(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * A bounded queue between the reader (who prepares batches) and the one writer. `put` waits while the
 * queue is full; `take` waits while it is empty and returns undefined once it is closed and drained. After
 * `fail`, `put` throws the writer's error so the reader stops.
 */
class BatchQueue {
  private readonly items: PreparedRow[][] = [];
  private closed = false;
  private failure: { error: unknown } | undefined;
  private wakeTaker: (() => void) | undefined;
  private wakePutter: (() => void) | undefined;

  constructor(private readonly depth: number) {}

  async put(rows: PreparedRow[]): Promise<void> {
    while (this.items.length >= this.depth && this.failure === undefined) {
      await new Promise<void>((resolve) => (this.wakePutter = resolve));
    }
    this.throwIfFailed();
    this.items.push(rows);
    this.wakeTaker?.();
  }

  async take(): Promise<PreparedRow[] | undefined> {
    while (this.items.length === 0 && !this.closed) {
      await new Promise<void>((resolve) => (this.wakeTaker = resolve));
    }
    const rows = this.items.shift();
    this.wakePutter?.();
    return rows;
  }

  close(): void {
    this.closed = true;
    this.wakeTaker?.();
  }

  /** The writer failed: drop what waits and release the reader. */
  fail(error: unknown): void {
    this.failure = { error };
    this.items.length = 0;
    this.wakePutter?.();
  }

  throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
