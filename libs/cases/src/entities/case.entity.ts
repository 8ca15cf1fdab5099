import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { CaseChannel, CaseOutcome, CaseState } from '@sc/cases-contracts';

export type AssigneeKind = 'CHIEF' | 'STAFF' | 'DEPARTMENT' | 'TOWN';
export type EscalationLevel = 'NONE' | 'TOWN' | 'COUNTY';
export type ClosedBy = 'RATING' | 'RECTIFICATION_CHECK' | 'NO_RATING';

/**
 * A case (诉求/隐患/事件) from report to close. Places and people are other services' ids, checked
 * against local read models before anything is written. `itemCode`/`itemVersion` are the taxonomy
 * item the deadlines come from (fixed at accept, ADR 0017). The table is named `case_record`:
 * `case` is an SQL keyword.
 *
 * `sortKey` (`<reportedAt ISO>~<id>`) is the list order, newest first, and the cursor. The sweeper's
 * indexes lead with (flag[, responded_at], status): answered or closed cases never marked overdue are
 * not scanned by the sweep.
 */
@Entity({ name: 'case_record' })
@Index('ix_case_status', ['status', 'sortKey'])
@Index('ix_case_grid', ['gridId', 'sortKey'])
@Index('ix_case_street', ['streetId', 'sortKey'])
@Index('ix_case_street_status', ['streetId', 'status', 'sortKey'])
@Index('ix_case_grid_status', ['gridId', 'status', 'sortKey'])
@Index('ix_case_community', ['communityId', 'sortKey'])
@Index('ix_case_reporter', ['reporterResidentId', 'sortKey'])
@Index('ix_case_item', ['itemCode', 'sortKey'])
@Index('ix_case_category', ['categoryCode', 'sortKey'])
@Index('ix_case_escalation', ['escalationLevel', 'sortKey'])
@Index('ix_case_respond_due', ['respondOverdue', 'respondedAt', 'status', 'respondDueAt'])
@Index('ix_case_resolve_due', ['resolveOverdue', 'status', 'resolveDueAt'])
@Index('ix_case_courtyard', ['courtyardId', 'status'])
@Index('ix_case_item_geo', ['itemCode', 'latitude', 'longitude'])
@Index('ix_case_respond_warn', ['respondWarned', 'respondedAt', 'status', 'respondWarnAt'])
@Index('ix_case_resolve_warn', ['resolveWarned', 'status', 'resolveWarnAt'])
@Index('ix_case_resolved_wait', ['status', 'resolvedAt'])
// orderBy REPORTED, DUE, UPDATED (ADR 0051; `ix_case_order_updated` also serves Open311's `updated_after`): community-wide, and within a chief's grid.
@Index('ix_case_order_reported', ['reportedAt', 'id'])
@Index('ix_case_order_due', ['resolveDueAt', 'id'])
@Index('ix_case_order_updated', ['updatedAt', 'id'])
@Index('ix_case_grid_order_reported', ['gridId', 'reportedAt', 'id'])
@Index('ix_case_grid_order_due', ['gridId', 'resolveDueAt', 'id'])
@Index('ix_case_grid_order_updated', ['gridId', 'updatedAt', 'id'])
export class CaseRecord {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 20 })
  status!: CaseState;

  @Column({ type: 'int' })
  version!: number;

  @Column({ type: 'varchar', length: 20 })
  channel!: CaseChannel;

  @Column({ name: 'item_code', type: 'varchar', length: 40, nullable: true })
  itemCode!: string | null;

  @Column({ name: 'item_version', type: 'int', nullable: true })
  itemVersion!: number | null;

  @Column({ name: 'category_code', type: 'varchar', length: 30, nullable: true })
  categoryCode!: string | null;

  @Column({ name: 'community_id', type: 'varchar', length: 36 })
  communityId!: string;

  @Column({ name: 'street_id', type: 'varchar', length: 36 })
  streetId!: string;

  @Column({ name: 'courtyard_id', type: 'varchar', length: 36, nullable: true })
  courtyardId!: string | null;

  /** The grid the place belonged to when the case was routed; null: uncovered. */
  @Column({ name: 'grid_id', type: 'varchar', length: 36, nullable: true })
  gridId!: string | null;

  /** Free description of the spot (e.g. 正街 23 号门口). */
  @Column({ type: 'varchar', length: 200 })
  spot!: string;

  @Column({ type: 'double', nullable: true })
  latitude!: number | null;

  @Column({ type: 'double', nullable: true })
  longitude!: number | null;

  @Column({ type: 'text' })
  description!: string;

  /** The reporter (a people id), null when anonymous. Never in the public view nor in events. */
  @Column({ name: 'reporter_resident_id', type: 'varchar', length: 36, nullable: true })
  reporterResidentId!: string | null;

  /** Account that recorded the report (the resident, or the chief/staff on their behalf). */
  @Column({ name: 'reported_by', type: 'varchar', length: 64 })
  reportedBy!: string;

  @Column({ name: 'reported_at', type: 'datetime', precision: 3 })
  reportedAt!: Date;

  /** The 12345 hotline's referral number (unique). */
  @Index('uq_case_external_number', { unique: true })
  @Column({ name: 'external_number', type: 'varchar', length: 40, nullable: true })
  externalNumber!: string | null;

  /** The roster patrol a finding came from (unique: one case per finding, redelivery harmless). */
  @Index('uq_case_patrol', { unique: true })
  @Column({ name: 'patrol_id', type: 'varchar', length: 36, nullable: true })
  patrolId!: string | null;

  @Column({ name: 'accepted_at', type: 'datetime', precision: 3, nullable: true })
  acceptedAt!: Date | null;

  @Column({ name: 'respond_due_at', type: 'datetime', precision: 3, nullable: true })
  respondDueAt!: Date | null;

  @Column({ name: 'resolve_due_at', type: 'datetime', precision: 3, nullable: true })
  resolveDueAt!: Date | null;

  /** First assignment: the response (签收). */
  @Column({ name: 'responded_at', type: 'datetime', precision: 3, nullable: true })
  respondedAt!: Date | null;

  @Column({ name: 'resolved_at', type: 'datetime', precision: 3, nullable: true })
  resolvedAt!: Date | null;

  @Column({ name: 'closed_at', type: 'datetime', precision: 3, nullable: true })
  closedAt!: Date | null;

  @Column({ name: 'assignee_kind', type: 'varchar', length: 12, nullable: true })
  assigneeKind!: AssigneeKind | null;

  /** Chief id when assigned to a chief. */
  @Index('ix_case_assignee')
  @Column({ name: 'assignee_id', type: 'varchar', length: 36, nullable: true })
  assigneeId!: string | null;

  /** Department name, or the staff member's account, as given. */
  @Column({ name: 'assignee_name', type: 'varchar', length: 60, nullable: true })
  assigneeName!: string | null;

  @Column({ name: 'escalation_level', type: 'varchar', length: 8 })
  escalationLevel!: EscalationLevel;

  @Column({ type: 'varchar', length: 24, nullable: true })
  outcome!: CaseOutcome | null;

  /** With whom it was referred (outcome NOT_OUR_RESPONSIBILITY). */
  @Column({ name: 'referred_to', type: 'varchar', length: 60, nullable: true })
  referredTo!: string | null;

  /** What was done (the latest resolution). */
  @Column({ type: 'text', nullable: true })
  resolution!: string | null;

  @Column({ type: 'int', nullable: true })
  rating!: number | null;

  @Column({ name: 'closed_by', type: 'varchar', length: 20, nullable: true })
  closedBy!: ClosedBy | null;

  @Column({ name: 'duplicate_of_id', type: 'varchar', length: 36, nullable: true })
  duplicateOfId!: string | null;

  @Column({ name: 'respond_overdue', type: 'boolean' })
  respondOverdue!: boolean;

  @Column({ name: 'resolve_overdue', type: 'boolean' })
  resolveOverdue!: boolean;

  @Column({ name: 'respond_warned', type: 'boolean' })
  respondWarned!: boolean;

  @Column({ name: 'resolve_warned', type: 'boolean' })
  resolveWarned!: boolean;

  @Column({ name: 'reopen_count', type: 'int' })
  reopenCount!: number;

  /** When the sweeper warns that the response is due soon (CASES_WARN_AT of the time, set at accept). */
  @Column({ name: 'respond_warn_at', type: 'datetime', precision: 3, nullable: true })
  respondWarnAt!: Date | null;

  /** When the sweeper warns that the resolution is due soon. */
  @Column({ name: 'resolve_warn_at', type: 'datetime', precision: 3, nullable: true })
  resolveWarnAt!: Date | null;

  /** "Me too" (附议) count: residents who support the case (one each, `case_support`). */
  @Column({ name: 'support_count', type: 'int', default: 0 })
  supportCount!: number;

  @Column({ name: 'sort_key', type: 'varchar', length: 64 })
  sortKey!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}

