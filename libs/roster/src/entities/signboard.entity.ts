import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A signboard (公示牌). Its content is derived from the roster; `contentHash` is the hash of the
 * content when last checked and `printedHash` the one on the printed board, so "out of date" is a
 * stored flag that the roster changes flip (and that an index can filter on).
 */
@Entity({ name: 'signboard' })
@Index('ix_signboard_out_of_date', ['outOfDate', 'code'])
export class Signboard {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** Short public code, e.g. `CC-SB-01`; the pagination cursor. */
  @Index('uq_signboard_code', { unique: true })
  @Column({ type: 'varchar', length: 20 })
  code!: string;

  /** Where it stands: a place (street or courtyard, resident group, community). */
  @Index('ix_signboard_place')
  @Column({ name: 'place_id', type: 'varchar', length: 36 })
  placeId!: string;

  @Column({ name: 'location', type: 'varchar', length: 100 })
  location!: string;

  /** The place whose grids the board shows (community, resident group or street). */
  @Index('ix_signboard_scope')
  @Column({ name: 'scope_place_id', type: 'varchar', length: 36 })
  scopePlaceId!: string;

  @Column({ name: 'printed_version', type: 'int' })
  printedVersion!: number;

  @Column({ name: 'printed_hash', type: 'varchar', length: 64 })
  printedHash!: string;

  @Column({ name: 'printed_at', type: 'datetime', precision: 3 })
  printedAt!: Date;

  @Column({ name: 'content_hash', type: 'varchar', length: 64 })
  contentHash!: string;

  @Column({ name: 'out_of_date', type: 'boolean' })
  outOfDate!: boolean;

  @Column({ name: 'out_of_date_since', type: 'datetime', precision: 3, nullable: true })
  outOfDateSince!: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
