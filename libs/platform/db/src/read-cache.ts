import {
  Column,
  type DataSource,
  Entity,
  type EntitySubscriberInterface,
  type InsertEvent,
  PrimaryColumn,
  type QueryRunner,
  type RemoveEvent,
  type TransactionCommitEvent,
  type TransactionRollbackEvent,
  type UpdateEvent,
} from 'typeorm';

/**
 * The service's read generation (ADR 0050): one row (id 1) whose `generation` every transaction that
 * wrote a row the service serves is made to bump just before its COMMIT, in that transaction. A copy
 * of the service that cached an answer at generation g may serve it again only while the database
 * still says g, so no copy serves a read older than a change it could see committed.
 */
@Entity({ name: 'cache_generation' })
export class CacheGeneration {
  @PrimaryColumn({ type: 'int' })
  id!: number;

  @Column({ type: 'bigint' })
  generation!: number;
}

/** Tables whose writes never change what a service answers: bookkeeping of the platform. */
const PLATFORM_BOOKKEEPING = ['cache_generation', 'outbox_event', 'inbox_event'];

const BUMP = 'UPDATE cache_generation SET generation = generation + 1 WHERE id = 1';

export interface ReadGenerationOptions {
  /** More tables whose writes leave every served answer as it was (login throttles, work queues). */
  ignoreTables?: readonly string[];
}

/**
 * Watches the data source's writes (a TypeORM subscriber: inserts, updates, deletes through
 * repositories, query builders and `save`) and bumps `cache_generation` in each transaction that wrote
 * anything but bookkeeping, just before it commits. Raw SQL (`query('UPDATE …')`) is not seen: a
 * service that caches must write its served tables through TypeORM, or follow a plain write with
 * `wroteWithSql(manager, table)` (plain-sql.ts), inside a transaction (a write outside one bumps
 * right after it, which leaves a moment in which a stale answer can be cached).
 *
 * The bump is the transaction's last statement, so concurrent writers wait on the row only for each
 * other's COMMIT (one round trip), not for their whole transactions.
 */
export class ReadGeneration implements EntitySubscriberInterface {
  private readonly ignored: Set<string>;
  private readonly dirty = new WeakSet<QueryRunner>();
  private localBumps = 0;

  constructor(
    private readonly ds: DataSource,
    options: ReadGenerationOptions = {},
  ) {
    this.ignored = new Set([...PLATFORM_BOOKKEEPING, ...(options.ignoreTables ?? [])]);
  }

  /** Registers the subscriber and makes sure the row exists (the embedded schema has no migrations). */
  async install(): Promise<this> {
    await this.ds
      .createQueryBuilder()
      .insert()
      .into(CacheGeneration)
      .values({ id: 1, generation: 1 })
      .orIgnore()
      .execute();
    if (!this.ds.subscribers.includes(this)) this.ds.subscribers.push(this);
    return this;
  }

  /** The committed generation: one read by primary key. */
  async current(): Promise<number> {
    const rows: { generation: number | string }[] = await this.ds.query(
      'SELECT generation FROM cache_generation WHERE id = 1',
    );
    return Number(rows[0]?.generation ?? 0);
  }

  /** How many transactions of this process bumped the generation (tests, metrics). */
  get bumps(): number {
    return this.localBumps;
  }

  afterInsert(event: InsertEvent<unknown>): Promise<void> {
    return this.wrote(event.queryRunner, event.metadata.tableName);
  }

  afterUpdate(event: UpdateEvent<unknown>): Promise<void> {
    return this.wrote(event.queryRunner, event.metadata.tableName);
  }

  afterRemove(event: RemoveEvent<unknown>): Promise<void> {
    return this.wrote(event.queryRunner, event.metadata.tableName);
  }

  async beforeTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    if (!this.dirty.has(event.queryRunner)) return;
    this.dirty.delete(event.queryRunner);
    await event.queryRunner.query(BUMP);
    this.localBumps++;
  }

  /** A plain statement of this query runner wrote `table` (see `wroteWithSql` in plain-sql.ts). */
  wroteWithSql(queryRunner: QueryRunner, table: string): Promise<void> {
    return this.wrote(queryRunner, table);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) this.dirty.delete(event.queryRunner);
  }

  private async wrote(queryRunner: QueryRunner, table: string): Promise<void> {
    if (this.ignored.has(table)) return;
    if (queryRunner.isTransactionActive) {
      this.dirty.add(queryRunner);
      return;
    }
    await queryRunner.query(BUMP);
    this.localBumps++;
  }
}

export interface ReadCacheOptions {
  /** Most answers kept (least recently used leave first). Default 500. */
  maxEntries?: number;
  /** Most bytes of answers kept, measured as their JSON text. Default 4 MiB. */
  maxBytes?: number;
}

interface CacheEntry {
  value: unknown;
  bytes: number;
}

/**
 * Answers kept in memory under a key of the caller's choosing, valid for one read generation: a
 * request first learns the committed generation ({@link ReadGeneration.current}, once), then gets and
 * sets under it. A newer generation empties the cache; a request that learnt an older one than the
 * cache's (it started before another request saw a commit) neither reads nor fills it.
 */
export class ReadCache {
  private generation = -1;
  private readonly entries = new Map<string, CacheEntry>();
  private bytes = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  readonly stats = { hits: 0, misses: 0, invalidations: 0 };

  constructor(options: ReadCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 500;
    this.maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  }

  /** Adopts `generation` if it is newer than the cache's (dropping every answer). */
  private adopt(generation: number): boolean {
    if (generation > this.generation) {
      if (this.entries.size > 0) this.stats.invalidations++;
      this.entries.clear();
      this.bytes = 0;
      this.generation = generation;
    }
    return generation === this.generation;
  }

  get(key: string, generation: number): unknown {
    const entry = this.adopt(generation) ? this.entries.get(key) : undefined;
    if (entry === undefined) {
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Keeps `value`, computed after `generation` was read, unless the cache has moved past it. */
  set(key: string, value: unknown, generation: number): void {
    if (!this.adopt(generation)) return;
    const bytes = key.length + JSON.stringify(value).length;
    if (bytes > this.maxBytes / 8) return;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.bytes;
    }
    this.entries.set(key, { value, bytes });
    this.bytes += bytes;
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.bytes;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
