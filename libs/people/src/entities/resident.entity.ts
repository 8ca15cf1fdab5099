import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const GENDERS = ['MALE', 'FEMALE'] as const;
export type Gender = (typeof GENDERS)[number];
/** 户籍 category: registered here, long-term migrant (外来常住), floating (流动). */
export const RESIDENT_CATEGORIES = ['REGISTERED', 'MIGRANT_LONG_TERM', 'FLOATING'] as const;
export type ResidentCategory = (typeof RESIDENT_CATEGORIES)[number];
export const RESIDENT_STATUSES = ['ACTIVE', 'MOVED_OUT', 'DECEASED'] as const;
export type ResidentStatus = (typeof RESIDENT_STATUSES)[number];
/** Needs a chief reports (work, medical, schooling, family visit). */
export const RESIDENT_NEEDS = ['WORK', 'MEDICAL', 'SCHOOLING', 'FAMILY_VISIT'] as const;
export type ResidentNeed = (typeof RESIDENT_NEEDS)[number];

/**
 * 实有人口: one real resident. Personal data (ID-card number, phone) is stored only encrypted
 * (`*_enc`, AES-256-GCM token that names its key id), with a keyed blind index (`*_bidx`) for exact
 * lookups and a masked copy (`*_masked`) so that lists never decrypt anything.
 *
 * `street_id`/`courtyard_id` are copied from the current address so that filters, grid checks and
 * statistics are one indexed query without joins.
 */
@Entity({ name: 'resident' })
@Index('ix_resident_street', ['streetId', 'status', 'category'])
@Index('ix_resident_courtyard', ['courtyardId', 'status', 'category'])
@Index('ix_resident_status_origin', ['status', 'category', 'origin'])
// orderBy NAME and MOVED_IN (ADR 0051): the list's status, then the sort value, then the tie-breaker.
@Index('ix_resident_order_name', ['status', 'name', 'id'])
@Index('ix_resident_order_moved_in', ['status', 'movedInAt', 'id'])
export class Resident {
  /**
   * Storage key only, never shown: every secondary index entry carries the primary key, and 8 bytes
   * instead of a 36-character UUID halve the unique indexes a bulk import keeps in memory (ADR 0011).
   * Everything else refers to the resident by `id`.
   */
  @PrimaryGeneratedColumn('increment', { type: 'bigint', name: 'seq' })
  seq?: string;

  /** The resident's id (UUIDv7 for imported rows), used by the API, events and every reference. */
  @Index('uq_resident_id', { unique: true })
  @Column({ name: 'id', type: 'varchar', length: 36 })
  id!: string;

  /** Prefix search: `name LIKE 'x%'` is a range scan on this index. */
  @Index('ix_resident_name')
  @Column({ name: 'name', type: 'varchar', length: 50 })
  name!: string;

  @Column({ name: 'gender', type: 'varchar', length: 10 })
  gender!: Gender;

  /**
   * Year of birth, the only part of the birth date stored in clear. The whole date is digits 7–14 of the
   * ID-card number: next to the masked number (first 4 and last 4 digits) and the 户籍地 it would narrow the
   * number to a handful of candidates in a dump. It is read from the decrypted number when revealed.
   */
  @Column({ name: 'birth_year', type: 'smallint' })
  birthYear!: number;

  @Column({ name: 'id_number_enc', type: 'varchar', length: 255 })
  idNumberEnc!: string;

  /** HMAC of the normalised ID number: one person, one record. */
  @Index('uq_resident_id_number_bidx', { unique: true })
  @Column({ name: 'id_number_bidx', type: 'varchar', length: 24 })
  idNumberBidx!: string;

  /** e.g. `5101**********1234`. */
  @Column({ name: 'id_number_masked', type: 'varchar', length: 20 })
  idNumberMasked!: string;

  @Column({ name: 'phone_enc', type: 'varchar', length: 255, nullable: true })
  phoneEnc!: string | null;

  @Index('ix_resident_phone_bidx')
  @Column({ name: 'phone_bidx', type: 'varchar', length: 24, nullable: true })
  phoneBidx!: string | null;

  /** e.g. `138****5678`. */
  @Column({ name: 'phone_masked', type: 'varchar', length: 20, nullable: true })
  phoneMasked!: string | null;

  /**
   * Key id the `*_enc` columns were written with, so a rotation can tell what to re-encrypt. Not indexed:
   * a rotation walks the table by primary key anyway, and every index costs each write.
   */
  @Column({ name: 'key_id', type: 'varchar', length: 20 })
  keyId!: string;

  /** 户籍地: county or city of household registration, e.g. 汉源县 (not an exact address). */
  @Column({ name: 'origin', type: 'varchar', length: 50 })
  origin!: string;

  @Column({ name: 'category', type: 'varchar', length: 20 })
  category!: ResidentCategory;

  @Column({ name: 'status', type: 'varchar', length: 20 })
  status!: ResidentStatus;

  /** Comma-separated {@link ResidentNeed}s; empty when none. */
  @Column({ name: 'needs', type: 'varchar', length: 100 })
  needs!: string;

  /** Languages or dialects spoken, comma-separated (optional). */
  @Column({ name: 'languages', type: 'varchar', length: 100, nullable: true })
  languages!: string | null;

  @Index('ix_resident_address')
  @Column({ name: 'address_id', type: 'varchar', length: 36, nullable: true })
  addressId!: string | null;

  @Column({ name: 'street_id', type: 'varchar', length: 36, nullable: true })
  streetId!: string | null;

  @Column({ name: 'courtyard_id', type: 'varchar', length: 36, nullable: true })
  courtyardId!: string | null;

  /**
   * Current household (denormalised from the active membership). Not indexed: members are found through
   * `household_member` (ix_member_household); nothing filters residents by this column.
   */
  @Column({ name: 'household_id', type: 'varchar', length: 36, nullable: true })
  householdId!: string | null;

  /** Generated demo or import test data (fake ID numbers); never mixed up with real records. */
  @Column({ name: 'is_test_data', type: 'boolean', default: false })
  isTestData!: boolean;

  @Column({ name: 'moved_in_at', type: 'date', nullable: true })
  movedInAt!: string | null;

  @Column({ name: 'moved_out_at', type: 'date', nullable: true })
  movedOutAt!: string | null;

  @Column({ name: 'version', type: 'int' })
  version!: number;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
