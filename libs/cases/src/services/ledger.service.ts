import type { DataSource, EntityManager } from 'typeorm';
import { isMysqlFamily } from '@sc/db';
import { ForbiddenError } from '@sc/graphql';
import type { Principal } from '@sc/auth';
import {
  BUCKET_COLUMNS,
  delta,
  LEDGER_COUNTERS,
  parseCellKey,
  RESOLVE_BUCKET_HOURS,
  STATE_COLUMNS,
  type Contributions,
  type LedgerScope,
} from '../domain/ledger';
import type { CaseRecord } from '../entities';
import type { CasesAccess } from './access';
import { CASE_STATES, type CaseState } from '@sc/cases-contracts';

/** Cells per upsert statement (SQLite allows 32,766 parameters: 200 × (5 + 36 counters) fits). */
const LEDGER_CELLS_PER_STATEMENT = 200;

export type LedgerGroup = 'CATEGORY' | 'ITEM' | 'MONTH';

export interface LedgerQuery {
  scopeKind: LedgerScope;
  scopeId: string;
  /** YYYY-MM, inclusive. */
  fromMonth: string;
  toMonth: string;
  groupBy: LedgerGroup[];
}

export interface LedgerRow {
  categoryCode: string | null;
  itemCode: string | null;
  month: string | null;
  opened: number;
  resolved: number;
  resolvedOnTime: number;
  onTimeRate: number | null;
  overdueNow: number;
  averageResolveHours: number | null;
  p90ResolveHours: number | null;
  ratings: number;
  satisfied: number;
  satisfactionRate: number | null;
  noRating: number;
  closed: number;
  fixed: number;
  reopened: number;
  reopenRate: number | null;
  byState: { state: CaseState; count: number }[];
}

/**
 * The maintained ledger: `record` adds a case change's delta in the caller's transaction (cells in
 * key order, so concurrent transactions lock them in one order); `query` sums cells.
 */
export class LedgerService {
  constructor(
    private readonly ds: DataSource,
    private readonly access: CasesAccess,
  ) {}

  async record(m: EntityManager, before: CaseRecord | null, after: CaseRecord): Promise<void> {
    await this.add(m, delta(before, after));
  }

  /**
   * Adds contributions, many cells per statement (a sweep's chunk touches hundreds): the counters of
   * all cells of a statement are the union of theirs (a missing one adds 0), the cells in key order so
   * concurrent transactions lock them in one order.
   */
  async add(m: EntityManager, changes: Contributions): Promise<void> {
    const mysql = isMysqlFamily(this.ds);
    const keys = [...changes.keys()].filter((k) => (changes.get(k)?.size ?? 0) > 0).sort();
    for (let i = 0; i < keys.length; i += LEDGER_CELLS_PER_STATEMENT) {
      const chunk = keys.slice(i, i + LEDGER_CELLS_PER_STATEMENT);
      const columns = [...new Set(chunk.flatMap((k) => [...(changes.get(k)?.keys() ?? [])]))].sort();
      const update = columns
        .map((c) => (mysql ? `${c} = ${c} + VALUES(${c})` : `${c} = ${c} + excluded.${c}`))
        .join(', ');
      const tuple = `(?, ?, ?, ?, ?, ${columns.map(() => '?').join(', ')})`;
      const params: (string | number)[] = [];
      for (const key of chunk) {
        const cell = parseCellKey(key);
        const counters = changes.get(key) ?? new Map<string, number>();
        params.push(cell.scopeKind, cell.scopeId, cell.categoryCode, cell.itemCode, cell.month);
        for (const c of columns) params.push(counters.get(c) ?? 0);
      }
      const sql =
        `INSERT INTO case_ledger (scope_kind, scope_id, category_code, item_code, month, ${columns.join(', ')}) ` +
        `VALUES ${chunk.map(() => tuple).join(', ')} ` +
        (mysql
          ? `ON DUPLICATE KEY UPDATE ${update}`
          : `ON CONFLICT (scope_kind, scope_id, category_code, item_code, month) DO UPDATE SET ${update}`);
      await m.query(sql, params);
    }
  }

  /** Sums of the ledger for a scope and months, grouped. Aggregates only: no personal data. */
  async query(principal: Principal | null, q: LedgerQuery): Promise<LedgerRow[]> {
    this.access.requireStats(principal);
    const scope = this.access.scopeOf(principal);
    if (scope.kind === 'grids' && !(q.scopeKind === 'GRID' && scope.gridIds.includes(q.scopeId))) {
      throw new ForbiddenError('a street chief reads the ledger of own grid only');
    }
    const groups = [...new Set(q.groupBy)];
    const groupColumns = groups.map((g) =>
      g === 'CATEGORY' ? 'category_code' : g === 'ITEM' ? 'item_code' : 'month',
    );
    // The item determines the category: grouping by item groups by category too.
    if (groups.includes('ITEM') && !groups.includes('CATEGORY')) groupColumns.push('category_code');
    const sums = LEDGER_COUNTERS.map((c) => `SUM(${c}) AS ${c}`).join(', ');
    const select = groupColumns.length ? `${groupColumns.join(', ')}, ` : '';
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT ${select}${sums} FROM case_ledger
       WHERE scope_kind = ? AND scope_id = ? AND month >= ? AND month <= ?
       ${groupColumns.length ? `GROUP BY ${groupColumns.join(', ')} ORDER BY ${groupColumns.join(', ')}` : ''}`,
      [q.scopeKind, q.scopeId, q.fromMonth, q.toMonth],
    );
    return rows
      .map((r) => toLedgerRow(r, groupColumns))
      .filter((r, _i, all) => all.length === 1 || r.opened + r.resolved + r.closed + r.overdueNow > 0);
  }
}

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const rate = (num: number, den: number): number | null => (den === 0 ? null : num / den);

function toLedgerRow(r: Record<string, unknown>, groupColumns: string[]): LedgerRow {
  const buckets = BUCKET_COLUMNS.map((c) => n(r[c]));
  const resolved = n(r['resolved']);
  let p90: number | null = null;
  if (resolved > 0) {
    const target = Math.ceil(resolved * 0.9);
    let seen = 0;
    for (const [i, count] of buckets.entries()) {
      seen += count;
      if (seen >= target) {
        p90 = i < RESOLVE_BUCKET_HOURS.length ? (RESOLVE_BUCKET_HOURS[i] as number) : null;
        break;
      }
    }
  }
  const ratings = n(r['ratings']);
  const satisfied = n(r['satisfied']);
  const reopened = n(r['reopened']);
  const group = (c: string) => (groupColumns.includes(c) ? String(r[c]) : null);
  const dash = (v: string | null) => (v === '-' ? null : v);
  return {
    categoryCode: dash(group('category_code')),
    itemCode: dash(group('item_code')),
    month: group('month'),
    opened: n(r['opened']),
    resolved,
    resolvedOnTime: n(r['resolved_on_time']),
    onTimeRate: rate(n(r['resolved_on_time']), resolved),
    overdueNow: n(r['overdue_now']),
    averageResolveHours: resolved ? n(r['resolve_seconds']) / resolved / 3600 : null,
    p90ResolveHours: p90,
    ratings,
    satisfied,
    satisfactionRate: rate(satisfied, ratings),
    noRating: n(r['no_rating']),
    closed: n(r['closed']),
    fixed: n(r['fixed']),
    reopened,
    reopenRate: rate(reopened, resolved),
    byState: CASE_STATES.map((state, i) => ({ state, count: n(r[STATE_COLUMNS[i] as string]) })),
  };
}
