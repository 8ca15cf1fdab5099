import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const TRAINING_TOPICS = [
  'FIRE_DRILL',
  'FOOD_SAFETY',
  'CONFLICT_MEDIATION',
  'POLICY',
  'POPULATION_INFORMATION',
  'OTHER',
] as const;
export type TrainingTopic = (typeof TRAINING_TOPICS)[number];

/** A training session (业务培训) for chiefs. */
@Entity({ name: 'training' })
export class Training {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 30 })
  topic!: TrainingTopic;

  @Column({ type: 'varchar', length: 100 })
  title!: string;

  @Column({ name: 'held_at', type: 'datetime', precision: 3 })
  heldAt!: Date;

  @Column({ type: 'varchar', length: 50 })
  trainer!: string;

  /** `heldAt` ISO + id: the pagination cursor, newest last. */
  @Index('uq_training_sort_key', { unique: true })
  @Column({ name: 'sort_key', type: 'varchar', length: 70 })
  sortKey!: string;

  @Column({ type: 'varchar', length: 36 })
  actor!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}

/** Attendance of one chief at one session. */
@Entity({ name: 'training_attendance' })
@Index('ix_training_attendance_chief', ['chiefId', 'sortKey'])
export class TrainingAttendance {
  @PrimaryColumn({ name: 'training_id', type: 'varchar', length: 36 })
  trainingId!: string;

  @PrimaryColumn({ name: 'chief_id', type: 'varchar', length: 36 })
  chiefId!: string;

  /** The session's sort key, copied so a chief's history pages from this index. */
  @Column({ name: 'sort_key', type: 'varchar', length: 70 })
  sortKey!: string;
}

/** One patrol (巡查) of a street by a chief, with findings as free text and counts. */
@Entity({ name: 'patrol' })
@Index('ix_patrol_chief', ['chiefId', 'sortKey'])
@Index('ix_patrol_street', ['streetId', 'sortKey'])
export class Patrol {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'chief_id', type: 'varchar', length: 36 })
  chiefId!: string;

  @Column({ name: 'grid_id', type: 'varchar', length: 36 })
  gridId!: string;

  @Column({ name: 'street_id', type: 'varchar', length: 36 })
  streetId!: string;

  @Column({ name: 'patrolled_at', type: 'datetime', precision: 3 })
  patrolledAt!: Date;

  @Column({ type: 'varchar', length: 500 })
  route!: string;

  @Column({ type: 'text' })
  findings!: string;

  @Column({ name: 'hazard_count', type: 'int' })
  hazardCount!: number;

  @Column({ name: 'request_count', type: 'int' })
  requestCount!: number;

  @Column({ name: 'needs_action', type: 'boolean' })
  needsAction!: boolean;

  /** `patrolledAt` ISO + id: the pagination cursor. */
  @Index('uq_patrol_sort_key', { unique: true })
  @Column({ name: 'sort_key', type: 'varchar', length: 70 })
  sortKey!: string;

  @Column({ type: 'varchar', length: 36 })
  actor!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
