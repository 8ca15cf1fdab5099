import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A roster change that may have altered signboards, written in the change's own transaction and
 * taken up after its commit by `SignboardService.settle` (ADR 0026): writers only insert here, so
 * they never wait on each other for the boards; the refresh that follows locks the boards, in one
 * pass for every change pending.
 */
@Entity({ name: 'signboard_refresh' })
export class SignboardRefresh {
  /** Order of the changes; rows are inserted only, and deleted once refreshed. */
  @PrimaryGeneratedColumn('increment', { type: 'bigint', name: 'seq' })
  seq!: number;

  /** What the change touched (`Touched`, as JSON: places, grids, containing). */
  @Column({ name: 'touched', type: 'text' })
  touched!: string;

  /** Who made the change: the `actor` of the signboard.outOfDate event it causes. */
  @Column({ name: 'actor', type: 'varchar', length: 200 })
  actor!: string;

  /** The change's own time: `time` and `outOfDateSince` of the boards it puts out of date. */
  @Column({ name: 'at', type: 'datetime', precision: 3 })
  at!: Date;
}

/**
 * One row (id 1) that a signboard refresh and every other write of a board's content hash lock first
 * (MySQL `FOR UPDATE`), so that one refresh runs at a time across the service's copies and its
 * snapshot is never older than the content hash it compares with.
 */
@Entity({ name: 'signboard_refresh_lock' })
export class SignboardRefreshLock {
  @PrimaryColumn({ type: 'int' })
  id!: number;
}
