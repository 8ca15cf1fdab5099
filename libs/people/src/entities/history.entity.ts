import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import '@sc/events'; // teaches the SQLite driver the bigint auto-increment key (see sqlite-bigint.ts)

export const MOVE_KINDS = ['MOVE_IN', 'MOVE_OUT', 'HOUSEHOLD_CHANGE'] as const;
export type MoveKind = (typeof MOVE_KINDS)[number];

/** One move of a resident, kept for history (the current state is on `resident`). */
@Entity({ name: 'resident_move' })
@Index('ix_move_resident', ['residentId', 'occurredAt'])
export class ResidentMove {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'resident_id', type: 'varchar', length: 36 })
  residentId!: string;

  @Column({ name: 'kind', type: 'varchar', length: 20 })
  kind!: MoveKind;

  @Column({ name: 'occurred_on', type: 'date' })
  occurredOn!: string;

  /** Where from (move-in) or where to (move-out): a county or city, never an exact address. */
  @Column({ name: 'place', type: 'varchar', length: 50, nullable: true })
  place!: string | null;

  @Column({ name: 'from_household_id', type: 'varchar', length: 36, nullable: true })
  fromHouseholdId!: string | null;

  @Column({ name: 'to_household_id', type: 'varchar', length: 36, nullable: true })
  toHouseholdId!: string | null;

  @Column({ name: 'actor', type: 'varchar', length: 64 })
  actor!: string;

  @Column({ name: 'occurred_at', type: 'datetime', precision: 3 })
  occurredAt!: Date;
}

/**
 * One whole view of personal data: who saw which fields of whom, when and why. Written in the same
 * request as the view; never updated or deleted by the service.
 */
@Entity({ name: 'access_log' })
@Index('ix_access_resident', ['residentId', 'seq'])
export class AccessLogEntry {
  /** Insertion order; the pagination key (a number below 2^53, read as one). */
  @PrimaryGeneratedColumn('increment', { type: 'bigint', name: 'seq' })
  seq!: number;

  /** Account id (token subject) of the viewer. */
  @Index('ix_access_actor')
  @Column({ name: 'actor', type: 'varchar', length: 64 })
  actor!: string;

  @Column({ name: 'roles', type: 'varchar', length: 200 })
  roles!: string;

  /** Resident whose data was shown (for a unit's contact: null, see `unitId`). */
  @Column({ name: 'resident_id', type: 'varchar', length: 36, nullable: true })
  residentId!: string | null;

  @Column({ name: 'unit_id', type: 'varchar', length: 36, nullable: true })
  unitId!: string | null;

  /** Comma-separated field names, e.g. `idNumber,phone`. */
  @Column({ name: 'fields', type: 'varchar', length: 100 })
  fields!: string;

  /** The GraphQL operation name (or `anonymous`). */
  @Column({ name: 'operation', type: 'varchar', length: 100 })
  operation!: string;

  /** The purpose the viewer gave. */
  @Column({ name: 'purpose', type: 'varchar', length: 200 })
  purpose!: string;

  /** Token id, to tie entries to one session. */
  @Column({ name: 'token_id', type: 'varchar', length: 64 })
  tokenId!: string;

  @Column({ name: 'at', type: 'datetime', precision: 3 })
  at!: Date;
}
