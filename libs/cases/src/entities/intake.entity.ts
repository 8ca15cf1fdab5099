import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { CaseState } from '@sc/cases-contracts';

/**
 * A "me too" (附议) of a resident on an open case, instead of a duplicate report: one per resident
 * and case (the primary key), counted in `case_record.support_count`. The supporter is told of the
 * case's public updates like the reporter. Never in the public view nor in events.
 */
@Entity({ name: 'case_support' })
@Index('ix_case_support_resident', ['residentId', 'at'])
export class CaseSupport {
  @PrimaryColumn({ name: 'case_id', type: 'varchar', length: 36 })
  caseId!: string;

  @PrimaryColumn({ name: 'resident_id', type: 'varchar', length: 36 })
  residentId!: string;

  @Column({ type: 'datetime', precision: 3 })
  at!: Date;
}

export type CaseUpdateKind = 'STATE_CHANGED' | 'PUBLIC_NOTE' | 'CORRECTED';

/**
 * What a reporter (or supporter) is told: one row per recipient and public update (a transition, a
 * public note, a correction), written in the transaction of the update. `myCaseUpdates` reads them,
 * newest first (`sortKey`: time, a sequence, the id).
 */
@Entity({ name: 'case_update_notice' })
@Index('ix_case_notice_resident', ['residentId', 'sortKey'])
export class CaseUpdateNotice {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'resident_id', type: 'varchar', length: 36 })
  residentId!: string;

  @Column({ name: 'case_id', type: 'varchar', length: 36 })
  caseId!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: CaseUpdateKind;

  /** The lifecycle action (ACCEPT, RESOLVE, …), or NOTE / CORRECT. */
  @Column({ type: 'varchar', length: 20 })
  action!: string;

  /** The case's state after the update. */
  @Column({ type: 'varchar', length: 20 })
  state!: CaseState;

  /** The public note, for PUBLIC_NOTE. */
  @Column({ name: 'note_id', type: 'varchar', length: 36, nullable: true })
  noteId!: string | null;

  @Column({ type: 'datetime', precision: 3 })
  at!: Date;

  @Column({ name: 'sort_key', type: 'varchar', length: 64 })
  sortKey!: string;
}

export type EvidencePhase = 'BEFORE' | 'AFTER';
export type EvidenceStorage = 'DATABASE' | 'FILE';

/**
 * An evidence photo (before / after), uploaded through `POST /evidence`, metadata stripped. The
 * bytes are in `case_evidence_chunk` in real mode and under the data folder in embedded mode
 * (`storage`). `caseId` is null until a mutation attaches it (evidence is referenced by id).
 */
@Entity({ name: 'case_evidence' })
@Index('ix_case_evidence_case', ['caseId', 'at'])
export class CaseEvidence {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'case_id', type: 'varchar', length: 36, nullable: true })
  caseId!: string | null;

  @Column({ type: 'varchar', length: 8, nullable: true })
  phase!: EvidencePhase | null;

  /** Shown on the public view (staff or the chief decide when attaching). */
  @Column({ name: 'is_public', type: 'boolean' })
  isPublic!: boolean;

  @Column({ name: 'content_type', type: 'varchar', length: 20 })
  contentType!: string;

  /** Bytes after stripping. */
  @Column({ type: 'int' })
  size!: number;

  @Column({ type: 'varchar', length: 64 })
  sha256!: string;

  @Column({ type: 'varchar', length: 10 })
  storage!: EvidenceStorage;

  @Column({ name: 'uploaded_by', type: 'varchar', length: 64 })
  uploadedBy!: string;

  @Column({ type: 'datetime', precision: 3 })
  at!: Date;
}

/** A piece (≤ 60 KB, a portable BLOB) of an evidence photo's bytes, real mode. */
@Entity({ name: 'case_evidence_chunk' })
export class CaseEvidenceChunk {
  @PrimaryColumn({ name: 'evidence_id', type: 'varchar', length: 36 })
  evidenceId!: string;

  @PrimaryColumn({ type: 'int' })
  seq!: number;

  @Column({ type: 'blob' })
  data!: Buffer;
}
