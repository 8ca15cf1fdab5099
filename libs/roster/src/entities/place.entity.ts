import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const PLACE_KINDS = ['COMMUNITY', 'RESIDENT_GROUP', 'STREET', 'COURTYARD'] as const;
export type PlaceKind = (typeof PLACE_KINDS)[number];
export type PlaceStatus = 'ACTIVE' | 'RETIRED';

/**
 * Every place of the roster in one table: community › resident group › street › courtyard.
 * One table keeps the hierarchy rules (unique names among siblings, ordering, retirement) in one
 * place; the GraphQL types stay separate.
 *
 * `sortKey` is the materialised path of ordinals (`0001.0002.0013`): listing any kind under any
 * ancestor in official order is one index range scan, and it doubles as the pagination cursor.
 * `activeName` equals `name` while the place is active and is NULL once retired, so the unique index
 * on it forbids two active siblings of the same name but lets a retired name be reused.
 */
@Entity({ name: 'place' })
@Index('uq_place_active_name', ['parentKey', 'kind', 'activeName'], { unique: true })
@Index('ix_place_parent', ['kind', 'parentId', 'status', 'sortKey'])
@Index('ix_place_community', ['kind', 'communityId', 'status', 'sortKey'])
// orderBy NAME of `streets`/`communities`, alone or under an owner (ADR 0051).
@Index('ix_place_order_name', ['kind', 'status', 'name', 'id'])
@Index('ix_place_parent_order_name', ['kind', 'parentId', 'status', 'name', 'id'])
@Index('ix_place_community_order_name', ['kind', 'communityId', 'status', 'name', 'id'])
export class Place {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 20 })
  kind!: PlaceKind;

  /** Only communities have a code (e.g. `caichang`). */
  @Index('uq_place_code', { unique: true })
  @Column({ type: 'varchar', length: 40, nullable: true })
  code!: string | null;

  @Column({ type: 'varchar', length: 50 })
  name!: string;

  @Column({ name: 'active_name', type: 'varchar', length: 50, nullable: true })
  activeName!: string | null;

  @Column({ name: 'parent_id', type: 'varchar', length: 36, nullable: true })
  parentId!: string | null;

  /** The parent id, or `root` for communities (a unique index treats NULLs as distinct). */
  @Column({ name: 'parent_key', type: 'varchar', length: 36 })
  parentKey!: string;

  @Column({ name: 'community_id', type: 'varchar', length: 36 })
  communityId!: string;

  @Index('uq_place_sort_key', { unique: true })
  @Column({ name: 'sort_key', type: 'varchar', length: 40 })
  sortKey!: string;

  @Column({ type: 'varchar', length: 10 })
  status!: PlaceStatus;

  @Column({ type: 'int' })
  version!: number;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;

  @Column({ name: 'retired_at', type: 'datetime', precision: 3, nullable: true })
  retiredAt!: Date | null;

  @Column({ name: 'retired_reason', type: 'varchar', length: 200, nullable: true })
  retiredReason!: string | null;
}
