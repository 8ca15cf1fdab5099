import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import type { DataSource, EntityManager } from 'typeorm';
import { isMysqlFamily, isUniqueViolation, mysqlLiteral, transaction } from '@sc/db';
import { compressEnvelope, MAX_ENVELOPE_BYTES } from '@sc/events';
import { CipherWorker, type CipherJob, type FieldCipher } from '../crypto';
import { addressCode, canonicalAddress } from '../domain/address';
import { maskDoor, maskIdNumber, maskPhone } from '../domain/masking';
import type { Gender, ResidentCategory } from '../entities';
import {
  eventHeaderSchema,
  type ImportedResident,
  importedResidentSchema,
  PEOPLE_SOURCE,
  ResidentsImported,
  ResidentsTopic,
} from '@sc/people-contracts';
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
  /** The people database (MySQL/MariaDB with migrations applied, or the embedded SQLite). */
  dataSource: DataSource;
  cipher: FieldCipher;
  /** Account id of who runs the import; recorded in the events. */
  actor: string;
  /** Rows per transaction (default 2,000: fewer commits; measured ~4 s less per million than 1,000). */
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
  /**
   * Awaited before each batch is written, with how: `first-load` (no look-ups; the database confirms
   * every row new) or `careful`, and `retry: true` for a first-load batch rolled back and written again
   * the careful way. Tests synchronise on it and assert which path ran; it must not throw.
   */
  onBatchWrite?: (w: { path: 'first-load' | 'careful'; retry: boolean }) => void | Promise<void>;
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

/** A validated, encrypted row ready for the database. */
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
  address: {
    key: string;
    code: string;
    building: string;
    unit: string;
    /** Encrypted door (used when the address is new to the database). */
    doorEnc: string;
    doorMasked: string;
    /** Id the address gets if the database does not have it yet. */
    newId: string;
    /** MySQL: the address as a new row, rendered ahead (see `fresh`). */
    tuple: string | undefined;
  } | null;
  movedInAt: string | null;
  /**
   * MySQL: the row as a new resident (its `standard_address` being `address.newId`), rendered by the
   * reader while the writer is busy with earlier batches: the statement text and the event item. The
   * writer uses them unless the resident exists or the address turned out to exist already.
   */
  fresh: { id: string; tuple: string; item: string } | undefined;
}

