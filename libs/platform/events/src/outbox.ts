import { inSpan, SpanKind, traceHeaders } from '@sc/tracing';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzipSync, gzip } from 'node:zlib';
import type { EntityManager } from 'typeorm';
import { persisted, placeholders } from '@sc/db';
import { type CloudEvent, MAX_EVENT_ID_LENGTH, MAX_SUBJECT_LENGTH } from './cloud-event';
import type { EventContract, Producer } from './contract';
import { OutboxEvent } from './entities';

/** MySQL TEXT holds 65,535 bytes; larger envelopes would be cut off or rejected by the database. */
export const MAX_ENVELOPE_BYTES = 65_535;

/** Marks an envelope stored gzip-compressed (base64); a JSON envelope starts with `{`, never with this. */
const COMPRESSED = 'gz:';
const gzipAsync = promisify(gzip);

/**
 * A large envelope as stored compressed in the outbox (`gz:` + base64 of gzip): a bulk producer's events
 * (an import's, tens of KB of JSON each) are then ~5× fewer bytes for the database to log and write.
 * The relay publishes {@link storedEnvelope} of it, so what reaches Kafka is the same JSON. Compression
 * runs on libuv's thread pool, not on the caller's thread.
 */
export async function compressEnvelope(json: string): Promise<string> {
  const gz = await gzipAsync(Buffer.from(json, 'utf8'), { level: 1 });
  return `${COMPRESSED}${gz.toString('base64')}`;
}

/** The JSON envelope of an outbox row's `envelope` column, compressed ({@link compressEnvelope}) or not. */
export function storedEnvelope(stored: string): string {
  return stored.startsWith(COMPRESSED)
    ? gunzipSync(Buffer.from(stored.slice(COMPRESSED.length), 'base64')).toString('utf8')
    : stored;
}

/**
 * Outbox rows in one plain multi-row INSERT (ADR 0052: every change of every service writes one, and
 * TypeORM's insert builder cost more CPU than the statement). Values go through the driver's own
 * conversion (dates as UTC on both dialects). outbox_event is bookkeeping: no read-generation bump.
 */
async function insertRows(manager: EntityManager, rows: Partial<OutboxEvent>[]): Promise<void> {
  const [first, ...rest] = rows.map((row) => persisted(manager, OutboxEvent, row));
  if (!first) return;
  const tuple = `(${placeholders(first.columns.length)})`;
  await manager.query(
    `INSERT INTO outbox_event (${first.columns.join(', ')}) VALUES ${[first, ...rest].map(() => tuple).join(', ')}`,
    [first, ...rest].flatMap((r) => r.params),
  );
}

/** What {@link Outbox.add} records. */
export interface OutboxEntry {
  /** Kafka topic (one per service and aggregate family). */
  topic: string;
  /** CloudEvents type, usually from a contract: `...Contract.build(subject, data)`. */
  type: string;
  /** Aggregate id: CloudEvents subject and Kafka key. */
  subject: string;
  data: unknown;
  /** Event id; a new UUID when omitted. Pass one to make a retried command produce the same event. */
  id?: string;
  /** When the change happened; now when omitted. */
  time?: Date;
}

/** Writes events to the transactional outbox of one service. */
export class Outbox {
  private readonly source: string;

  /** @param opts.source CloudEvents source of every event this outbox writes, e.g. `/caichang/roster`. */
  constructor(opts: { source: string } | Producer) {
    if (opts.source.length === 0) throw new Error('outbox source must not be empty');
    this.source = opts.source;
  }

  /** CloudEvents `source` of every event this outbox writes (for statements that build envelopes in SQL). */
  get eventSource(): string {
    return this.source;
  }

