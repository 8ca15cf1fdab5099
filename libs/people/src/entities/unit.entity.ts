import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const UNIT_KINDS = ['MERCHANT', 'SCHOOL', 'KINDERGARTEN', 'CLINIC', 'ORGANISATION', 'OTHER'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];
export const UNIT_STATUSES = ['ACTIVE', 'CLOSED'] as const;
export type UnitStatus = (typeof UNIT_STATUSES)[number];
export const INSPECTION_RESULTS = ['PASSED', 'HAZARDS_FOUND'] as const;
export type InspectionResult = (typeof INSPECTION_RESULTS)[number];

/**
 * 实有单位: a business or organisation. The licence number is public (printed on the licence);
 * the contact person's phone is personal data and stored like a resident's.
 */
@Entity({ name: 'real_unit' })
@Index('ix_unit_street', ['streetId', 'status', 'kind'])
// orderBy NAME (ADR 0051).
@Index('ix_unit_order_name', ['status', 'name', 'id'])
@Index('ix_unit_courtyard', ['courtyardId', 'status'])
export class RealUnit {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id!: string;

  @Index('ix_unit_name')
  @Column({ name: 'name', type: 'varchar', length: 100 })
  name!: string;

  @Column({ name: 'kind', type: 'varchar', length: 20 })
  kind!: UnitKind;

  @Index('uq_unit_licence', { unique: true })
  @Column({ name: 'licence_number', type: 'varchar', length: 40, nullable: true })
  licenceNumber!: string | null;

  @Column({ name: 'contact_name', type: 'varchar', length: 50, nullable: true })
  contactName!: string | null;

  @Column({ name: 'contact_phone_enc', type: 'varchar', length: 255, nullable: true })
  contactPhoneEnc!: string | null;

  @Column({ name: 'contact_phone_masked', type: 'varchar', length: 20, nullable: true })
  contactPhoneMasked!: string | null;

  @Column({ name: 'key_id', type: 'varchar', length: 20, nullable: true })
  keyId!: string | null;

  @Column({ name: 'address_id', type: 'varchar', length: 36 })
  addressId!: string;

  @Column({ name: 'street_id', type: 'varchar', length: 36 })
  streetId!: string;

  @Column({ name: 'courtyard_id', type: 'varchar', length: 36, nullable: true })
  courtyardId!: string | null;

  @Column({ name: 'status', type: 'varchar', length: 20 })
  status!: UnitStatus;

  @Column({ name: 'is_test_data', type: 'boolean', default: false })
  isTestData!: boolean;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}

/** A safety-check visit (安全检查) to a unit by a chief or staff member. */
@Entity({ name: 'unit_inspection' })
@Index('ix_inspection_unit', ['unitId', 'visitedAt'])
export class UnitInspection {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'unit_id', type: 'varchar', length: 36 })
  unitId!: string;

  /** Account id of the visitor. */
  @Column({ name: 'inspector', type: 'varchar', length: 64 })
  inspector!: string;

  @Column({ name: 'visited_at', type: 'datetime', precision: 3 })
  visitedAt!: Date;

  @Column({ name: 'result', type: 'varchar', length: 20 })
  result!: InspectionResult;

  @Column({ name: 'hazards', type: 'int' })
  hazards!: number;

  @Column({ name: 'notes', type: 'varchar', length: 500 })
  notes!: string;
}
