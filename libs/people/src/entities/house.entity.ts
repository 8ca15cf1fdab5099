import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const HOUSE_TYPES = ['RESIDENTIAL', 'SHOP', 'MIXED', 'OTHER'] as const;
export type HouseType = (typeof HOUSE_TYPES)[number];
export const HOUSE_USAGES = ['SELF_OCCUPIED', 'RENTED', 'COMMERCIAL', 'VACANT'] as const;
export type HouseUsage = (typeof HOUSE_USAGES)[number];

/** 实有房屋: a real house at a standard address, owned by a resident or a unit. */
@Entity({ name: 'house' })
@Index('ix_house_street', ['streetId', 'usage'])
export class House {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id!: string;

  @Index('uq_house_address', { unique: true })
  @Column({ name: 'address_id', type: 'varchar', length: 36 })
  addressId!: string;

  @Column({ name: 'street_id', type: 'varchar', length: 36 })
  streetId!: string;

  @Column({ name: 'courtyard_id', type: 'varchar', length: 36, nullable: true })
  courtyardId!: string | null;

  @Column({ name: 'type', type: 'varchar', length: 20 })
  type!: HouseType;

  @Column({ name: 'usage', type: 'varchar', length: 20 })
  usage!: HouseUsage;

  @Column({ name: 'owner_resident_id', type: 'varchar', length: 36, nullable: true })
  ownerResidentId!: string | null;

  @Column({ name: 'owner_unit_id', type: 'varchar', length: 36, nullable: true })
  ownerUnitId!: string | null;

  /**
   * 建筑面积 in m², when recorded: the weight of an owner in a homeowners' vote (民法典 §278 counts the
   * floor area of the participating owners). Decimal in the database, a number here.
   */
  @Column({
    name: 'floor_area',
    type: 'decimal',
    precision: 8,
    scale: 2,
    nullable: true,
    transformer: {
      to: (v: number | null | undefined) => v,
      from: (v: string | number | null) => (v === null || v === undefined ? null : Number(v)),
    },
  })
  floorArea!: number | null;

  @Column({ name: 'is_test_data', type: 'boolean', default: false })
  isTestData!: boolean;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
