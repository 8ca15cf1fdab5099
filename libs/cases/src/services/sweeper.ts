import { randomUUID } from 'node:crypto';
import { type DataSource, In, LessThan } from 'typeorm';
import { CaseEvents } from '@sc/cases-contracts';
import type { Logger } from '@sc/config';
import { isMysqlFamily, transaction } from '@sc/db';
import type { CloudEvent, Outbox } from '@sc/events';
import { pendingEvent } from '@sc/events';
import { traceHeaders } from '@sc/tracing';
import { cellKey, type Contributions, type LedgerScope } from '../domain/ledger';
import { OPEN_STATES } from '../domain/lifecycle';
import { CaseItemVersion, CaseRecord } from '../entities';
import type { CaseService } from './case.service';
import type { LedgerService } from './ledger.service';
import type { TaxonomyService } from './taxonomy.service';

export interface SweeperOptions {
  /** Working days past the resolve deadline before a case is escalated to the town. */
  escalateAfterWorkingDays: number;
  /** Days a resolved request waits for a rating before it closes as "no rating". */
  autoCloseDays: number;
  /** Rows per statement of the escalation and auto-close passes (each case changes in a transaction of its own). */
  batch?: number;
  /** Cases per transaction of the set-based marks (overdue, due soon); default {@link MARK_CHUNK}. */
  chunk?: number;
  /** Candidates read per pass of a mark (at least `chunk`); default {@link CANDIDATE_PASS}. */
  pass?: number;
  /** Chunks marked at once, each on its own connection (real mode only); default {@link MARK_WORKERS}. */
  workers?: number;
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
/** Cases marked (overdue or due soon) per transaction. */
export const MARK_CHUNK = 1000;
/** Candidate ids read (without a lock, from the deadline's index) per pass of a mark. */
export const CANDIDATE_PASS = 50_000;
/** Chunk transactions of a mark run at once in real mode. */
export const MARK_WORKERS = 2;

type MarkKind = 'OVERDUE' | 'DUE_SOON';
type Deadline = 'RESPOND' | 'RESOLVE';

const FLAG = {
  OVERDUE: { RESPOND: 'respond_overdue', RESOLVE: 'resolve_overdue' },
  DUE_SOON: { RESPOND: 'respond_warned', RESOLVE: 'resolve_warned' },
} as const;

/** What a chunk's locking read returns: the ledger cell of a case and its overdue flags before. */
interface LockedCase {
  id: string;
  communityId: string;
  streetId: string;
  gridId: string | null;
  assigneeKind: string | null;
  assigneeId: string | null;
  categoryCode: string | null;
  itemCode: string | null;
  month: string;
  respondOverdue: number | boolean;
  resolveOverdue: number | boolean;
}

const OPEN_LIST = OPEN_STATES.map((s) => `'${s}'`).join(', ');

/**
 * The sweep's statements in the two dialects (MariaDB/MySQL in real mode, SQLite embedded). Dates
 * are bound as `YYYY-MM-DD HH:MM:SS.mmm` UTC strings, as both store them; the envelope's dates are
 * rendered as `Date.toISOString()` renders them.
 */
export class SweepSql {
  constructor(readonly mysql: boolean) {}

  get forUpdate(): string {
    return this.mysql ? ' FOR UPDATE' : '';
  }

  dateParam(d: Date): string {
    return d.toISOString().replace('T', ' ').replace('Z', '');
  }

  /** `toISOString()` of a datetime(3) column; NULL stays NULL. */
  iso(column: string): string {
    return this.mysql
      ? `CONCAT(LEFT(DATE_FORMAT(${column}, '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')`
      : `strftime('%Y-%m-%dT%H:%M:%fZ', ${column})`;
  }

  /** The China (UTC+8) month YYYY-MM of a datetime column, as the ledger's cells are keyed. */
  chinaMonth(column: string): string {
    return this.mysql
      ? `DATE_FORMAT(DATE_ADD(${column}, INTERVAL 8 HOUR), '%Y-%m')`
      : `strftime('%Y-%m', ${column}, '+8 hours')`;
  }

  /** Which cases (alias `c`) a mark applies to at `now`: the same rules the row-by-row sweep had. */
  qualifies(kind: MarkKind, deadline: Deadline, now: Date): { where: string; params: string[] } {
    const at = this.dateParam(now);
    const open = `c.status IN (${OPEN_LIST})`;
    if (kind === 'OVERDUE') {
      return deadline === 'RESPOND'
        ? {
            where: `c.respond_overdue = 0 AND c.responded_at IS NULL AND ${open} AND c.respond_due_at < ?`,
            params: [at],
          }
        : { where: `c.resolve_overdue = 0 AND ${open} AND c.resolve_due_at < ?`, params: [at] };
    }
    return deadline === 'RESPOND'
      ? {
          where: `c.respond_warned = 0 AND c.responded_at IS NULL AND ${open} AND c.respond_warn_at <= ? AND c.respond_due_at > ?`,
          params: [at, at],
        }
      : {
          where: `c.resolve_warned = 0 AND ${open} AND c.resolve_warn_at <= ? AND c.resolve_due_at > ?`,
          params: [at, at],
        };
  }