  /**
   * Records an event. Call it with the EntityManager of the transaction that makes the change, so
   * the event exists exactly when the change commits. Add it after writing the aggregate row:
   * that row's lock then orders two transactions on one aggregate, and with it their `seq`.
   * Returns the envelope that will be published.
   */
  add<T>(
    manager: EntityManager,
    contract: EventContract<T>,
    subject: string,
    data: T,
    options?: { id?: string; time?: Date },
  ): Promise<CloudEvent<unknown>>;
  add(manager: EntityManager, entry: OutboxEntry): Promise<CloudEvent<unknown>>;
  async add<T>(
    manager: EntityManager,
    entryOrContract: OutboxEntry | EventContract<T>,
    subject?: string,
    data?: T,
    options: { id?: string; time?: Date } = {},
  ): Promise<CloudEvent<unknown>> {
    if (!('build' in entryOrContract)) return this.write(manager, entryOrContract);
    if (!entryOrContract.topic) {
      throw new Error(`event contract ${entryOrContract.type} is not declared on a topic (use topic.event)`);
    }
    // build() validates the payload against the contract: a producer bug fails the transaction.
    const built = entryOrContract.build(subject ?? '', data as T);
    return this.write(manager, { topic: entryOrContract.topic, ...built, ...options });
  }

  /**
   * Records many events of one transaction in multi-row INSERTs (in the given order, which is their
   * `seq` order): for batch work such as a sweep, where a statement per event would dominate.
   */
  async addMany<T>(
    manager: EntityManager,
    contract: EventContract<T>,
    events: readonly { subject: string; data: T; time?: Date }[],
  ): Promise<CloudEvent<unknown>[]> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('Outbox.add must run inside the transaction of the change it describes');
    }
    if (!contract.topic) {
      throw new Error(`event contract ${contract.type} is not declared on a topic (use topic.event)`);
    }
    const topic = contract.topic;
    const built = events.map((e) =>
      this.envelope({ topic, ...contract.build(e.subject, e.data), time: e.time }),
    );
    for (let i = 0; i < built.length; i += 100) {
      await insertRows(
        manager,
        built.slice(i, i + 100).map((b) => b.row),
      );
    }
    return built.map((b) => b.event);
  }

  private async write(manager: EntityManager, e: OutboxEntry): Promise<CloudEvent<unknown>> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('Outbox.add must run inside the transaction of the change it describes');
    }
    return inSpan(
      `outbox write ${e.type}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: { 'cloudevents.event_type': e.type, 'messaging.destination.name': e.topic },
      },
      async () => {
        const { row, event } = this.envelope(e);
        await insertRows(manager, [row]);
        return event;
      },
    );
  }

  private envelope(e: OutboxEntry) {
    const id = e.id ?? randomUUID();
    if (id.length === 0 || id.length > MAX_EVENT_ID_LENGTH) {
      throw new Error(`event id must have 1 to ${MAX_EVENT_ID_LENGTH} characters`);
    }
    if (e.subject.length === 0 || e.subject.length > MAX_SUBJECT_LENGTH) {
      throw new Error(`event subject must have 1 to ${MAX_SUBJECT_LENGTH} characters (type ${e.type})`);
    }
    if (e.topic.length === 0 || e.topic.length > 200 || e.type.length === 0 || e.type.length > 200) {
      throw new Error('event topic and type must have 1 to 200 characters');
    }
    const event: CloudEvent<unknown> = {
      specversion: '1.0',
      id,
      source: this.source,
      type: e.type,
      subject: e.subject,
      time: (e.time ?? new Date()).toISOString(),
      datacontenttype: 'application/json',
      data: e.data,
      // The active span (the outbox write's own, or the caller's for a batch): a consumer's handling
      // becomes its child, in the same trace (CloudEvents distributed-tracing extension).
      ...traceHeaders(),
    };
    const envelope = JSON.stringify(event);
    const bytes = Buffer.byteLength(envelope, 'utf8');
    if (bytes > MAX_ENVELOPE_BYTES) {
      throw new Error(
        `event ${id} of type ${e.type} is ${bytes} bytes; the outbox takes at most ${MAX_ENVELOPE_BYTES}`,
      );
    }
    const row = {
      id,
      topic: e.topic,
      aggregateId: e.subject,
      type: e.type,
      envelope,
      createdAt: new Date(),
      publishedAt: null,
      attempts: 0,
      lastError: null,
    };
    return { row, event };
  }
}
