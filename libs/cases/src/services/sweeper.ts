import { type DataSource, In, IsNull, LessThan, LessThanOrEqual, MoreThan } from 'typeorm';
import { CaseEvents } from '@sc/cases-contracts';
import type { Logger } from '@sc/config';
import { forUpdate, lockById, transaction } from '@sc/db';
import type { Outbox } from '@sc/events';
import { pendingEvent } from '@sc/events';
import { type Contributions, delta } from '../domain/ledger';
import { OPEN_STATES } from '../domain/lifecycle';
import { CaseItemVersion, CaseRecord } from '../entities';
import { type CaseService, snapshotOf } from './case.service';
import type { LedgerService } from './ledger.service';
import type { TaxonomyService } from './taxonomy.service';

export interface SweeperOptions {
  /** Working days past the resolve deadline before a case is escalated to the town. */
  escalateAfterWorkingDays: number;
  /** Days a resolved request waits for a rating before it closes as "no rating". */
  autoCloseDays: number;
  /** Rows per statement (each case changes in a transaction of its own). */
  batch?: number;
}

export interface SweepReport {
  /** Due-soon warnings (CASES_WARN_AT of the time used), once per deadline. */
  respondDueSoon: number;
  resolveDueSoon: number;
  respondOverdue: number;
  resolveOverdue: number;
  escalated: number;
  autoClosed: number;
}

const DAY_MS = 86_400_000;
/** Cases marked overdue per transaction. */
const OVERDUE_CHUNK = 200;

function mergeInto(into: Contributions, from: Contributions): void {
  for (const [key, counters] of from) {
    let cell = into.get(key);
    if (!cell) into.set(key, (cell = new Map<string, number>()));
    for (const [counter, amount] of counters) cell.set(counter, (cell.get(counter) ?? 0) + amount);
  }
}

/**
 * The deadline sweeper (超期预警/督办), run as a kit job in every copy but in one at a time
 * (ExclusiveJob). Idempotent: each mark is a conditional change of a locked row, so a case is marked
 * overdue once per deadline (one event each), escalated once by the rule, closed once.
 */
export class CaseSweeper {
  constructor(
    private readonly ds: DataSource,
    private readonly outbox: Outbox,
    private readonly cases: CaseService,
    private readonly taxonomy: TaxonomyService,
    private readonly ledger: LedgerService,
    private readonly opts: SweeperOptions,
    private readonly committed: () => void = () => undefined,
    private readonly logger?: Logger,
  ) {}

  async sweep(now: Date): Promise<SweepReport> {
    const report: SweepReport = {
      respondDueSoon: 0,
      resolveDueSoon: 0,
      respondOverdue: 0,
      resolveOverdue: 0,
      escalated: 0,
      autoClosed: 0,
    };
    const repo = this.ds.getRepository(CaseRecord);
    const batch = this.opts.batch ?? 500;
    const open = In([...OPEN_STATES]);

    // Due-soon warnings first (a deadline already missed is not warned of: it is marked overdue).
    for (const deadline of ['RESPOND', 'RESOLVE'] as const) {
      for (;;) {
        const soon =
          deadline === 'RESPOND'
            ? await repo.find({
                select: { id: true },
                where: {
                  respondWarned: false,
                  respondWarnAt: LessThanOrEqual(now),
                  respondDueAt: MoreThan(now),
                  respondedAt: IsNull(),
                  status: open,
                },
                take: batch,
              })
            : await repo.find({
                select: { id: true },
                where: {
                  resolveWarned: false,
                  resolveWarnAt: LessThanOrEqual(now),
                  resolveDueAt: MoreThan(now),
                  status: open,
                },
                take: batch,
              });
        let warned = 0;
        for (const { id } of soon) if (await this.markDueSoon(id, deadline, now)) warned++;
        if (deadline === 'RESPOND') report.respondDueSoon += warned;
        else report.resolveDueSoon += warned;
        if (soon.length < batch || warned === 0) break;
      }
    }

    for (const deadline of ['RESPOND', 'RESOLVE'] as const) {
      for (;;) {
        const due =
          deadline === 'RESPOND'
            ? await repo.find({
                select: { id: true },
                where: {
                  respondOverdue: false,
                  respondDueAt: LessThan(now),
                  respondedAt: IsNull(),
                  status: open,
                },
                take: batch,
              })
            : await repo.find({
                select: { id: true },
                where: { resolveOverdue: false, resolveDueAt: LessThan(now), status: open },
                take: batch,
              });
        let marked = 0;
        for (let i = 0; i < due.length; i += OVERDUE_CHUNK) {
          marked += await this.markOverdue(
            due.slice(i, i + OVERDUE_CHUNK).map((r) => r.id),
            deadline,
            now,
          );
        }
        if (deadline === 'RESPOND') report.respondOverdue += marked;
        else report.resolveOverdue += marked;
        // Rows that no longer qualify (answered meanwhile) are skipped; stop when a batch marks nothing.
        if (due.length < batch || marked === 0) break;
      }
    }

    const calendar = await this.taxonomy.calendar();
    const late = await repo.find({
      where: {
        resolveOverdue: true,
        escalationLevel: 'NONE',
        status: In(['ACCEPTED', 'ASSIGNED', 'IN_PROGRESS', 'REOPENED']),
        resolveDueAt: LessThan(new Date(now.getTime() - this.opts.escalateAfterWorkingDays * DAY_MS)),
      },
      take: batch,
    });
    for (const c of late) {
      if (
        !c.resolveDueAt ||
        calendar.workingDaysBetween(c.resolveDueAt, now) < this.opts.escalateAfterWorkingDays
      ) {
        continue;
      }
      const done = await transaction(this.ds, (m) =>
        this.cases.actIn(
          m,
          'system',
          {
            id: c.id,
            version: c.version,
            reason: `超期 ${this.opts.escalateAfterWorkingDays} 个工作日，自动督办到镇`,
          },
          'ESCALATE',
          () => ({
            changes: { escalationLevel: 'TOWN', assigneeKind: 'TOWN', assigneeId: null, assigneeName: '镇' },
            event: (_a, s) => pendingEvent(CaseEvents.caseEscalated, s),
          }),
        ),
      ).catch((error: unknown) => this.skipped(error, c.id));
      if (done) report.escalated++;
    }

    // Requests (confirmed by RATING) with a reporter, resolved longer ago than the wait: filtered in
    // SQL, so hazards waiting for their check are not read again by every sweep.
    const waiting = await repo
      .createQueryBuilder('c')
      .select('c.id', 'id')
      .innerJoin(CaseItemVersion, 'v', 'v.item_code = c.item_code AND v.version = c.item_version')
      .where("c.status = 'RESOLVED'")
      .andWhere('c.resolved_at < :cut', { cut: new Date(now.getTime() - this.opts.autoCloseDays * DAY_MS) })
      .andWhere('c.reporter_resident_id IS NOT NULL')
      .andWhere("v.confirmation = 'RATING'")
      .limit(batch)
      .getRawMany<{ id: string }>();
    for (const { id } of waiting) {
      const done = await this.cases.autoClose(id).catch((error: unknown) => this.skipped(error, id));
      if (done) report.autoClosed++;
    }
    this.committed();
    if (Object.values(report).some((n) => n > 0)) this.logger?.info({ ...report }, 'case sweep');
    return report;
  }