  /**
   * INSERT … SELECT of one event per (case id, event id) pair of a JSON array parameter, in its
   * order (the outbox's seq order). Parameters: source, the event's `time` and the data's `at` (the
   * same instant, ISO), the trace headers' values, the pairs, topic, type, created_at (UTC string).
   */
  insertEvents(deadline: Deadline, trace: Record<string, string>): string {
    const obj = this.mysql ? 'JSON_OBJECT' : 'json_object';
    const due = deadline === 'RESPOND' ? 'c.respond_due_at' : 'c.resolve_due_at';
    const data = `${obj}(
      'caseId', c.id, 'state', c.status, 'previousState', c.status, 'action', 'SWEEP',
      'channel', c.channel, 'categoryCode', c.category_code, 'itemCode', c.item_code,
      'itemVersion', c.item_version, 'communityId', c.community_id, 'streetId', c.street_id,
      'courtyardId', c.courtyard_id, 'gridId', c.grid_id, 'reportedAt', ${this.iso('c.reported_at')},
      'acceptedAt', ${this.iso('c.accepted_at')}, 'respondDueAt', ${this.iso('c.respond_due_at')},
      'resolveDueAt', ${this.iso('c.resolve_due_at')}, 'respondedAt', ${this.iso('c.responded_at')},
      'resolvedAt', ${this.iso('c.resolved_at')}, 'closedAt', ${this.iso('c.closed_at')},
      'outcome', c.outcome, 'rating', c.rating, 'reopenCount', c.reopen_count,
      'escalationLevel', c.escalation_level, 'at', ?, 'actor', 'system',
      'deadline', '${deadline}', 'dueAt', ${this.iso(due)})`;
    const traceArgs = Object.keys(trace)
      .map((k) => `, '${k.replace(/[^a-z]/g, '')}', ?`)
      .join('');
    const envelope = `${obj}('specversion', '1.0', 'id', j.event_id, 'source', ?, 'type', t.type,
      'subject', c.id, 'time', ?, 'datacontenttype', 'application/json', 'data', ${data}${traceArgs})`;
    const pairs = this.mysql
      ? `JSON_TABLE(?, '$[*]' COLUMNS (ord FOR ORDINALITY, case_id VARCHAR(36) PATH '$[0]', event_id VARCHAR(36) PATH '$[1]')) j`
      : `(SELECT json_extract(value, '$[0]') AS case_id, json_extract(value, '$[1]') AS event_id, key AS ord FROM json_each(?)) j`;
    return `INSERT INTO outbox_event (id, topic, aggregate_id, type, envelope, created_at, published_at, attempts, last_error)
      SELECT j.event_id, t.topic, c.id, t.type, ${envelope}, t.created_at, NULL, 0, NULL
        FROM ${pairs}
        JOIN case_record c ON c.id = j.case_id
        CROSS JOIN (SELECT ? AS topic, ? AS type, ? AS created_at) t
       ORDER BY j.ord`;
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

    // Due-soon warnings first (a deadline already missed is not warned of: it is marked overdue).
    report.respondDueSoon = await this.markAll('DUE_SOON', 'RESPOND', now);
    report.resolveDueSoon = await this.markAll('DUE_SOON', 'RESOLVE', now);
    report.respondOverdue = await this.markAll('OVERDUE', 'RESPOND', now);
    report.resolveOverdue = await this.markAll('OVERDUE', 'RESOLVE', now);

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
   * Marks every case that qualifies. The candidates are read first, without a lock, from the
   * deadline's index alone (it covers the rule for the overdue marks), up to {@link CANDIDATE_PASS}
   * at a time and sorted by id; they are then marked chunk by chunk ({@link MARK_CHUNK} cases, one
   * transaction each), each chunk re-checking the rule on its rows by primary key. A pass that finds
   * fewer than it may read is the last.
   *
   * Why not read each chunk's cases from the index under the lock: each marked case leaves a
   * delete-marked entry in the deadline's index until InnoDB purges it, and a locking read from the
   * start of the range steps over every entry of the chunks before (with a look-up of its row each),
   * so the n-th chunk reads n × chunk rows: 100,000 marks cost ~5 million look-ups. Sorted by id, the
   * chunk's rows are also neighbours in the table, so its statements share their pages.
   */
  private async markAll(kind: MarkKind, deadline: Deadline, now: Date): Promise<number> {
    const sql = new SweepSql(isMysqlFamily(this.ds));
    const chunk = this.opts.chunk ?? MARK_CHUNK;
    const pass = Math.max(chunk, this.opts.pass ?? CANDIDATE_PASS);
    const workers = sql.mysql ? Math.max(1, this.opts.workers ?? MARK_WORKERS) : 1;
    const { where, params } = sql.qualifies(kind, deadline, now);
    let total = 0;
    for (;;) {
      const candidates = (
        (await this.ds.query(
          `SELECT c.id AS id FROM case_record c WHERE ${where} LIMIT ${pass}`,
          params,
        )) as {
          id: string;
        }[]
      )
        .map((r) => r.id)
        .sort();
      const chunks: string[][] = [];
      for (let i = 0; i < candidates.length; i += chunk) chunks.push(candidates.slice(i, i + chunk));
      // Disjoint chunks on `workers` connections at once (MariaDB works a statement on one thread;
      // SQLite has one writer). Their ledger upserts lock cells in key order, so they queue, never deadlock.
      let next = 0;
      const worker = async () => {
        for (let c = chunks[next++]; c; c = chunks[next++]) {
          const marked = await this.markChunk(sql, kind, deadline, c, now);
          total += marked; // after the await: `total += await …` would add to a stale total
        }
      };
      await Promise.all(Array.from({ length: Math.min(workers, chunks.length) }, worker));
      if (candidates.length < pass) break;
    }
    return total;
  }

  private markChunk(
    sql: SweepSql,
    kind: MarkKind,
    deadline: Deadline,
    ids: readonly string[],
    now: Date,
  ): Promise<number> {
    const contract = kind === 'OVERDUE' ? CaseEvents.caseOverdue : CaseEvents.caseDueSoon;
    return transaction(
      this.ds,
      async (m) => {
        const { where, params } = sql.qualifies(kind, deadline, now);
        const locked = (await m.query(
          `SELECT c.id AS id, c.community_id AS communityId, c.street_id AS streetId, c.grid_id AS gridId,
                c.assignee_kind AS assigneeKind, c.assignee_id AS assigneeId,
                c.category_code AS categoryCode, c.item_code AS itemCode, ${sql.chinaMonth('c.reported_at')} AS month,
                c.respond_overdue AS respondOverdue, c.resolve_overdue AS resolveOverdue
           FROM case_record c WHERE c.id IN (${ids.map(() => '?').join(', ')}) AND ${where}${sql.forUpdate}`,
          [...ids, ...params],
        )) as LockedCase[];
        if (locked.length === 0) return 0;
        const lockedIds = locked.map((c) => c.id);
        const flag = FLAG[kind][deadline];
        await m.query(
          `UPDATE case_record SET ${flag} = 1 WHERE id IN (${lockedIds.map(() => '?').join(', ')})`,
          lockedIds,
        );
        const pairs = locked.map((c) => [c.id, randomUUID()] as const);
        const trace = traceHeaders();
        await m.query(sql.insertEvents(deadline, trace), [
          this.outbox.eventSource,
          now.toISOString(),
          now.toISOString(),
          ...Object.values(trace),
          JSON.stringify(pairs),
          contract.topic,
          contract.type,
          sql.dateParam(new Date()),
        ]);
        // The database built the envelopes: the first of the chunk must satisfy the contract, or the
        // whole chunk rolls back (as a payload rejected by `build` fails its transaction).
        const [first] = (await m.query('SELECT envelope FROM outbox_event WHERE id = ?', [
          pairs[0]?.[1],
        ])) as {
          envelope: string;
        }[];
        contract.parse(JSON.parse(first?.envelope ?? 'null') as CloudEvent<unknown>);
        if (kind === 'OVERDUE') {
          const cells: Contributions = new Map();
          for (const c of locked) {
            if (Number(c.respondOverdue) || Number(c.resolveOverdue)) continue; // already overdue now
            const scopes: [LedgerScope, string][] = [
              ['COMMUNITY', c.communityId],
              ['STREET', c.streetId],
              ['GRID', c.gridId ?? '-'],
            ];
            if (c.assigneeKind === 'CHIEF' && c.assigneeId) scopes.push(['CHIEF', c.assigneeId]);
            for (const [scopeKind, scopeId] of scopes) {
              const key = cellKey({
                scopeKind,
                scopeId,
                categoryCode: c.categoryCode ?? '-',
                itemCode: c.itemCode ?? '-',
                month: c.month,
              });
              let cell = cells.get(key);
              if (!cell) cells.set(key, (cell = new Map<string, number>()));
              cell.set('overdue_now', (cell.get('overdue_now') ?? 0) + 1);
            }
          }
          await this.ledger.add(m, cells);
        }
        return locked.length;
      },
      { isolation: 'READ COMMITTED' },
    );
  }

  private skipped(error: unknown, id: string): null {
    // Someone acted on the case between the read and the change: the next sweep looks again.
    if ((error as { extensions?: { code?: string } }).extensions?.code === 'CONFLICT') return null;
    this.logger?.warn({ caseId: id, err: error }, 'sweep could not change a case');
    throw error;
  }
}