/** The stored state of a resident the batch touches, as far as the import compares it. */
interface ExistingResident {
  id: string;
  id_number_bidx: string;
  name: string;
  gender: string;
  birth_year: number;
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
  'id', 'name', 'gender', 'birth_year', 'id_number_enc', 'id_number_bidx', 'id_number_masked', 'phone_enc',
  'phone_bidx', 'phone_masked', 'key_id', 'origin', 'category', 'status', 'needs', 'address_id', 'street_id',
  'courtyard_id', 'is_test_data', 'moved_in_at', 'version', 'created_at', 'updated_at',
] as const; // prettier-ignore
/** Columns an import overwrites on an existing resident; status, needs, household and history stay. */
const RESIDENT_UPDATED = [
  'name', 'gender', 'birth_year', 'id_number_enc', 'id_number_masked', 'phone_enc', 'phone_bidx', 'phone_masked',
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
/** A row to insert: its values, or (MySQL) its tuple rendered ahead. */
type Row = SqlValue[] | { sql: string };
type Dialect = 'mysql' | 'sqlite';

/**
 * Imports residents from a CSV file (format: docs/people-import.md). Every row is validated; bad rows
 * are reported with their line and reasons and skipped; good rows are encrypted and upserted by the
 * blind index of the ID number, in transactions of `batchSize` rows, each with outbox events listing the
 * residents it created or updated (`ResidentsImported`). Re-running the same file changes nothing (all
 * rows `unchanged`, no events).
 *
 * Parsing and validation (this thread), encryption (the cipher worker thread) and writing (the database)
 * overlap: up to `QUEUE_DEPTH` prepared batches wait for the one writer. On MySQL a large first load runs
 * in bulk mode (deferred indexes) and without lookups (see `BatchWriter.write`); ADR 0011.
 *
 * @throws ImportFileError when the file cannot be read as the format at all; batches already committed
 *   stay (an import is resumable: the re-run skips them as unchanged).
 */
export async function importResidentsCsv(input: Readable, opts: ImportOptions): Promise<ImportReport> {
  const started = Date.now();
  const batchSize = opts.batchSize ?? 2000;
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
  let batch: ValidRow[] = [];
  const crypt = new CipherWorker(opts.cipher);
  let bulk: Awaited<ReturnType<typeof startBulkMode>>;
  try {
    bulk = await startBulkMode(opts);
  } catch (err) {
    await crypt.close();
    throw err;
  }
  let rebuildMs = 0;
  // Prepared batches wait in a short queue for the one writer; the reader goes on preparing until the
  // queue is full. On 2 cores this keeps both the database and this process busy: neither waits for the
  // other's slower batches. A write failure is captured at once (never an unhandled rejection while the
  // next batch is being prepared) and rethrown to the reader at its next hand-over.
  const queue = new BatchQueue(QUEUE_DEPTH);
  const writing = (async () => {
    for (let next = await queue.take(); next !== undefined; next = await queue.take()) {
      const counts = await writer.write(await next);
      progress.imported += counts.created;
      progress.updated += counts.updated;
      progress.unchanged += counts.unchanged;
      report();
    }
  })().catch((error: unknown) => queue.fail(error));
  // Encryption and blind indexes of a batch run on the cipher worker while this thread reads on.
  const handOver = async (rows: ValidRow[]) => {
    if (rows.length > 0) await queue.put(writer.prepare(crypt, rows));
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
        const firstLine = seen.addOrGet(check.row.idNumber, record.line);
        if (firstLine !== undefined) {
          addBad(record.line, [`身份证号: the same person as on line ${firstLine}`]);
          continue;
        }
        batch.push(check.row);
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
    await crypt.close();
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
    locked = await tryLock(q, ds, 0);
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
          await unlock(q, ds);
          await q.release();
        }
      },
    };
  } catch (err) {
    if (locked) await unlock(q, ds);
    await q.release();
    throw err;
  }
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
  /** Which tables a first load may assume hold none of the batch's rows (decided at the first batch). */
  private optimistic: { residents: boolean; addresses: boolean } | undefined;
  /** Addresses this import created (first load): key → id. */
  private readonly knownAddresses = new Map<string, string>();

  constructor(
    private readonly opts: ImportOptions,
    importId: string,
  ) {
    this.ds = opts.dataSource;
    this.dialect = isMysqlFamily(opts.dataSource) ? 'mysql' : 'sqlite';
    this.importId = importId;
  }

  /**
   * Encrypts a batch on the cipher worker (per row the ID number and phone, tokens and blind indexes,
   * and the address key; per distinct address the door) and, for MySQL, renders each row as a new
   * resident: text the writer only has to join. Runs ahead of the writer, on the reader's time.
   */
  async prepare(crypt: CipherWorker, rows: ValidRow[]): Promise<PreparedRow[]> {
    const encrypt: string[] = [];
    const index: CipherJob['index'] = [];
    const doors = new Map<string, number>();
    const slots = rows.map((row) => {
      const idEnc = encrypt.push(row.idNumber) - 1;
      const idBidx = index.push({ kind: 'id', value: row.idNumber }) - 1;
      let phoneEnc = -1;
      let phoneBidx = -1;
      if (row.phone !== null) {
        phoneEnc = encrypt.push(row.phone) - 1;
        phoneBidx = index.push({ kind: 'phone', value: row.phone }) - 1;
      }
      let addressKey = -1;
      let doorEnc = -1;
      if (row.address !== null) {
        const canonical = canonicalAddress({
          streetId: row.streetId,
          courtyardId: row.courtyardId,
          ...row.address,
        });
        addressKey = index.push({ kind: 'door', value: canonical }) - 1;
        doorEnc = doors.get(canonical) ?? -1;
        if (doorEnc < 0) {
          doorEnc = encrypt.push(row.address.door) - 1;
          doors.set(canonical, doorEnc);
        }
      }
      return { idEnc, idBidx, phoneEnc, phoneBidx, addressKey, doorEnc };
    });
    const { tokens, indexes } = await crypt.run({ encrypt, index });
    const at = (list: string[], i: number): string => {
      const v = list[i];
      if (v === undefined) throw new Error('cipher worker returned fewer results than asked for');
      return v;
    };
    const now = sqlDatetime(new Date());
    const kid = this.opts.cipher.currentKeyId;
    const addressIds = new Map<string, string>();
    const out: PreparedRow[] = [];
    for (const [n, row] of rows.entries()) {
      // Short slices, so the writer's next statement is not held up behind a whole batch of this.
      if (n % YIELD_EVERY === YIELD_EVERY - 1) await setImmediatePromise();
      const slot = slots[n] as (typeof slots)[number];
      let address: PreparedRow['address'] = null;
      if (row.address !== null) {
        const key = at(indexes, slot.addressKey);
        let newId = addressIds.get(key);
        const first = newId === undefined;
        if (newId === undefined) {
          newId = this.ids.next();
          addressIds.set(key, newId);
        }
        address = {
          key,
          code: addressCode(key),
          building: row.address.building,
          unit: row.address.unit,
          doorEnc: at(tokens, slot.doorEnc),
          doorMasked: maskDoor(row.address.door),
          newId,
          tuple: undefined,
        };
        if (first && this.dialect === 'mysql') {
          address.tuple = renderTuple(this.addressValues(address, row.streetId, row.courtyardId, now));
        }
      }
      const prepared: PreparedRow = {
        line: row.line,
        name: row.name,
        gender: row.gender,
        birthDate: row.birthDate,
        idBidx: at(indexes, slot.idBidx),
        idEnc: at(tokens, slot.idEnc),
        idMasked: maskIdNumber(row.idNumber),
        phoneBidx: row.phone === null ? null : at(indexes, slot.phoneBidx),
        phoneEnc: row.phone === null ? null : at(tokens, slot.phoneEnc),
        phoneMasked: row.phone === null ? null : maskPhone(row.phone),
        origin: row.origin,
        category: row.category,
        streetId: row.streetId,
        courtyardId: row.courtyardId,
        address,
        movedInAt: row.movedInAt,
        fresh: undefined,
      };
      if (this.dialect === 'mysql') {
        const id = this.ids.next();
        const addressId = address?.newId ?? null;
        const phone = { enc: prepared.phoneEnc, bidx: prepared.phoneBidx, masked: prepared.phoneMasked };
        prepared.fresh = {
          id,
          tuple: renderTuple(this.residentValues(prepared, id, addressId, phone, kid, undefined, now)),
          item: this.item(prepared, id, addressId, undefined, n === 0),
        };
      }
      out.push(prepared);
    }
    return out;
  }

  /** The `RESIDENT_COLUMNS` values of a row. */
  private residentValues(
    r: PreparedRow,
    id: string,
    addressId: string | null,
    phone: { enc: string | null; bidx: string | null; masked: string | null },
    kid: string,
    before: ExistingResident | undefined,
    now: string,
  ): SqlValue[] {
    return [
      id,
      r.name,
      r.gender,
      Number(r.birthDate.slice(0, 4)),
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
    ];
  }

  /** The `ADDRESS_COLUMNS` values of a new address. */
  private addressValues(
    a: NonNullable<PreparedRow['address']>,
    streetId: string,
    courtyardId: string | null,
    now: string,
  ): SqlValue[] {
    return [
      a.newId,
      a.code,
      a.key,
      streetId,
      courtyardId,
      a.building,
      a.unit,
      a.doorEnc,
      a.doorMasked,
      this.opts.cipher.currentKeyId,
      this.opts.isTestData ? 1 : 0,
      now,
    ];
  }

  /**
   * The event item of a row, as JSON. Checked against the event contract when `check` is set: always on
   * the writer's rare paths, and for the first row of every prepared batch; the items of one batch come
   * from one code path over validated rows, and checking a million of them costs seconds.
   */
  private item(
    r: PreparedRow,
    id: string,
    addressId: string | null,
    before: ExistingResident | undefined,
    check = true,
  ): string {
    const item: ImportedResident = {
      id,
      change: before === undefined ? 'CREATED' : 'UPDATED',
      version: before === undefined ? 1 : Number(before.version) + 1,
      category: r.category,
      origin: r.origin,
      streetId: r.streetId,
      courtyardId: r.courtyardId,
      addressId,
      movedInAt: r.movedInAt ?? before?.moved_in_at ?? null,
      birthYear: Number(r.birthDate.slice(0, 4)),
    };
    return JSON.stringify(check ? importedResidentSchema.parse(item) : item);
  }

  /**
   * Writes one batch in one transaction. On MySQL, into tables that were empty when the import started
   * (a first load), it first tries without looking anything up: every resident is new, and every address
   * not created by an earlier batch of this import is new. The database confirms it (every row inserted,
   * no duplicate key); if not (someone else wrote one of these people or addresses meanwhile), the
   * transaction is rolled back and the batch is written again the careful way, as it is from then on.
   */
  async write(rows: PreparedRow[]): Promise<{ created: number; updated: number; unchanged: number }> {
    if (this.optimistic === undefined) this.optimistic = await this.emptyTables();
    let retry = false;
    if (this.optimistic.residents || this.optimistic.addresses) {
      await this.opts.onBatchWrite?.({ path: 'first-load', retry });
      try {
        return await this.writeOnce(rows, this.optimistic);
      } catch (error) {
        if (!(error instanceof OptimismFailed) && !isUniqueViolation(error)) throw error;
        this.optimistic = { residents: false, addresses: false };
        retry = true;
      }
    }
    await this.opts.onBatchWrite?.({ path: 'careful', retry });
    return this.writeOnce(rows, this.optimistic);
  }

  private async emptyTables(): Promise<{ residents: boolean; addresses: boolean }> {
    if (this.dialect !== 'mysql') return { residents: false, addresses: false };
    const empty = async (table: string) =>
      ((await this.ds.query(`SELECT 1 FROM ${table} LIMIT 1`)) as unknown[]).length === 0;
    return { residents: await empty('resident'), addresses: await empty('standard_address') };
  }

  private async writeOnce(
    rows: PreparedRow[],
    assumeNew: { residents: boolean; addresses: boolean },
  ): Promise<{ created: number; updated: number; unchanged: number }> {
    const createdAddresses = new Map<string, string>();
    const result = await transaction(this.ds, async (m) => {
      const now = sqlDatetime(new Date());
      // Only reads go out together (the driver sends the next as soon as the database answered the
      // previous one). A write is sent only after every earlier statement succeeded: when InnoDB rolls a
      // transaction back (a deadlock), a statement already queued behind the failed one would run on its
      // own, outside the transaction, and stay.
      const [existing, known] = await Promise.all([
        assumeNew.residents ? new Map<string, ExistingResident>() : this.existingResidents(m, rows),
        assumeNew.addresses ? undefined : this.lookupAddresses(m, rows),
      ]);
      const addressIds =
        known === undefined
          ? await this.newAddresses(m, rows, now, createdAddresses)
          : await this.createMissingAddresses(m, rows, now, known);
      const cipher = this.opts.cipher;
      const kid = cipher.currentKeyId;
      const upserts: Row[] = [];
      const items: string[] = [];
      let created = 0;
      let unchanged = 0;
      for (const r of rows) {
        const addressId = r.address === null ? null : (addressIds.get(r.address.key) ?? null);
        const before = existing.get(r.idBidx);
        if (before === undefined) created++;
        if (before === undefined && r.fresh !== undefined && addressId === (r.address?.newId ?? null)) {
          upserts.push({ sql: r.fresh.tuple });
          items.push(r.fresh.item);
          continue;
        }
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
        const id = before?.id ?? r.fresh?.id ?? this.ids.next();
        upserts.push(this.residentValues(r, id, addressId, phone, kid, before, now));
        items.push(this.item(r, id, addressId, before));
      }
      // The envelopes are compressed (thread pool) while the residents are written; the outbox insert
      // waits for both.
      const envelopes = this.buildEvents(items, now);
      envelopes.catch(() => undefined); // observed here, rethrown by the await below
      const affected = await this.upsertResidents(m, upserts);
      // MySQL counts 1 per inserted row and 2 per updated one: anything but one per row means a resident
      // assumed new was there after all.
      if (assumeNew.residents && affected !== upserts.length) throw new OptimismFailed();
      const events = await this.insertEvents(m, await envelopes);
      return { created, updated: items.length - created, unchanged, events };
    });
    // Committed: only now do the batch's events and addresses count.
    if (result.events > 0) {
      this.batches++;
      this.events += result.events;
    }
    for (const [key, id] of createdAddresses) this.knownAddresses.set(key, id);
    return { created: result.created, updated: result.updated, unchanged: result.unchanged };
  }

  /**
   * Ids of the batch's addresses when `standard_address` was empty at the start: the ones earlier
   * batches of this import created, and the rest inserted as new (a duplicate key means someone else
   * created one meanwhile: the caller retries the careful way). New ones go to `created`.
   */
  private async newAddresses(
    m: EntityManager,
    rows: PreparedRow[],
    now: string,
    created: Map<string, string>,
  ): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    const values: Row[] = [];
    for (const r of rows) {
      const a = r.address;
      if (a === null || ids.has(a.key)) continue;
      const known = this.knownAddresses.get(a.key);
      if (known !== undefined) {
        ids.set(a.key, known);
        continue;
      }
      ids.set(a.key, a.newId);
      created.set(a.key, a.newId);
      values.push(
        a.tuple !== undefined ? { sql: a.tuple } : this.addressValues(a, r.streetId, r.courtyardId, now),
      );
    }
    if (values.length > 0) await this.insertMany(m, 'standard_address', ADDRESS_COLUMNS, values, '');
    return ids;
  }

  /** Locks (MySQL: `FOR UPDATE`, gap locks included) so a concurrent insert of the same person waits for us. */
  private async existingResidents(
    m: EntityManager,
    rows: PreparedRow[],
  ): Promise<Map<string, ExistingResident>> {
    const found = new Map<string, ExistingResident>();
    const sql =
      'SELECT id, id_number_bidx, name, gender, birth_year, phone_bidx, phone_enc, ' +
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

  /** The batch's addresses the database has: address key → id (a plain read). */
  private async lookupAddresses(m: EntityManager, rows: PreparedRow[]): Promise<Map<string, string>> {
    const keys = [...new Set(rows.flatMap((r) => (r.address === null ? [] : [r.address.key])))];
    return this.selectAddresses(m, keys, false);
  }

  private async selectAddresses(
    m: EntityManager,
    keys: string[],
    latest: boolean,
  ): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    // A locking read sees rows committed after this transaction's snapshot (an address someone else
    // created meanwhile); a plain read would not.
    const lock = latest && this.dialect === 'mysql' ? ' FOR UPDATE' : '';
    for (const part of chunks(keys, this.maxRows(1))) {
      const list = (await m.query(
        `SELECT id, address_key FROM standard_address WHERE address_key IN (${placeholders(part.length)})${lock}`,
        part,
      )) as { id: string; address_key: string }[];
      for (const a of list) ids.set(a.address_key, a.id);
    }
    return ids;
  }

  /** Creates the batch's addresses missing from `known`; returns every address's id by key. */
  private async createMissingAddresses(
    m: EntityManager,
    rows: PreparedRow[],
    now: string,
    known: Map<string, string>,
  ): Promise<Map<string, string>> {
    const missing = new Map<string, Row>();
    for (const r of rows) {
      const a = r.address;
      if (a === null || known.has(a.key) || missing.has(a.key)) continue;
      missing.set(
        a.key,
        a.tuple !== undefined ? { sql: a.tuple } : this.addressValues(a, r.streetId, r.courtyardId, now),
      );
    }
    if (missing.size === 0) return known;
    // Another writer may create the same address meanwhile: keep theirs, then read the ids back.
    const onConflict =
      this.dialect === 'mysql' ? ' ON DUPLICATE KEY UPDATE id = id' : ' ON CONFLICT DO NOTHING';
    await this.insertMany(m, 'standard_address', ADDRESS_COLUMNS, [...missing.values()], onConflict);
    for (const [key, id] of await this.selectAddresses(m, [...missing.keys()], true)) known.set(key, id);
    return known;
  }

  /** Returns MySQL's affected-row count (1 per insert, 2 per update); undefined on SQLite. */
  private async upsertResidents(m: EntityManager, values: Row[]): Promise<number | undefined> {
    if (values.length === 0) return 0;
    const set =
      this.dialect === 'mysql'
        ? [...RESIDENT_UPDATED.map((c) => `${c} = VALUES(${c})`), 'version = version + 1'].join(', ')
        : [...RESIDENT_UPDATED.map((c) => `${c} = excluded.${c}`), 'version = version + 1'].join(', ');
    const onConflict =
      this.dialect === 'mysql'
        ? ` ON DUPLICATE KEY UPDATE ${set}`
        : ` ON CONFLICT (id_number_bidx) DO UPDATE SET ${set}`;
    return this.insertMany(m, 'resident', RESIDENT_COLUMNS, values, onConflict);
  }

  /**
   * The batch's outbox rows: its items (JSON, already checked against the contract) split so each
   * envelope stays under the outbox limit, each envelope what `Outbox.add` builds, stored compressed.
   */
  private async buildEvents(items: string[], now: string): Promise<SqlValue[][]> {
    if (items.length === 0) return [];
    const batch = this.batches + 1;
    const parts: string[][] = [[]];
    let bytes = 0;
    for (const item of items) {
      const size = Buffer.byteLength(item, 'utf8') + 1;
      if (bytes + size > EVENT_ITEMS_BYTES && (parts.at(-1)?.length ?? 0) > 0) {
        parts.push([]);
        bytes = 0;
      }
      parts.at(-1)?.push(item);
      bytes += size;
    }
    const time = new Date().toISOString();
    const values = await Promise.all(
      parts.map(async (residents, i) => {
        const data = { importId: this.importId, batch, part: i + 1, actor: this.opts.actor };
        eventHeaderSchema.parse(data);
        const eventId = this.ids.next();
        const head = JSON.stringify({
          specversion: '1.0',
          id: eventId,
          source: PEOPLE_SOURCE,
          type: ResidentsImported.type,
          subject: this.importId,
          time,
          datacontenttype: 'application/json',
          data: { ...data, residents: [] },
        });
        // `…"residents":[]}}` → `…"residents":[<items>]}}`: the items are JSON already.
        const envelope = `${head.slice(0, -3)}${residents.join(',')}]}}`;
        if (Buffer.byteLength(envelope, 'utf8') > MAX_ENVELOPE_BYTES) {
          throw new Error(`import event of batch ${batch} exceeds ${MAX_ENVELOPE_BYTES} bytes`);
        }
        // Stored compressed: these are most of the bytes an import writes (see compressEnvelope).
        const stored = await compressEnvelope(envelope);
        return [
          eventId,
          ResidentsTopic.name,
          this.importId,
          ResidentsImported.type,
          stored,
          now,
          null,
          0,
          null,
        ];
      }),
    );
    return values;
  }

  private async insertEvents(m: EntityManager, values: SqlValue[][]): Promise<number> {
    if (values.length > 0) await this.insertMany(m, 'outbox_event', OUTBOX_COLUMNS, values, '');
    return values.length;
  }

  /**
   * Multi-row inserts. MySQL: values rendered into the statement text (rows rendered ahead are joined
   * as they are), no parameters to format. SQLite: bound parameters, every row a value list.
   */
  private async insertMany(
    m: EntityManager,
    table: string,
    columns: readonly string[],
    rows: Row[],
    suffix: string,
  ): Promise<number | undefined> {
    const head = `INSERT INTO ${table} (${columns.join(', ')}) VALUES `;
    if (this.dialect === 'mysql') {
      let affected = 0;
      for (const part of chunks(rows, this.maxRows(columns.length))) {
        const result = (await m.query(
          `${head}${part.map((r) => (Array.isArray(r) ? renderTuple(r) : r.sql)).join(', ')}${suffix}`,
        )) as { affectedRows?: number };
        affected += result.affectedRows ?? 0;
      }
      return affected;
    }
    const tuple = `(${placeholders(columns.length)})`;
    for (const part of chunks(rows, this.maxRows(columns.length))) {
      const params = part.flatMap((r) => {
        if (!Array.isArray(r)) throw new Error('rendered rows are for MySQL only');
        return r;
      });
      await m.query(`${head}${Array(part.length).fill(tuple).join(', ')}${suffix}`, params);
    }
    return undefined;
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
    Number(e.birth_year) === Number(r.birthDate.slice(0, 4)) &&
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

/** A batch written on the assumption that its rows were new found that they were not. */
class OptimismFailed extends Error {
  override readonly name = 'OptimismFailed';
}

/** `(v1, v2, …)` with every value a MySQL literal. */
function renderTuple(values: SqlValue[]): string {
  return `(${values.map(mysqlLiteral).join(', ')})`;
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
  private readonly items: Promise<PreparedRow[]>[] = [];
  private closed = false;
  private failure: { error: unknown } | undefined;
  private wakeTaker: (() => void) | undefined;
  private wakePutter: (() => void) | undefined;

  constructor(private readonly depth: number) {}

  async put(rows: Promise<PreparedRow[]>): Promise<void> {
    // Observed at once: a batch that fails while waiting is reported through the writer, not as an
    // unhandled rejection.
    rows.catch(() => undefined);
    while (this.items.length >= this.depth && this.failure === undefined) {
      await new Promise<void>((resolve) => (this.wakePutter = resolve));
    }
    this.throwIfFailed();
    this.items.push(rows);
    this.wakeTaker?.();
  }

  async take(): Promise<Promise<PreparedRow[]> | undefined> {
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
