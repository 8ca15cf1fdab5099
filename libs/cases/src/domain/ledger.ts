import type { CaseState } from '@sc/cases-contracts';
import { CASE_STATES } from '@sc/cases-contracts';
import type { CaseRecord } from '../entities';
import { chinaDate } from './calendar';
import { OPEN_STATES } from './lifecycle';

/**
 * The ledger (台账) as contributions (ADR 0018): every case contributes fixed amounts to a few
 * cells — (scope, category, item, month) — and the maintained aggregates are the sum over all
 * cases. A transition adds `contributions(after) − contributions(before)` in its own transaction,
 * so the aggregates never need a scan; the spec recomputes the same sum from the raw cases.
 *
 * Cells: the report month carries opened, the current state, overdue-now and reopens; the month
 * of the (latest) resolution carries resolved, on time, time to resolve, ratings; the month of
 * the close carries closed, fixed and no-rating. Months are China's (UTC+8).
 */

export const LEDGER_SCOPES = ['COMMUNITY', 'STREET', 'GRID', 'CHIEF'] as const;
export type LedgerScope = (typeof LEDGER_SCOPES)[number];

/** Upper bounds (hours) of the time-to-resolve histogram; the last bucket is everything longer. */
export const RESOLVE_BUCKET_HOURS = [4, 8, 24, 48, 72, 120, 168, 240, 360, 720] as const;

const stateColumn = (s: CaseState) => `s_${s.toLowerCase()}`;
export const STATE_COLUMNS = CASE_STATES.map(stateColumn);
export const BUCKET_COLUMNS = [
  ...RESOLVE_BUCKET_HOURS.map((_, i) => `b${i}`),
  `b${RESOLVE_BUCKET_HOURS.length}`,
];

/** Every counter column of `case_ledger`, in a fixed order. */
export const LEDGER_COUNTERS = [
  'opened',
  'resolved',
  'resolved_on_time',
  'resolve_seconds',
  'ratings',
  'satisfied',
  'no_rating',
  'closed',
  'fixed',
  'reopened',
  'overdue_now',
  ...STATE_COLUMNS,
  ...BUCKET_COLUMNS,
] as const;
export type LedgerCounter = string;

export interface LedgerCell {
  scopeKind: LedgerScope;
  scopeId: string;
  categoryCode: string;
  itemCode: string;
  month: string;
}

export const cellKey = (c: LedgerCell): string =>
  `${c.scopeKind}|${c.scopeId}|${c.categoryCode}|${c.itemCode}|${c.month}`;
export function parseCellKey(key: string): LedgerCell {
  const [scopeKind, scopeId, categoryCode, itemCode, month] = key.split('|') as [
    LedgerScope,
    string,
    string,
    string,
    string,
  ];
  return { scopeKind, scopeId, categoryCode, itemCode, month };
}

/** Key → counter → amount. */
export type Contributions = Map<string, Map<string, number>>;

const month = (d: Date): string => chinaDate(d).slice(0, 7);

/** A case is overdue now when a deadline was flagged by the sweeper and it is still open. */
export function overdueNow(c: Pick<CaseRecord, 'respondOverdue' | 'resolveOverdue' | 'status'>): boolean {
  return (c.respondOverdue || c.resolveOverdue) && OPEN_STATES.includes(c.status);
}

export function resolveBucket(seconds: number): number {
  const hours = seconds / 3600;
  const i = RESOLVE_BUCKET_HOURS.findIndex((b) => hours <= b);
  return i === -1 ? RESOLVE_BUCKET_HOURS.length : i;
}

/** What one case contributes to the ledger. */
export function contributions(c: CaseRecord): Contributions {
  const out: Contributions = new Map();
  const scopes: [LedgerScope, string][] = [
    ['COMMUNITY', c.communityId],
    ['STREET', c.streetId],
    ['GRID', c.gridId ?? '-'],
  ];
  if (c.assigneeKind === 'CHIEF' && c.assigneeId) scopes.push(['CHIEF', c.assigneeId]);
  const add = (m: string, counter: string, amount: number) => {
    if (amount === 0) return;
    for (const [scopeKind, scopeId] of scopes) {
      const key = cellKey({
        scopeKind,
        scopeId,
        categoryCode: c.categoryCode ?? '-',
        itemCode: c.itemCode ?? '-',
        month: m,
      });
      let cell = out.get(key);
      if (!cell) out.set(key, (cell = new Map<string, number>()));
      cell.set(counter, (cell.get(counter) ?? 0) + amount);
    }
  };
  const reported = month(c.reportedAt);
  add(reported, 'opened', 1);
  add(reported, stateColumn(c.status), 1);
  add(reported, 'overdue_now', overdueNow(c) ? 1 : 0);
  add(reported, 'reopened', c.reopenCount);
  if (c.resolvedAt) {
    const resolved = month(c.resolvedAt);
    const seconds = Math.max(0, Math.round((c.resolvedAt.getTime() - c.reportedAt.getTime()) / 1000));
    add(resolved, 'resolved', 1);
    add(resolved, 'resolved_on_time', c.resolveDueAt && c.resolvedAt <= c.resolveDueAt ? 1 : 0);
    add(resolved, 'resolve_seconds', seconds);
    add(resolved, `b${resolveBucket(seconds)}`, 1);
    if (c.rating !== null) {
      add(resolved, 'ratings', 1);
      add(resolved, 'satisfied', c.rating >= 4 ? 1 : 0);
    }
  }
  if (c.status === 'CLOSED' && c.closedAt) {
    const closed = month(c.closedAt);
    add(closed, 'closed', 1);
    add(closed, 'fixed', c.outcome === 'FIXED' ? 1 : 0);
    add(closed, 'no_rating', c.closedBy === 'NO_RATING' ? 1 : 0);
  }
  return out;
}

/** `contributions(after) − contributions(before)`, without the zero entries. */
export function delta(before: CaseRecord | null, after: CaseRecord): Contributions {
  const out: Contributions = new Map();
  const merge = (from: Contributions, sign: number) => {
    for (const [key, counters] of from) {
      let cell = out.get(key);
      if (!cell) out.set(key, (cell = new Map<string, number>()));
      for (const [counter, amount] of counters) cell.set(counter, (cell.get(counter) ?? 0) + sign * amount);
    }
  };
  merge(contributions(after), 1);
  if (before) merge(contributions(before), -1);
  for (const [key, counters] of out) {
    for (const [counter, amount] of counters) if (amount === 0) counters.delete(counter);
    if (counters.size === 0) out.delete(key);
  }
  return out;
}
