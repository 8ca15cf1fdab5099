import type { DataSource } from 'typeorm';
import type { Logger } from '@sc/config';
import { isMysqlFamily } from './data-source';

/** Options of {@link ExclusiveJob}. */
export interface ExclusiveJobOptions {
  dataSource: DataSource;
  /** Unique per service database; part of the MySQL lock name (at most 64 characters with the database). */
  name: string;
  /** Pause between two runs. */
  intervalMs: number;
  logger: Logger;
  /** The work; must be idempotent (a crashed run is simply run again). Gets the time it runs for. */
  run: (now: Date) => Promise<void>;
  /** The clock the job runs by; tests move it. Default: the system clock. */
  clock?: () => Date;
}

/**
 * Periodic background work that runs in every copy of a service but in one at a time: each run takes
 * a MySQL named lock (`GET_LOCK(…, 0)`, the relay's pattern) on a connection of its own and skips when
 * another copy holds it. SQLite (embedded mode) is one process and needs no lock. A failed run is
 * logged and tried again at the next interval; `stop()` waits for the run in progress.
 */
export class ExclusiveJob {
  private readonly logger: Logger;
  private readonly lockName: string;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<boolean> | null = null;
  private stopped = true;

  constructor(private readonly opts: ExclusiveJobOptions) {
    this.logger = opts.logger.child({ component: 'job', job: opts.name });
    const database =
      typeof opts.dataSource.options.database === 'string' ? opts.dataSource.options.database : '';
    this.lockName = `sc_job.${opts.name}.${database}`.slice(0, 64);
  }

  /** Runs now and then every `intervalMs` until stopped. Idempotent. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /**
   * One run now (tests; an operator's command). Resolves true when this copy ran the work, false when
   * another copy held the lock. Rejects with the work's error.
   */
  runOnce(): Promise<boolean> {
    const previous = this.running ?? Promise.resolve(false);
    const run = previous.catch(() => false).then(() => this.exclusive());
    this.running = run;
    return run;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.runOnce().then(
        () => this.schedule(this.opts.intervalMs),
        (err: unknown) => {
          this.logger.warn(
            { error: err instanceof Error ? err.message : String(err) },
            'job run failed; will retry',
          );
          this.schedule(this.opts.intervalMs);
        },
      );
    }, delayMs);
    this.timer.unref();
  }

  private async exclusive(): Promise<boolean> {
    const now = (this.opts.clock ?? (() => new Date()))();
    if (!isMysqlFamily(this.opts.dataSource)) {
      await this.opts.run(now);
      return true;
    }
    const runner = this.opts.dataSource.createQueryRunner();
    try {
      await runner.connect();
      const rows = (await runner.query('SELECT GET_LOCK(?, 0) AS acquired', [this.lockName])) as {
        acquired: number | string | null;
      }[];
      if (Number(rows[0]?.acquired) !== 1) return false;
      try {
        await this.opts.run(now);
        return true;
      } finally {
        await runner.query('SELECT RELEASE_LOCK(?)', [this.lockName]).catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }
}
