import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

// The county feed's own statistics schema: the latest known state of each entity the figures count,
// by id and code only (the events carry nothing personal, so neither does this). The figures are
// GROUP BY queries over these indexed rows (ADR 0039). Column types are those both MariaDB and the
// embedded SQLite understand, each named explicitly.

/** A resident as the people events describe one: category, 户籍地 (county level), street, household. */
@Entity({ name: 'feed_resident' })
@Index('ix_feed_resident_street', ['status', 'streetId'])
@Index('ix_feed_resident_category', ['status', 'category', 'origin'])
@Index('ix_feed_resident_household', ['householdId', 'status'])
export class FeedResident {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id!: string;

  /** ACTIVE, MOVED_OUT or DECEASED. */
  @Column({ name: 'status', type: 'varchar', length: 10 })
  status!: string;

  /** REGISTERED, MIGRANT_LONG_TERM or FLOATING; null when only a snapshot told of the resident. */
  @Column({ name: 'category', type: 'varchar', length: 20, nullable: true })
  category!: string | null;

  @Column({ name: 'origin', type: 'varchar', length: 50, nullable: true })
  origin!: string | null;

  @Column({ name: 'street_id', type: 'varchar', length: 36, nullable: true })
  streetId!: string | null;

  @Column({ name: 'household_id', type: 'varchar', length: 36, nullable: true })
  householdId!: string | null;

  /** The resident's version in people (0 when no event said): older restatements are skipped. */
  @Column({ name: 'version', type: 'int', default: 0 })
  version!: number;
}

/**
 * A household: created (its own event) and whether anyone ever joined it (the resident events). A
 * household that had members and has no active one left is dissolved, as people dissolves it.
 */
@Entity({ name: 'feed_household' })
export class FeedHousehold {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'created', type: 'boolean', default: false })
  created!: boolean;

  @Column({ name: 'had_member', type: 'boolean', default: false })
  hadMember!: boolean;

  @Column({ name: 'street_id', type: 'varchar', length: 36, nullable: true })
  streetId!: string | null;
}

/** A place of the roster (community, resident group, street, courtyard). */
@Entity({ name: 'feed_place' })
@Index('ix_feed_place_kind', ['kind', 'status'])
export class FeedPlace {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'kind', type: 'varchar', length: 20 })
  kind!: string;

  /** ACTIVE or RETIRED. */
  @Column({ name: 'status', type: 'varchar', length: 10 })
  status!: string;
}

/** One street of one grid (the grid events carry the whole membership). */
@Entity({ name: 'feed_grid_street' })
@Index('ix_feed_grid_street_street', ['streetId'])
export class FeedGridStreet {
  @PrimaryColumn({ name: 'grid_id', type: 'varchar', length: 36 })
  gridId!: string;

  @PrimaryColumn({ name: 'street_id', type: 'varchar', length: 36 })
  streetId!: string;
}

/** A chief (candidacy): status and the grid of the appointment. */
@Entity({ name: 'feed_chief' })
@Index('ix_feed_chief_status', ['status', 'gridId'])
export class FeedChief {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'status', type: 'varchar', length: 12 })
  status!: string;

  @Column({ name: 'grid_id', type: 'varchar', length: 36, nullable: true })
  gridId!: string | null;
}

/**
 * A case as its latest event states it, reduced to what the ledger counts: the item and street, the
 * month of the report and of the latest resolution (China time), on time, the rating.
 */
@Entity({ name: 'feed_case' })
@Index('ix_feed_case_reported', ['reportedMonth'])
@Index('ix_feed_case_resolved', ['resolvedMonth'])
export class FeedCase {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id!: string;

  /** The taxonomy item, `-` while none is set (the cases ledger's own key for it). */
  @Column({ name: 'item_code', type: 'varchar', length: 20 })
  itemCode!: string;

  @Column({ name: 'street_id', type: 'varchar', length: 36 })
  streetId!: string;

  /** YYYY-MM of the report. */
  @Column({ name: 'reported_month', type: 'varchar', length: 7 })
  reportedMonth!: string;

  /** YYYY-MM of the latest resolution; null while unresolved. */
  @Column({ name: 'resolved_month', type: 'varchar', length: 7, nullable: true })
  resolvedMonth!: string | null;

  @Column({ name: 'resolved_on_time', type: 'boolean', default: false })
  resolvedOnTime!: boolean;

  @Column({ name: 'rating', type: 'int', nullable: true })
  rating!: number | null;

  /** When the change of the latest applied event happened (ISO 8601): older events are skipped. */
  @Column({ name: 'changed_at', type: 'varchar', length: 40 })
  changedAt!: string;
}

/** A matter of deliberation: its state and, once its vote closed, the tally. */
@Entity({ name: 'feed_matter' })
export class FeedMatter {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'state', type: 'varchar', length: 20 })
  state!: string;

  @Column({ name: 'vote_closed', type: 'boolean', default: false })
  voteClosed!: boolean;

  @Column({ name: 'electorate_size', type: 'int', nullable: true })
  electorateSize!: number | null;

  @Column({ name: 'participants', type: 'int', nullable: true })
  participants!: number | null;

  @Column({ name: 'quorum_met', type: 'boolean', nullable: true })
  quorumMet!: boolean | null;

  @Column({ name: 'outcome', type: 'varchar', length: 20, nullable: true })
  outcome!: string | null;

  /** The counted ballots per option, as JSON (`{"FOR":3,…}`). */
  @Column({ name: 'counts', type: 'text', nullable: true })
  counts!: string | null;
}

/**
 * A message that did not match the schema the AsyncAPI document states for its channel and type (or
 * was no event at all): parked here, never dropped, with where it came from and why.
 */
@Entity({ name: 'feed_parked_event' })
@Index('ix_feed_parked_event_type', ['type'])
export class ParkedEvent {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', name: 'seq' })
  seq!: number;

  /** The CloudEvents id; null when the message was no envelope. */
  @Column({ name: 'event_id', type: 'varchar', length: 36, nullable: true })
  eventId!: string | null;

  @Column({ name: 'type', type: 'varchar', length: 200, nullable: true })
  type!: string | null;

  /** The topic's own name (without KAFKA_TOPIC_PREFIX). */
  @Column({ name: 'topic', type: 'varchar', length: 200 })
  topic!: string;

  @Column({ name: 'kafka_partition', type: 'int', nullable: true })
  partition!: number | null;

  @Column({ name: 'kafka_offset', type: 'varchar', length: 20, nullable: true })
  offset!: string | null;

  /** What did not match (schema paths and keywords, never values). */
  @Column({ name: 'reason', type: 'varchar', length: 1000 })
  reason!: string;

  /** The message as received (cut at 60,000 characters). */
  @Column({ name: 'message', type: 'text', nullable: true })
  message!: string | null;

  @Column({ name: 'parked_at', type: 'datetime' })
  parkedAt!: Date;
}

export const FEED_ENTITIES = [
  FeedResident,
  FeedHousehold,
  FeedPlace,
  FeedGridStreet,
  FeedChief,
  FeedCase,
  FeedMatter,
  ParkedEvent,
];
