import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const CHIEF_STATUSES = [
  'NOMINATED',
  'VETTED',
  'FILED',
  'APPOINTED',
  'SUSPENDED',
  'RETIRED',
  'REJECTED',
] as const;
export type ChiefStatus = (typeof CHIEF_STATUSES)[number];

/**
 * A street chief (街长) from nomination to retirement. The person is a resident of the people
 * service, referenced by id only; the roster keeps just the public display name and, once appointed,
 * the public contact phone (the signboards are public and must not depend on the people service).
 *
 * `heldGridId` is the grid while APPOINTED or SUSPENDED and NULL otherwise; its unique index makes
 * "one appointed chief per grid" a database rule that concurrent appointments cannot break.
 * `activeResidentId` (NULL once RETIRED or REJECTED) keeps one open candidacy per resident, and
 * `activeBadge` lets a retired chief's badge number go to a successor.
 */
@Entity({ name: 'street_chief' })
@Index('ix_street_chief_status', ['status', 'sortKey'])
@Index('ix_street_chief_resident', ['residentId'])
// orderBy NAME and APPOINTED of `chiefs(status)` (ADR 0051).
@Index('ix_street_chief_order_name', ['status', 'name', 'id'])
@Index('ix_street_chief_order_appointed', ['status', 'termStart', 'id'])
export class StreetChief {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'resident_id', type: 'varchar', length: 36 })
  residentId!: string;

  @Index('uq_street_chief_active_resident', { unique: true })
  @Column({ name: 'active_resident_id', type: 'varchar', length: 36, nullable: true })
  activeResidentId!: string | null;

  @Column({ type: 'varchar', length: 50 })
  name!: string;

  @Column({ type: 'varchar', length: 20 })
  status!: ChiefStatus;

  @Column({ name: 'nomination_count', type: 'int' })
  nominationCount!: number;

  @Column({ name: 'vetting_notes', type: 'text', nullable: true })
  vettingNotes!: string | null;

  /** JSON array of the opinions collected during vetting. */
  @Column({ name: 'vetting_opinions', type: 'text', nullable: true })
  vettingOpinions!: string | null;

  @Column({ name: 'vetting_passed', type: 'boolean', nullable: true })
  vettingPassed!: boolean | null;

  @Column({ name: 'filed_on', type: 'datetime', precision: 3, nullable: true })
  filedOn!: Date | null;

  @Column({ name: 'filing_document', type: 'varchar', length: 50, nullable: true })
  filingDocument!: string | null;

  /** The grid of the appointment; kept after retirement for history. */
  @Column({ name: 'grid_id', type: 'varchar', length: 36, nullable: true })
  gridId!: string | null;

  @Index('uq_street_chief_held_grid', { unique: true })
  @Column({ name: 'held_grid_id', type: 'varchar', length: 36, nullable: true })
  heldGridId!: string | null;

  @Column({ type: 'varchar', length: 20, nullable: true })
  badge!: string | null;

  @Index('uq_street_chief_active_badge', { unique: true })
  @Column({ name: 'active_badge', type: 'varchar', length: 20, nullable: true })
  activeBadge!: string | null;

  /** Public contact phone, given at appointment and shown only while appointed. */
  @Column({ type: 'varchar', length: 20, nullable: true })
  phone!: string | null;

  @Column({ name: 'term_start', type: 'datetime', precision: 3, nullable: true })
  termStart!: Date | null;

  @Column({ name: 'term_end', type: 'datetime', precision: 3, nullable: true })
  termEnd!: Date | null;

  /** Creation order; the pagination cursor. */
  @Index('uq_street_chief_sort_key', { unique: true })
  @Column({ name: 'sort_key', type: 'varchar', length: 64 })
  sortKey!: string;

  @Column({ type: 'int' })
  version!: number;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}

/** One resident's recommendation (群众推荐) of a candidate; one per resident per candidate. */
@Entity({ name: 'chief_nomination' })
@Index('uq_chief_nomination', ['chiefId', 'nominatorResidentId'], { unique: true })
export class ChiefNomination {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'chief_id', type: 'varchar', length: 36 })
  chiefId!: string;

  @Column({ name: 'nominator_resident_id', type: 'varchar', length: 36 })
  nominatorResidentId!: string;

  /** Account that recorded it (the resident themself, or community staff on their behalf). */
  @Column({ type: 'varchar', length: 36 })
  actor!: string;

  @Column({ type: 'varchar', length: 200 })
  reason!: string;

  @Column({ type: 'datetime', precision: 3 })
  at!: Date;
}

/** Every transition of a chief, with who, when and why; nothing is ever deleted. */
@Entity({ name: 'chief_transition' })
@Index('ix_chief_transition_chief', ['chiefId', 'seq'], { unique: true })
export class ChiefTransition {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'chief_id', type: 'varchar', length: 36 })
  chiefId!: string;

  /** 1, 2, 3… per chief: the chief's version after the transition. */
  @Column({ type: 'int' })
  seq!: number;

  @Column({ type: 'varchar', length: 20 })
  action!: string;

  @Column({ name: 'from_status', type: 'varchar', length: 20, nullable: true })
  fromStatus!: ChiefStatus | null;

  @Column({ name: 'to_status', type: 'varchar', length: 20 })
  toStatus!: ChiefStatus;

  @Column({ type: 'varchar', length: 36 })
  actor!: string;

  @Column({ type: 'varchar', length: 500 })
  reason!: string;

  @Column({ type: 'datetime', precision: 3 })
  at!: Date;
}