  /**
   * Marks a deadline missed, once, for a chunk of cases in one transaction (a commit per case would
   * bound the sweep by the disk's fsyncs): the locked rows are checked again before the change; one
   * event per case; the ledger deltas merged into one write per cell.
   */
  private markOverdue(ids: string[], deadline: 'RESPOND' | 'RESOLVE', now: Date): Promise<number> {
    return transaction(this.ds, async (m) => {
      const rows = await forUpdate(
        m.getRepository(CaseRecord).createQueryBuilder('c').where('c.id IN (:...ids)', { ids }),
      ).getMany();
      const marked = rows.filter((c) => {
        if (!OPEN_STATES.includes(c.status)) return false;
        const dueAt = deadline === 'RESPOND' ? c.respondDueAt : c.resolveDueAt;
        if (!dueAt || dueAt >= now) return false;
        if (deadline === 'RESPOND') return !c.respondOverdue && c.respondedAt === null;
        return !c.resolveOverdue;
      });
      if (marked.length === 0) return 0;
      const changes = deadline === 'RESPOND' ? { respondOverdue: true } : { resolveOverdue: true };
      await m.getRepository(CaseRecord).update({ id: In(marked.map((c) => c.id)) }, changes);
      const merged: Contributions = new Map();
      const events = marked.map((c) => {
        const after = { ...c, ...changes };
        const dueAt = (deadline === 'RESPOND' ? c.respondDueAt : c.resolveDueAt) as Date;
        mergeInto(merged, delta(c, after));
        return {
          subject: c.id,
          data: {
            ...snapshotOf(after, c.status, 'SWEEP', now, 'system'),
            deadline,
            dueAt: dueAt.toISOString(),
          },
          time: now,
        };
      });
      await this.outbox.addMany(m, CaseEvents.caseOverdue, events);
      await this.ledger.add(m, merged);
      return marked.length;
    });
  }

  /** Warns once that a deadline is near: the locked row is checked again before the change. */
  private markDueSoon(id: string, deadline: 'RESPOND' | 'RESOLVE', now: Date): Promise<boolean> {
    return transaction(this.ds, async (m) => {
      const c = await lockById(m, CaseRecord, id);
      if (!c || !OPEN_STATES.includes(c.status)) return false;
      const dueAt = deadline === 'RESPOND' ? c.respondDueAt : c.resolveDueAt;
      const warnAt = deadline === 'RESPOND' ? c.respondWarnAt : c.resolveWarnAt;
      if (!dueAt || !warnAt || warnAt > now || dueAt <= now) return false;
      if (deadline === 'RESPOND' && (c.respondWarned || c.respondedAt !== null)) return false;
      if (deadline === 'RESOLVE' && c.resolveWarned) return false;
      const changes = deadline === 'RESPOND' ? { respondWarned: true } : { resolveWarned: true };
      await m.getRepository(CaseRecord).update({ id }, changes);
      await this.outbox.add(
        m,
        CaseEvents.caseDueSoon,
        id,
        {
          ...snapshotOf({ ...c, ...changes }, c.status, 'SWEEP', now, 'system'),
          deadline,
          dueAt: dueAt.toISOString(),
        },
        { time: now },
      );
      return true;
    });
  }

  private skipped(error: unknown, id: string): null {
    // Someone acted on the case between the read and the change: the next sweep looks again.
    if ((error as { extensions?: { code?: string } }).extensions?.code === 'CONFLICT') return null;
    this.logger?.warn({ caseId: id, err: error }, 'sweep could not change a case');
    throw error;
  }
}
