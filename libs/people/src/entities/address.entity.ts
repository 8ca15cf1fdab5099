import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * 标准地址: street + courtyard (roster places, by id) + building + unit + door. The door number is
 * personal data (it locates a family): stored encrypted with a masked copy. `addressKey` is the
 * blind index of the canonical form (see domain/address.ts), unique, so one address exists once
 * without storing the door in clear; `code` is the public canonical code derived from it.
 */
@Entity({ name: 'standard_address' })
@Index('ix_address_place', ['streetId', 'courtyardId', 'building'])
export class StandardAddress {
  /**
   * Storage key only, never shown: every secondary index entry carries the primary key, and 8 bytes
   * instead of a 36-character UUID halve the unique indexes a bulk import keeps in memory (ADR 0011).
   * Everything else refers to the address by `id`.
   */
  @PrimaryGeneratedColumn('increment', { type: 'bigint', name: 'seq' })
  seq?: string;

  /** The address's id (UUIDv7 for imported rows), used by the API, events and every reference. */
  @Index('uq_address_id', { unique: true })
  @Column({ name: 'id', type: 'varchar', length: 36 })
  id!: string;

  /**
   * Derived from `addressKey` (its first 16 hex digits): not indexed on its own, a lookup by code is a
   * prefix range on `uq_address_key` (`address_key LIKE '<16 hex>%'`).
   */
  @Column({ name: 'code', type: 'varchar', length: 40 })
  code!: string;

  @Index('uq_address_key', { unique: true })
  @Column({ name: 'address_key', type: 'varchar', length: 24 })
  addressKey!: string;

  @Column({ name: 'street_id', type: 'varchar', length: 36 })
  streetId!: string;

  @Column({ name: 'courtyard_id', type: 'varchar', length: 36, nullable: true })
  courtyardId!: string | null;

  /** Building (栋/号楼), e.g. `3`; empty string for a single-building courtyard. */
  @Column({ name: 'building', type: 'varchar', length: 20 })
  building!: string;

  /** Unit (单元), e.g. `2`; empty string when the building has none. */
  @Column({ name: 'unit', type: 'varchar', length: 20 })
  unit!: string;

  @Column({ name: 'door_enc', type: 'varchar', length: 255 })
  doorEnc!: string;

  @Column({ name: 'door_masked', type: 'varchar', length: 20 })
  doorMasked!: string;

  @Column({ name: 'key_id', type: 'varchar', length: 20 })
  keyId!: string;

  @Column({ name: 'is_test_data', type: 'boolean', default: false })
  isTestData!: boolean;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
