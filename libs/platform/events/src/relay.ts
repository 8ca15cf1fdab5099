import type { Logger } from '@sc/config';
import { isMysqlFamily, persistedValue, placeholders, transaction } from '@sc/db';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { type BackoffOptions, Sleeper, backoffDelay, errorText } from './backoff';
import { CLOUDEVENTS_CONTENT_TYPE } from './cloud-event';
import { OutboxEvent } from './entities';
import { storedEnvelope } from './outbox';
import type { EventPublisher } from './publisher';

/** Options of {@link OutboxRelay}. */
export interface OutboxRelayOptions {
  /** The service's DataSource (MySQL/MariaDB or the embedded SQLite) holding `outbox_event`. */
  dataSource: DataSource;
  publisher: EventPublisher;
  logger: Logger;
  /** Most rows read and published at once. */
  batchSize?: number;
  /**
   * Most envelope bytes published at once (default 512 KiB): a batch is one produce request, and
   * Kafka refuses one over its `max.message.bytes` (1 MB by default). A larger single event goes alone.
   */
  maxBatchBytes?: number;
  /** How long to sleep when nothing is pending (a {@link OutboxRelay.nudge} cuts it short). */
  pollIntervalMs?: number;
  /**
   * Under sustained load (a commit nudged the relay while it was publishing a partial batch), how
   * long to wait before the next read, so that one read, one produce request and one update carry
   * the events of several commits (ADR 0053). Default 0: read again at once. An event after an idle
   * spell is never delayed: the first nudge wakes the relay at once.
   */
  lingerMs?: number;
  /**
   * Delays between failed attempts; default 100 ms doubling to 1 s, so that delivery resumes within
   * about a second of the broker (or database) answering again. A failed attempt costs one read and
   * one update of the pending rows.
   */
  backoff?: BackoffOptions;
  /**
   * MySQL named lock that elects the one publishing relay per database. Lock names are
   * server-wide, so the default includes the database name.
   */
  lockName?: string;
  /** How often a relay without the lock tries to take it. */
  lockRetryMs?: number;
  /**
   * Published rows older than `keepMs` are deleted by the relay when it is idle, at most once every
   * `everyMs` (default: hourly). Unset: kept forever. Unpublished rows are never deleted.
   */
  retention?: { keepMs: number; everyMs?: number };
}

const FAILURE_WARNING_EVERY_MS = 60_000;

type Outcome =
  | { kind: 'more' }
  | { kind: 'idle'; published: number }
  | { kind: 'standby' }
  | { kind: 'failed'; error: unknown };

/**
 * Publishes the transactional outbox. It reads unpublished rows in `seq` order, hands them to the
 * publisher and marks them published once the broker has acknowledged them.
 *
 * A failed batch is retried as a whole, forever, with exponential backoff: the relay never skips
 * past an unpublished event, so the broker receives events in outbox order (a retry may repeat
 * events the broker had already taken; consumers deduplicate with their inbox).
 *
 * When several copies of a service run, only the holder of a MySQL named lock publishes; the others
 * stand by and try to take the lock from time to time. On the embedded SQLite (one process) there
 * is no lock. Logs carry event ids, types, sequence numbers and counts, never payloads.
 */
export class OutboxRelay {
  private readonly ds: DataSource;
  private readonly publisher: EventPublisher;
  private readonly logger: Logger;
  private readonly batchSize: number;
  private readonly maxBatchBytes: number;
  private readonly pollIntervalMs: number;
  private readonly lingerMs: number;
  private readonly backoff: Required<BackoffOptions>;
  private readonly lockName: string;
  private readonly lockRetryMs: number;
  private readonly usesLock: boolean;

  private running = false;
  private loop: Promise<void> | null = null;
  private chain: Promise<void> = Promise.resolve();
  private readonly idleSleep = new Sleeper();
  /** The linger's sleep: cut short by stop() only, not by nudges (they are what it waits for). */
  private readonly lingerSleep = new Sleeper();
  private readonly retrySleep = new Sleeper();
  private nudged = false;
  private failures = 0;
  private lastFailureWarning = 0;
  private lock: QueryRunner | null = null;
  private standbyLogged = false;
  private readonly retention: { keepMs: number; everyMs: number } | null;
  private lastPurge = 0;

  constructor(opts: OutboxRelayOptions) {
    this.ds = opts.dataSource;
    this.publisher = opts.publisher;
    this.logger = opts.logger.child({ component: 'outbox-relay' });
    this.batchSize = opts.batchSize ?? 100;
    this.maxBatchBytes = opts.maxBatchBytes ?? 512 * 1024;
    this.pollIntervalMs = opts.pollIntervalMs ?? 500;
    this.lingerMs = Math.max(0, opts.lingerMs ?? 0);
    this.backoff = { initialMs: opts.backoff?.initialMs ?? 100, maxMs: opts.backoff?.maxMs ?? 1_000 };
    this.lockRetryMs = opts.lockRetryMs ?? 5_000;
    this.usesLock = isMysqlFamily(this.ds);
    const database = typeof this.ds.options.database === 'string' ? this.ds.options.database : '';
    // MySQL rejects lock names longer than 64 characters.
    this.lockName = (opts.lockName ?? `sc_outbox_relay.${database}`).slice(0, 64);
    if (this.batchSize < 1) throw new Error('batchSize must be at least 1');
    this.retention = opts.retention
      ? { keepMs: opts.retention.keepMs, everyMs: opts.retention.everyMs ?? 3_600_000 }
      : null;
  }

