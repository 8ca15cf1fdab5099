import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { CalendarDayKind } from '../domain/calendar';
import type { Confirmation, DefaultAssignee, LimitUnit } from '../domain/taxonomy';

/** A category of the taxonomy (大类), e.g. 消防安全. */
@Entity({ name: 'case_category' })
export class CaseCategory {
  @PrimaryColumn({ type: 'varchar', length: 30 })
  code!: string;

  @Column({ type: 'varchar', length: 30 })
  name!: string;

  @Column({ type: 'int' })
  sort!: number;
}

/** An item of the taxonomy (项): its code and the version new cases are filed under. */
@Entity({ name: 'case_item' })
@Index('ix_case_item_category', ['categoryCode', 'sort'])
export class CaseItem {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  code!: string;

  @Column({ name: 'category_code', type: 'varchar', length: 30 })
  categoryCode!: string;

  @Column({ type: 'int' })
  sort!: number;

  /** The version new cases get; every edit adds a version and moves this on. */
  @Column({ name: 'current_version', type: 'int' })
  currentVersion!: number;
}

/**
 * One version of an item: names and limits as they were between two edits. Never updated: an
 * edit inserts the next version, so a filed case's limits never change (ADR 0017).
 */
@Entity({ name: 'case_item_version' })
export class CaseItemVersion {
  @PrimaryColumn({ name: 'item_code', type: 'varchar', length: 40 })
  itemCode!: string;

  @PrimaryColumn({ type: 'int' })
  version!: number;

  @Column({ name: 'category_code', type: 'varchar', length: 30 })
  categoryCode!: string;

  @Column({ type: 'varchar', length: 40 })
  name!: string;

  @Column({ name: 'respond_limit', type: 'int' })
  respondLimit!: number;

  @Column({ name: 'respond_unit', type: 'varchar', length: 12 })
  respondUnit!: LimitUnit;

  @Column({ name: 'resolve_limit', type: 'int' })
  resolveLimit!: number;

  @Column({ name: 'resolve_unit', type: 'varchar', length: 12 })
  resolveUnit!: LimitUnit;

  @Column({ type: 'varchar', length: 20 })
  confirmation!: Confirmation;

  @Column({ name: 'default_assignee', type: 'varchar', length: 20 })
  defaultAssignee!: DefaultAssignee;

  @Column({ type: 'boolean' })
  urgent!: boolean;

  /**
   * False from the version that retired the item (ADR 0048): no new case is filed or accepted under
   * it; cases filed before keep it. A later version may make it active again.
   */
  @Column({ type: 'boolean', default: true })
  active!: boolean;

  /** Account that made this version (`system` for the seeded version 1). */
  @Column({ type: 'varchar', length: 64 })
  actor!: string;

  @Column({ type: 'varchar', length: 200 })
  reason!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}

/** An exception of the working-day calendar: a public holiday, or a weekend day worked (调休). */
@Entity({ name: 'work_calendar_day' })
export class WorkCalendarDay {
  /** YYYY-MM-DD (China's date). */
  @PrimaryColumn({ type: 'varchar', length: 10 })
  day!: string;

  @Column({ type: 'varchar', length: 10 })
  kind!: CalendarDayKind;

  @Column({ type: 'varchar', length: 30 })
  name!: string;
}
