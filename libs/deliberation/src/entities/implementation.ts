import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

const json = {
  to: (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v)),
  from: (v: string | null) => (v === null || v === undefined ? null : (JSON.parse(v) as unknown)),
};

/**
 * Supervisors of an adopted matter (共治): the chief (`CHIEF`, an account id) and resident
 * representatives (`RESIDENT`, a resident id), chosen while the matter is ADOPTED.
 */
@Entity({ name: 'matter_supervisor' })
export class MatterSupervisor {
  @PrimaryColumn({ name: 'matter_id', type: 'varchar', length: 36 }) matterId!: string;
  @PrimaryColumn({ name: 'kind', type: 'varchar', length: 10 }) kind!: 'CHIEF' | 'RESIDENT';
  @PrimaryColumn({ name: 'ref', type: 'varchar', length: 100 }) ref!: string;
  @Column({ name: 'chosen_by', type: 'varchar', length: 100 }) chosenBy!: string;
  @Column({ name: 'chosen_at', type: 'datetime', precision: 3 }) chosenAt!: Date;
}

/** A task carrying out an adopted matter: an owner (a party, e.g. 物业公司), a due time, progress. */
@Entity({ name: 'matter_task' })
@Index('ix_task_matter', ['matterId', 'dueAt', 'id'])
@Index('ix_task_due', ['status', 'dueAt'])
export class MatterTask {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'matter_id', type: 'varchar', length: 36 }) matterId!: string;
  @Column({ name: 'title', type: 'varchar', length: 200 }) title!: string;
  @Column({ name: 'owner', type: 'varchar', length: 100 }) owner!: string;
  @Column({ name: 'due_at', type: 'datetime', precision: 3 }) dueAt!: Date;
  /** OPEN until a progress report says 100 %. */
  @Column({ name: 'status', type: 'varchar', length: 10 }) status!: 'OPEN' | 'DONE';
  @Column({ name: 'percent', type: 'int' }) percent!: number;
  @Column({ name: 'created_by', type: 'varchar', length: 100 }) createdBy!: string;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt!: Date;
  @Column({ name: 'done_at', type: 'datetime', precision: 3, nullable: true }) doneAt!: Date | null;
}

/** A progress report (percent, evidence) or a supervision note on a task; never changed, never deleted. */
@Entity({ name: 'task_report' })
@Index('ix_task_report_task', ['taskId', 'at', 'id'])
export class TaskReport {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'task_id', type: 'varchar', length: 36 }) taskId!: string;
  @Column({ name: 'matter_id', type: 'varchar', length: 36 }) matterId!: string;
  @Column({ name: 'kind', type: 'varchar', length: 12 }) kind!: 'PROGRESS' | 'SUPERVISION';
  @Column({ name: 'percent', type: 'int', nullable: true }) percent!: number | null;
  @Column({ name: 'note', type: 'text' }) note!: string;
  /** References to evidence (photo or document ids, URLs). */
  @Column({ name: 'evidence', type: 'text', transformer: json }) evidence!: string[];
  @Column({ name: 'author', type: 'varchar', length: 100 }) author!: string;
  /** `STREET_CHIEF`, `COMMUNITY_STAFF` or `RESIDENT` (a resident supervisor). */
  @Column({ name: 'author_role', type: 'varchar', length: 20 }) authorRole!: string;
  @Column({ name: 'at', type: 'datetime', precision: 3 }) at!: Date;
}

export const IMPLEMENTATION_ENTITIES = [MatterSupervisor, MatterTask, TaskReport];