  /** Starts publishing in the background. Idempotent. */
  start(): void {
    if (this.loop) return;
    this.running = true;
    this.loop = this.run().catch((err: unknown) => {
      this.logger.error({ error: errorText(err) }, 'outbox relay stopped unexpectedly');
    });
  }

  /** Stops the background loop after the batch in flight, and releases the lock. Does not close the publisher. */
  async stop(): Promise<void> {
    this.running = false;
    this.idleSleep.interrupt();
    this.lingerSleep.interrupt();
    this.retrySleep.interrupt();
    await this.loop;
    this.loop = null;
    await this.exclusive(() => this.releaseLock());
  }

  /** Wakes an idle relay now, e.g. right after a transaction that added events committed. */
  nudge(): void {
    this.nudged = true;
    this.idleSleep.interrupt();
  }

  /**
   * Publishes everything pending now, batch after batch, without waiting for the poll interval
   * (tests, graceful shutdown). Rejects with the publisher's error on the first failure (the rows
   * keep their place and the failure is recorded). Resolves without publishing when another copy
   * holds the lock, since that copy publishes them.
   */
  async flush(): Promise<void> {
    try {
      for (;;) {
        const outcome = await this.exclusive(() => this.cycle());
        switch (outcome.kind) {
          case 'more':
            continue;
          case 'failed':
            throw outcome.error;
          case 'idle':
          case 'standby':
            return;
        }
      }
    } finally {
      // flush() on a relay that is not started must not keep the lock (and its connection).
      if (!this.running) await this.exclusive(() => this.releaseLock());
    }
  }

