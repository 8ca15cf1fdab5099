import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const HOUSINGS = ['OWNED', 'RENTED', 'PUBLIC', 'OTHER'] as const;
export type Housing = (typeof HOUSINGS)[number];
export const HOUSEHOLD_STATUSES = ['ACTIVE', 'DISSOLVED'] as const;
export type HouseholdStatus = (typeof HOUSEHOLD_STATUSES)[number];
export const RELATIONSHIPS = [
  'HEAD',
  'SPOUSE',
  'CHILD',
  'PARENT',
  'GRANDCHILD',
  'GRANDPARENT',
  'SIBLING',
  'TENANT',
  'OTHER',
] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];

/** 户: a household at a standard address, with its head and housing. */
@Entity({ name: 'household' })
@Index('ix_household_street', ['streetId', 'status'])
@Index('ix_household_courtyard', ['courtyardId', 'status'])
// orderBy ENTRY_DATE (ADR 0051).
@Index('ix_household_order_entry', ['status', 'entryDate', 'id'])
export class Household {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id!: string;

  @Index('ix_household_address')
  @Column({ name: 'address_id', type: 'varchar', length: 36 })
  addressId!: string;

  @Column({ name: 'street_id', type: 'varchar', length: 36 })
  streetId!: string;

  @Column({ name: 'courtyard_id', type: 'varchar', length: 36, nullable: true })
  courtyardId!: string | null;

  @Column({ name: 'head_resident_id', type: 'varchar', length: 36, nullable: true })
  headResidentId!: string | null;

  @Column({ name: 'housing', type: 'varchar', length: 20 })
  housing!: Housing;

  /** The landlord of a rented home, when known: a resident of the system. */
  @Column({ name: 'landlord_resident_id', type: 'varchar', length: 36, nullable: true })
  landlordResidentId!: string | null;

  @Column({ name: 'entry_date', type: 'date' })
  entryDate!: string;

  @Column({ name: 'status', type: 'varchar', length: 20 })
  status!: HouseholdStatus;

  @Column({ name: 'is_test_data', type: 'boolean', default: false })
  isTestData!: boolean;

  @Column({ name: 'version', type: 'int' })
  version!: number;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}

/**
 * A resident's membership of a household, current or past (history is kept). `activeResidentId`
 * equals `residentId` while the membership is current and is NULL once it ended: its unique index
 * makes "a resident belongs to at most one household at a time" (and so "never twice in one
 * household") a database guarantee, under concurrent requests too.
 */
@Entity({ name: 'household_member' })
@Index('ix_member_household', ['householdId', 'leftAt'])
@Index('ix_member_resident', ['residentId', 'joinedAt'])
export class HouseholdMember {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'household_id', type: 'varchar', length: 36 })
  householdId!: string;

  @Column({ name: 'resident_id', type: 'varchar', length: 36 })
  residentId!: string;

  @Index('uq_member_active_resident', { unique: true })
  @Column({ name: 'active_resident_id', type: 'varchar', length: 36, nullable: true })
  activeResidentId!: string | null;

  @Column({ name: 'relationship', type: 'varchar', length: 20 })
  relationship!: Relationship;

  @Column({ name: 'joined_at', type: 'datetime', precision: 3 })
  joinedAt!: Date;

  @Column({ name: 'left_at', type: 'datetime', precision: 3, nullable: true })
  leftAt!: Date | null;

  @Column({ name: 'is_test_data', type: 'boolean', default: false })
  isTestData!: boolean;
}
