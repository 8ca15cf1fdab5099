import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A grid (网格): the streets and courtyards in one chief's charge. */
@Entity({ name: 'grid' })
@Index('uq_grid_name', ['communityId', 'name'], { unique: true })
// orderBy NAME of `grids` (ADR 0051).
@Index('ix_grid_order_name', ['name', 'id'])
export class Grid {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'community_id', type: 'varchar', length: 36 })
  communityId!: string;

  @Column({ type: 'varchar', length: 50 })
  name!: string;

  /** Creation order; the pagination cursor (unique, sorts as text). */
  @Index('uq_grid_sort_key', { unique: true })
  @Column({ name: 'sort_key', type: 'varchar', length: 64 })
  sortKey!: string;

  /** Bumped by every membership change; also the row every change of the grid locks first. */
  @Column({ type: 'int' })
  version!: number;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}

/**
 * Current membership: the primary key on the place makes "a place belongs to at most one grid at a
 * time" a database rule.
 */
@Entity({ name: 'grid_member' })
@Index('ix_grid_member_grid', ['gridId', 'kind', 'sortKey'])
export class GridMember {
  @PrimaryColumn({ name: 'place_id', type: 'varchar', length: 36 })
  placeId!: string;

  @Column({ name: 'grid_id', type: 'varchar', length: 36 })
  gridId!: string;

  @Column({ type: 'varchar', length: 20 })
  kind!: 'STREET' | 'COURTYARD';

  /** The place's sort key, copied so a grid's streets list in official order from this index. */
  @Column({ name: 'sort_key', type: 'varchar', length: 40 })
  sortKey!: string;

  @Column({ name: 'added_at', type: 'datetime', precision: 3 })
  addedAt!: Date;
}

/** History of a grid: the full membership after every change, with who, when and why. */
@Entity({ name: 'grid_change' })
@Index('ix_grid_change_grid', ['gridId', 'version'], { unique: true })
export class GridChange {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'grid_id', type: 'varchar', length: 36 })
  gridId!: string;

  @Column({ type: 'int' })
  version!: number;

  @Column({ type: 'varchar', length: 50 })
  name!: string;

  /** JSON array of street ids. */
  @Column({ name: 'street_ids', type: 'text' })
  streetIds!: string;

  /** JSON array of courtyard ids. */
  @Column({ name: 'courtyard_ids', type: 'text' })
  courtyardIds!: string;

  @Column({ type: 'varchar', length: 36 })
  actor!: string;

  @Column({ type: 'varchar', length: 200 })
  reason!: string;

  @Column({ type: 'datetime', precision: 3 })
  at!: Date;
}