  /** Deletes published rows whose `published_at` is before `olderThan`; returns how many. */
  async purgePublished(olderThan: Date): Promise<number> {
    const purge = async (m: EntityManager) => {
      const result = await m
        .createQueryBuilder()
        .delete()
        .from(OutboxEvent)
        .where('published_at IS NOT NULL AND published_at < :olderThan', { olderThan })
        .execute();
      return result.affected ?? 0;
    };
    const deleted = this.usesLock ? await purge(this.ds.manager) : await transaction(this.ds, purge);
    if (deleted > 0) this.logger.info({ deleted }, 'purged published outbox events');
    return deleted;
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.nudged = false;
      const outcome = await this.exclusive(() => this.cycle());
      if (!this.running) break;
      switch (outcome.kind) {
        case 'more':
          break;
        case 'idle':
          await this.purgeWhenDue();
          if (!this.nudged) await this.idleSleep.sleep(this.pollIntervalMs);
          else if (outcome.published > 0 && this.lingerMs > 0) await this.lingerSleep.sleep(this.lingerMs);
          break;
        case 'standby':
          await this.retrySleep.sleep(this.lockRetryMs);
          break;
        case 'failed':
          await this.retrySleep.sleep(backoffDelay(this.failures, this.backoff));
          break;
      }
    }
  }

  /** Applies the retention policy when it is due; a failure is logged and tried again next time. */
  private async purgeWhenDue(): Promise<void> {
    if (!this.retention || Date.now() - this.lastPurge < this.retention.everyMs) return;
    this.lastPurge = Date.now();
    const olderThan = new Date(Date.now() - this.retention.keepMs);
    try {
      await this.exclusive(() => this.purgePublished(olderThan));
    } catch (err) {
      this.logger.warn({ error: errorText(err) }, 'purging published outbox events failed');
    }
  }

  /** Runs one batch. Never throws: every failure becomes a 'failed' outcome and is logged. */
  private async cycle(): Promise<Outcome> {
    let rows: OutboxEvent[];
    try {
      if (!(await this.holdLock())) return { kind: 'standby' };
      // Plain statements (ADR 0052): a cycle runs after every commit that nudges the relay.
      rows = await this.withManager(
        async (m) =>
          (await m.query(
            `SELECT seq, id, topic, aggregate_id AS aggregateId, type, envelope FROM outbox_event WHERE published_at IS NULL ORDER BY seq LIMIT ${Number(this.batchSize)}`,
          )) as OutboxEvent[],
      );
    } catch (err) {
      return this.databaseFailed(err);
    }
    if (rows.length === 0) return { kind: 'idle', published: 0 };
    const read = rows.length;
    // A batch is one produce request: Kafka refuses a record batch over its max.message.bytes
    // (1 MB by default), so the batch stops before it would outgrow maxBatchBytes (at least one row).
    const values: string[] = [];
    let bytes = 0;
    for (const r of rows) {
      const value = storedEnvelope(r.envelope);
      const size = Buffer.byteLength(value, 'utf8');
      if (values.length > 0 && bytes + size > this.maxBatchBytes) break;
      values.push(value);
      bytes += size;
    }
    rows = rows.slice(0, values.length);

    const seqs = rows.map((r) => r.seq);
    const batchInfo = { count: rows.length, firstSeq: String(seqs[0]), lastSeq: String(seqs.at(-1)) };
    try {
      await this.publisher.publish(
        rows.map((r, i) => ({
          topic: r.topic,
          key: r.aggregateId,
          value: values[i] ?? storedEnvelope(r.envelope),
          headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE },
        })),
      );
    } catch (err) {
      this.failures += 1;
      const error = errorText(err);
      this.failureLog(this.failures)(
        { ...batchInfo, attempt: this.failures, firstEventId: rows[0]?.id, firstType: rows[0]?.type, error },
        'publishing outbox events failed; will retry',
      );
      try {
        await this.withManager((m) =>
          m
            .createQueryBuilder()
            .update(OutboxEvent)
            .set({ attempts: () => 'attempts + 1', lastError: error })
            .where('seq IN (:...seqs)', { seqs })
            .execute(),
        );
      } catch (dbErr) {
        await this.databaseFailed(dbErr, false);
      }
      return { kind: 'failed', error: err };
    }

    try {
      await this.withManager((m) =>
        m.query(`UPDATE outbox_event SET published_at = ? WHERE seq IN (${placeholders(seqs.length)})`, [
          persistedValue(m, OutboxEvent, 'publishedAt', new Date()),
          ...seqs,
        ]),
      );
    } catch (err) {
      // Published but not marked: the next cycle publishes these again (consumers deduplicate).
      return this.databaseFailed(err);
    }
    if (this.failures > 0) {
      this.logger.info({ ...batchInfo, failedAttempts: this.failures }, 'outbox publishing recovered');
      this.failures = 0;
    }
    this.logger.debug(
      { ...batchInfo, types: [...new Set(rows.map((r) => r.type))] },
      'published outbox events',
    );
    return read === this.batchSize || rows.length < read
      ? { kind: 'more' }
      : { kind: 'idle', published: rows.length };
  }

  private async databaseFailed(err: unknown, count = true): Promise<Outcome> {
    if (count) this.failures += 1;
    this.failureLog(this.failures)(
      { attempt: this.failures, error: errorText(err) },
      'outbox relay database access failed',
    );
    // The lock lives on the connection that failed; give both up and start over.
    await this.releaseLock();
    return { kind: 'failed', error: err };
  }

  /**
   * Warning for the first failed attempt of an outage and then once a minute (each with the attempt
   * count), debug for the others: a broker away for 25 s is one warning, not 25; the recovery is
   * logged with the number of failed attempts.
   */
  private failureLog(attempt: number): (fields: object, msg: string) => void {
    const now = Date.now();
    if (attempt <= 1 || now - this.lastFailureWarning >= FAILURE_WARNING_EVERY_MS) {
      this.lastFailureWarning = now;
      return (fields, msg) => this.logger.warn(fields, msg);
    }
    return (fields, msg) => this.logger.debug(fields, msg);
  }

  private async withManager<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    // The embedded SQLite has one connection: without a transaction from @sc/db's queue the relay could read
    // rows of (or write into) a business transaction that is still open.
    if (!this.usesLock) return transaction(this.ds, work);
    if (!this.lock) throw new Error('the outbox relay lock is not held');
    return work(this.lock.manager);
  }

  /** True when this relay may publish; on MySQL takes the lock on a dedicated connection if free. */
  private async holdLock(): Promise<boolean> {
    if (!this.usesLock || this.lock) return true;
    const runner = this.ds.createQueryRunner();
    let acquired = false;
    try {
      await runner.connect();
      const rows = (await runner.query('SELECT GET_LOCK(?, 0) AS acquired', [this.lockName])) as {
        acquired: number | string | null;
      }[];
      acquired = Number(rows[0]?.acquired) === 1;
    } finally {
      if (!acquired) await runner.release();
    }
    if (!acquired) {
      if (!this.standbyLogged) {
        this.logger.info({ lock: this.lockName }, 'another relay holds the outbox lock; standing by');
        this.standbyLogged = true;
      }
      return false;
    }
    this.lock = runner;
    this.standbyLogged = false;
    this.logger.info({ lock: this.lockName }, 'took the outbox lock; publishing');
    return true;
  }

  private async releaseLock(): Promise<void> {
    const runner = this.lock;
    this.lock = null;
    if (!runner) return;
    try {
      await runner.query('SELECT RELEASE_LOCK(?)', [this.lockName]);
    } catch {
      // The connection is gone, and with it the lock.
    } finally {
      await runner.release();
    }
    this.logger.info({ lock: this.lockName }, 'released the outbox lock');
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work, work);
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}
