import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import './sqlite-bigint';

// Column types are limited to what both MySQL/MariaDB and SQLite (embedded mode) understand, and
// every column names its type explicitly: the entities must not depend on emitted decorator metadata.

/**
 * An event waiting to be published (or already published, until purged). Written in the same
 * transaction as the business change it describes; `seq` is the publication order.
 */
@Entity({ name: 'outbox_event' })
@Index('idx_outbox_event_unpublished', ['publishedAt', 'seq'])
export class OutboxEvent {
  /**
   * Auto-increment order of insertion. Read as a number: mysql2 (supportBigNumbers) returns a
   * bigint as a number while it is below 2^53, which an outbox never reaches.
   */
  @PrimaryGeneratedColumn('increment', { type: 'bigint', name: 'seq' })
  seq!: number;

  /** The CloudEvents id. */
  @Index('uq_outbox_event_id', { unique: true })
  @Column({ type: 'varchar', length: 36, name: 'id' })
  id!: string;

  @Column({ type: 'varchar', length: 200, name: 'topic' })
  topic!: string;

  /** The CloudEvents subject, used as the Kafka key. */
  @Column({ type: 'varchar', length: 64, name: 'aggregate_id' })
  aggregateId!: string;

  @Column({ type: 'varchar', length: 200, name: 'type' })
  type!: string;

  /** The CloudEvents JSON envelope, published as is. */
  @Column({ type: 'text', name: 'envelope' })
  envelope!: string;

  @Column({ type: 'datetime', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'datetime', name: 'published_at', nullable: true })
  publishedAt!: Date | null;

  /** Failed publication attempts so far. */
  @Column({ type: 'int', name: 'attempts', default: 0 })
  attempts!: number;

  /** The last publication error (truncated; never contains the payload). */
  @Column({ type: 'varchar', length: 500, name: 'last_error', nullable: true })
  lastError!: string | null;
}

/** One event a consumer has processed; its presence makes redelivery a no-op. */
@Entity({ name: 'inbox_event' })
export class InboxEvent {
  /** Logical consumer name (the Kafka consumer group, or the in-process subscriber name). */
  @PrimaryColumn({ type: 'varchar', length: 100, name: 'consumer' })
  consumer!: string;

  @PrimaryColumn({ type: 'varchar', length: 36, name: 'event_id' })
  eventId!: string;

  @Column({ type: 'datetime', name: 'processed_at' })
  processedAt!: Date;
}

/** Add these to every service DataSource that writes an outbox or consumes events. */
export const OUTBOX_ENTITIES = [OutboxEvent, InboxEvent];
