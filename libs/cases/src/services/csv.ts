import { ForbiddenError } from '@sc/graphql';
import { encodeCursor, type Page } from '@sc/db';
import type { Principal } from '@sc/auth';
import type { CaseRecord } from '../entities';
import type { CaseQuery, CaseRepository } from '../repositories/case.repository';
import type { CasesAccess } from './access';
import type { CaseService } from './case.service';
import type { LedgerQuery, LedgerRow, LedgerService } from './ledger.service';

/** UTF-8 byte order mark: Excel opens a CSV as UTF-8 only with it. */
export const BOM = '\uFEFF';
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell per RFC 4180: quoted when it holds a comma, quote, CR or LF (quotes doubled). Text
 * that a spreadsheet would run as a formula (starting with = + - @, tab or CR) is prefixed with an
 * apostrophe (OWASP "CSV injection"); numbers are written as they are.
 */
export function csvCell(value: string | number | boolean | Date | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  let text = value instanceof Date ? value.toISOString() : value;
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Lines of cells, CRLF-terminated (RFC 4180). */
export function csvLines(rows: readonly (readonly Parameters<typeof csvCell>[0][])[]): string {
  return rows.map((r) => r.map(csvCell).join(',') + '\r\n').join('');
}

export interface CsvPage {
  csv: string;
  rows: number;
  totalCount: number;
  hasNextPage: boolean;
  endCursor: string | null;
}

const CASE_COLUMNS = [
  'id',
  'state',
  'channel',
  'category',
  'item',
  'item_version',
  'street_id',
  'courtyard_id',
  'grid_id',
  'spot',
  'description',
  'reported_at',
  'accepted_at',
  'respond_by',
  'resolve_by',
  'responded_at',
  'resolved_at',
  'closed_at',
  'overdue',
  'assignee_kind',
  'assignee',
  'escalation',
  'outcome',
  'referred_to',
  'rating',
  'closed_by',
  'reopen_count',
  'support_count',
  'external_number',
] as const;

const LEDGER_COLUMNS = [
  'category',
  'item',
  'month',
  'opened',
  'resolved',
  'resolved_on_time',
  'on_time_rate',
  'overdue_now',
  'average_resolve_hours',
  'p90_resolve_hours',
  'ratings',
  'satisfied',
  'satisfaction_rate',
  'no_rating',
  'closed',
  'fixed',
  'reopened',
  'reopen_rate',
] as const;

/**
 * CSV exports for the spreadsheets communities use (staff only): a filtered case list, page by page
 * (the first page carries the BOM and the header; later pages only rows, so the pages concatenate
 * into one file), and the ledger. Never the reporter.
 */
export class CsvExports {
  constructor(
    private readonly access: CasesAccess,
    private readonly repository: CaseRepository,
    private readonly caseService: CaseService,
    private readonly ledger: LedgerService,
    private readonly clock: () => Date,
  ) {}

  private requireStaff(principal: Principal | null): void {
    if (!this.access.isStaff(principal)) {
      throw new ForbiddenError('CSV exports are for COMMUNITY_STAFF of the community and ADMIN');
    }
  }

  async caseList(principal: Principal | null, q: CaseQuery, page: Page): Promise<CsvPage> {
    this.requireStaff(principal);
    const now = this.clock();
    const query = { ...q, now };
    const rows =
      page.first === 0
        ? []
        : await this.repository.list(
            query,
            { kind: 'all' },
            page.first + 1,
            page.afterKey === null ? null : [page.afterKey],
          );
    const hasNextPage = rows.length > page.first;
    const shown = rows.slice(0, page.first);
    const body = csvLines(shown.map((c) => this.caseRow(c, now)));
    const head = page.afterKey === null ? BOM + csvLines([CASE_COLUMNS]) : '';
    const last = shown.at(-1);
    return {
      csv: head + body,
      rows: shown.length,
      totalCount: await this.repository.count(query, { kind: 'all' }),
      hasNextPage,
      endCursor: last ? encodeCursor(last.sortKey) : null,
    };
  }

  async ledgerCsv(principal: Principal | null, q: LedgerQuery): Promise<string> {
    this.requireStaff(principal);
    const rows = await this.ledger.query(principal, q);
    return BOM + csvLines([LEDGER_COLUMNS]) + csvLines(rows.map(ledgerRow));
  }

  private caseRow(c: CaseRecord, now: Date) {
    return [
      c.id,
      c.status,
      c.channel,
      c.categoryCode,
      c.itemCode,
      c.itemVersion,
      c.streetId,
      c.courtyardId,
      c.gridId,
      c.spot,
      c.description,
      c.reportedAt,
      c.acceptedAt,
      c.respondDueAt,
      c.resolveDueAt,
      c.respondedAt,
      c.resolvedAt,
      c.closedAt,
      this.caseService.overdue(c, now),
      c.assigneeKind,
      c.assigneeKind === 'CHIEF' ? c.assigneeId : c.assigneeName,
      c.escalationLevel,
      c.outcome,
      c.referredTo,
      c.rating,
      c.closedBy,
      c.reopenCount,
      c.supportCount,
      c.externalNumber,
    ];
  }
}

function ledgerRow(r: LedgerRow) {
  return [
    r.categoryCode,
    r.itemCode,
    r.month,
    r.opened,
    r.resolved,
    r.resolvedOnTime,
    r.onTimeRate,
    r.overdueNow,
    r.averageResolveHours,
    r.p90ResolveHours,
    r.ratings,
    r.satisfied,
    r.satisfactionRate,
    r.noRating,
    r.closed,
    r.fixed,
    r.reopened,
    r.reopenRate,
  ];
}