/** One transition of a case: who, when, why. Never updated or deleted. */
@Entity({ name: 'case_transition' })
@Index('ix_case_transition_case', ['caseId', 'at', 'id'])
export class CaseTransition {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'case_id', type: 'varchar', length: 36 })
  caseId!: string;

  @Column({ type: 'varchar', length: 20 })
  action!: string;

  @Column({ name: 'from_status', type: 'varchar', length: 20, nullable: true })
  fromStatus!: CaseState | null;

  @Column({ name: 'to_status', type: 'varchar', length: 20 })
  toStatus!: CaseState;

  @Column({ type: 'varchar', length: 64 })
  actor!: string;

  @Column({ type: 'varchar', length: 500 })
  reason!: string;

  @Column({ type: 'datetime', precision: 3 })
  at!: Date;
}

export type NoteVisibility = 'PUBLIC' | 'INTERNAL';

/** An update on a case: a public note (the reporter is told) or an internal one. Never deleted. */
@Entity({ name: 'case_note' })
@Index('ix_case_note_case', ['caseId', 'at', 'id'])
export class CaseNote {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'case_id', type: 'varchar', length: 36 })
  caseId!: string;

  @Column({ type: 'varchar', length: 10 })
  visibility!: NoteVisibility;

  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'varchar', length: 64 })
  author!: string;

  @Column({ type: 'datetime', precision: 3 })
  at!: Date;
}
