import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { hasRole, requireAuthenticated, type Principal } from '@sc/auth';
import {
  CaseEvents,
  type CaseChannel,
  type CaseEventData,
  type CaseOutcome,
  type CaseState,
} from '@sc/cases-contracts';
import {
  type CountedConnection,
  inOriginalOrder,
  isUniqueViolation,
  type OrderedPage,
  type Page,
  persisted,
  placeholders,
  transaction,
} from '@sc/db';
import { type Outbox, pendingEvent, type PendingEvent } from '@sc/events';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '@sc/graphql';
import { appointedChief, GridChief, GridPlace } from '@sc/roster-contracts';
import { historyId } from '@sc/service';
import type { CasesRequest } from '../context';
import { CASE_LIFECYCLE, type CaseAction, OPEN_STATES } from '../domain/lifecycle';
import {
  type AssigneeKind,
  CaseNote,
  CaseRecord,
  CaseTransition,
  type CaseItemVersion,
  type EscalationLevel,
  type NoteVisibility,
} from '../entities';
import { CASE_ORDERS, type CaseQuery } from '../repositories/case.repository';
import type { CasesAccess } from './access';
import type { LedgerService } from './ledger.service';
import { attachEvidenceIn } from './evidence.service';
import { notifyFollowers } from './notices';
import { resolveLimit, respondLimit, type TaxonomyService } from './taxonomy.service';

export interface ReportInput {
  channel: CaseChannel;
  itemCode?: string;
  streetId: string;
  courtyardId?: string;
  spot: string;
  location?: { latitude: number; longitude: number };
  description: string;
  reporterResidentId?: string;
  externalNumber?: string;
  /** Photos of the problem uploaded by the caller (intake). */
  evidenceIds?: string[];
}
export interface ActionInput {
  id: string;
  version: number;
  reason: string;
}
export interface AcceptInput {
  id: string;
  version: number;
  itemCode?: string;
  reason?: string;
}
export interface AssignInput {
  id: string;
  version: number;
  kind?: AssigneeKind;
  chiefId?: string;
  name?: string;
  reason?: string;
}
export interface ResolveInput {
  id: string;
  version: number;
  outcome: CaseOutcome;
  referredTo?: string;
  resolution: string;
  /** Photos of the fix uploaded by the caller (intake). */
  evidenceIds?: string[];
}
export interface EscalateInput {
  id: string;
  version: number;
  level?: EscalationLevel;
  reason: string;
}
export interface RateInput {
  id: string;
  version: number;
  rating: number;
  comment?: string;
}
export interface DuplicateInput {
  id: string;
  version: number;
  originalId: string;
  reason: string;
}
export interface NoteInput {
  id: string;
  visibility: NoteVisibility;
  body: string;
}

/** Who may report through which channel (ADMIN and staff: any). */
const CHANNELS_BY_ROLE = {
  RESIDENT: ['PLATFORM'],
  STREET_CHIEF: ['PHONE', 'IN_PERSON', 'PATROL'],
  TOWN_OFFICER: ['HOTLINE_12345'],
} as const satisfies Record<string, readonly CaseChannel[]>;

/** A resolved or closed case may be reopened within this many days of its resolution. */
export const REOPEN_WINDOW_DAYS = 30;
const URGENT_ADVICE = '紧急情况请立即拨打 119（火警）/ 110，再等待街长处理。';

export interface CaseServiceOptions {
  /** Share of the time to a deadline after which the sweeper warns (default 0.8). */
  warnAt?: number;
}
const DEFAULT_WARN_AT = 0.8;

/** The moment `share` of the time from `from` to `due` is used (the due-soon warning). */
export function warnTime(from: Date, due: Date, share: number): Date {
  return new Date(from.getTime() + Math.round((due.getTime() - from.getTime()) * share));
}

/** What each action writes besides the state: the changed columns, and the event's extra fields. */
interface Step {
  changes: Partial<CaseRecord>;
  event?: (after: CaseRecord, snapshot: CaseEventData) => PendingEvent;
  /** Further events after the main one (e.g. rated, then closed). */
  more?: (after: CaseRecord, snapshot: CaseEventData) => PendingEvent[];
}

/**
 * Cases from report to close. Every action checks the role first, then (in one transaction)
 * locks the case, checks the optimistic version and the state table (CONFLICT naming the current
 * state), the caller's scope and the action's own rules, writes the change, a transition row (who,
 * when, why), the event and the ledger's aggregates — all or nothing.
 */
export class CaseService {
  constructor(
    private readonly ds: DataSource,
    private readonly outbox: Outbox,
    private readonly access: CasesAccess,
    private readonly taxonomy: TaxonomyService,
    private readonly ledger: LedgerService,
    private readonly clock: () => Date,
    private readonly committed: () => void = () => undefined,
    private readonly options: CaseServiceOptions = {},
  ) {}

  /** The share of the time to a deadline after which the sweeper warns (CASES_WARN_AT). */
  get warnShare(): number {
    return this.options.warnAt ?? DEFAULT_WARN_AT;
  }

  // ---- reads ----

  /** A case by id: anyone reads its public view; null only when it does not exist. */
  get(req: CasesRequest, id: string): Promise<CaseRecord | null> {
    return req.loaders.case.load(id);
  }

  /** True when the caller sees the case whole. */
  fullView(req: CasesRequest, c: CaseRecord): boolean {
    return this.access.seesWhole(req.principal, c);
  }

  async list(
    req: CasesRequest,
    q: CaseQuery,
    page: Page | OrderedPage<CaseRecord>,
  ): Promise<CountedConnection<CaseRecord>> {
    const scope = this.access.listScope(req.principal);
    return req.loaders.casePage({ ...q, now: this.clock() }, scope, inOriginalOrder(page, CASE_ORDERS));
  }

  /** `Resident.cases`: the resident themself and staff. */
  seesResidentCases(principal: Principal | null, residentId: string): boolean {
    return this.access.seesResidentCases(principal, residentId);
  }

  /** `StreetChief.caseload`: statistics roles, and a chief for the chief of own grid. */
  seesCaseload(principal: Principal | null, chiefGridId: string | null): boolean {
    return this.access.seesCaseload(principal, chiefGridId);
  }

  /** Past a deadline it has not met, now. */
  overdue(c: CaseRecord, now = this.clock()): boolean {
    if (!OPEN_STATES.includes(c.status)) return false;
    const t = now.getTime();
    return (
      (c.respondDueAt !== null && c.respondedAt === null && c.respondDueAt.getTime() < t) ||
      (c.resolveDueAt !== null && c.resolveDueAt.getTime() < t)
    );
  }

  async urgentAdvice(req: CasesRequest, c: CaseRecord): Promise<string | null> {
    const item = await this.itemOf(req, c);
    return item?.urgent ? URGENT_ADVICE : null;
  }

  itemOf(req: CasesRequest, c: CaseRecord): Promise<CaseItemVersion | null> {
    return c.itemCode && c.itemVersion ? req.loaders.item(c.itemCode, c.itemVersion) : Promise.resolve(null);
  }

  transitions(
    req: CasesRequest,
    c: CaseRecord,
    page: Page,
  ): Promise<CountedConnection<CaseTransition>> | null {
    return this.fullView(req, c) ? req.loaders.transitionPage(c.id, page) : null;
  }

  notes(req: CasesRequest, c: CaseRecord, page: Page): Promise<CountedConnection<CaseNote>> {
    return req.loaders.notePage(c.id, this.fullView(req, c), page);
  }

  // ---- report ----

  async report(req: CasesRequest, input: ReportInput): Promise<CaseRecord> {
    const p = requireAuthenticated(req.principal);
    const staff = this.access.isStaff(p);
    if (!staff) {
      const allowed = (Object.keys(CHANNELS_BY_ROLE) as (keyof typeof CHANNELS_BY_ROLE)[])
        .filter((r) => hasRole(p, r))
        .flatMap((r) => CHANNELS_BY_ROLE[r] as readonly CaseChannel[]);
      if (allowed.length === 0)
        throw new ForbiddenError('reporting a case requires RESIDENT, STREET_CHIEF or staff');
      if (!allowed.includes(input.channel)) {
        throw new ForbiddenError(
          `your role may report through ${allowed.join(', ')} only, not ${input.channel}`,
        );
      }
    }
    if (input.channel === 'OPEN311') {
      throw new BadUserInputError('OPEN311 cases come in through POST /open311/v2/requests.json', [
        { field: 'input.channel', message: 'OPEN311 is for the Open311 endpoint, with a client key' },
      ]);
    }
    let reporter = input.reporterResidentId ?? null;
    const scope = this.access.scopeOf(p);
    if (!staff && scope.kind === 'own') {
      if (reporter !== null && reporter !== scope.residentId) {
        throw new ForbiddenError('a resident reports only in their own name');
      }
      reporter = scope.residentId;
    } else if (!staff && hasRole(p, 'RESIDENT') && scope.kind === 'none') {
      throw new ForbiddenError('your token names no resident (scope resident:<id>)');
    }
    if (input.channel === 'HOTLINE_12345' && !input.externalNumber) {
      throw new BadUserInputError('externalNumber is required for HOTLINE_12345', [
        { field: 'input.externalNumber', message: 'is required for a 12345 referral' },
      ]);
    }
    if (input.channel !== 'HOTLINE_12345' && input.externalNumber) {
      throw new BadUserInputError('externalNumber is for HOTLINE_12345 referrals only', [
        { field: 'input.externalNumber', message: 'only for channel HOTLINE_12345' },
      ]);
    }
    try {
      return await this.commit(() =>
        transaction(this.ds, async (m) => {
          const created = await this.reportIn(
            m,
            p.subject,
            { ...input, reporterResidentId: reporter ?? undefined },
            {
              chiefGrids: scope.kind === 'grids' && !staff ? scope.gridIds : null,
            },
          );
          return created;
        }),
      );
    } catch (error) {
      if (isUniqueViolation(error, { index: 'uq_case_external_number', columns: 'external_number' })) {
        throw new ConflictError('a case with this 12345 referral number exists already', {
          field: 'input.externalNumber',
        });
      }
      throw error;
    }
  }

  /**
   * Writes a new case in the caller's transaction after checking every reference against the read
   * models (BAD_USER_INPUT naming the field: nothing is written). Used by `report`, the patrol-finding
   * consumer and the demo seed.
   */
  async reportIn(
    m: EntityManager,
    actor: string,
    input: ReportInput & { patrolId?: string; id?: string; at?: Date },
    opts: { chiefGrids: string[] | null } = { chiefGrids: null },
  ): Promise<CaseRecord> {
    const refs = await reportReferences(
      m,
      input.streetId,
      input.courtyardId ?? null,
      input.reporterResidentId ?? null,
      input.itemCode ?? null,
    );
    const street = refs.street;
    if (!street) throw badInput('input.streetId', 'is not an active street of the roster');
    if (input.courtyardId) {
      const yard = refs.courtyard;
      if (!yard) throw badInput('input.courtyardId', 'is not an active courtyard of the roster');
      if (yard.parentId !== street.id) throw badInput('input.courtyardId', 'is not on the given street');
    }
    if (input.reporterResidentId && !refs.residentActive) {
      throw badInput('input.reporterResidentId', 'is not a resident living in the community');
    }
    // The item's current version, read in the same statement as the read models (ADR 0053): the
    // same answer as `taxonomy.current` in this transaction, so an edit is seen once it commits.
    const item = refs.item;
    if (input.itemCode) {
      if (!item) throw badInput('input.itemCode', 'is not an item of the taxonomy');
      if (!item.active) throw badInput('input.itemCode', RETIRED);
    }
    const gridId = refs.gridId;
    if (opts.chiefGrids && (gridId === null || !opts.chiefGrids.includes(gridId))) {
      throw new ForbiddenError('a street chief reports cases of own grid only');
    }
    const at = input.at ?? this.clock();
    const id = input.id ?? randomUUID();
    const row: CaseRecord = {
      id,
      status: 'REPORTED',
      version: 1,
      channel: input.channel,
      itemCode: item?.itemCode ?? null,
      itemVersion: item?.version ?? null,
      categoryCode: item?.categoryCode ?? null,
      communityId: street.communityId,
      streetId: street.id,
      courtyardId: input.courtyardId ?? null,
      gridId,
      spot: input.spot,
      latitude: input.location?.latitude ?? null,
      longitude: input.location?.longitude ?? null,
      description: input.description,
      reporterResidentId: input.reporterResidentId ?? null,
      reportedBy: actor,
      reportedAt: at,
      externalNumber: input.externalNumber ?? null,
      patrolId: input.patrolId ?? null,
      acceptedAt: null,
      respondDueAt: null,
      resolveDueAt: null,
      respondedAt: null,
      resolvedAt: null,
      closedAt: null,
      assigneeKind: null,
      assigneeId: null,
      assigneeName: null,
      escalationLevel: 'NONE',
      outcome: null,
      referredTo: null,
      resolution: null,
      rating: null,
      closedBy: null,
      duplicateOfId: null,
      respondOverdue: false,
      resolveOverdue: false,
      respondWarned: false,
      resolveWarned: false,
      reopenCount: 0,
      respondWarnAt: null,
      resolveWarnAt: null,
      supportCount: 0,
      sortKey: `${at.toISOString()}~${id}`,
      createdAt: at,
      updatedAt: at,
    };
    // Plain statements (ADR 0053): TypeORM's insert builder cost more CPU than MariaDB's insert.
    await insertRow(m, CaseRecord, row);
    await insertRow(m, CaseTransition, {
      id: historyId(),
      caseId: id,
      action: 'REPORT',
      fromStatus: null,
      toStatus: 'REPORTED',
      actor,
      reason: `${input.channel} 受理登记`,
      at,
    });
    await this.outbox.add(m, CaseEvents.caseReported, id, snapshotOf(row, null, 'REPORT', at, actor), {
      time: at,
    });
    await this.ledger.record(m, null, row);
    if (input.evidenceIds?.length) await attachEvidenceIn(m, actor, id, input.evidenceIds, 'BEFORE', false);
    return row;
  }

  /** The grid of a place: the courtyard's grid if it has one, else the street's; null: uncovered. */
  async gridOf(m: EntityManager, streetId: string, courtyardId: string | null): Promise<string | null> {
    const repo = m.getRepository(GridPlace);
    if (courtyardId) {
      const yard = await repo.findOne({
        where: { placeId: courtyardId, kind: 'COURTYARD' },
        order: { gridId: 'ASC' },
      });
      if (yard) return yard.gridId;
    }
    const street = await repo.findOne({
      where: { placeId: streetId, kind: 'STREET' },
      order: { gridId: 'ASC' },
    });
    return street?.gridId ?? null;
  }

  // ---- lifecycle actions ----

  accept(req: CasesRequest, input: AcceptInput): Promise<CaseRecord> {
    return this.act(req, { ...input, reason: input.reason ?? '受理' }, 'ACCEPT', async (m, c, _p, at) => {
      const code = input.itemCode ?? c.itemCode;
      if (!code) throw badInput('input.itemCode', 'is required: the report named no item');
      const item = await this.taxonomy.current(m, code);
      if (!item) throw badInput('input.itemCode', 'is not an item of the taxonomy');
      // A case filed under an item before it was retired keeps it (accepted under its last version);
      // choosing a retired item anew is refused (ADR 0048).
      if (!item.active && code !== c.itemCode) throw badInput('input.itemCode', RETIRED);
      const calendar = await this.taxonomy.calendar(m);
      // Counted from the report, by the version at accept: re-categorising later changes nothing.
      const respondDueAt = calendar.add(c.reportedAt, respondLimit(item));
      const resolveDueAt = calendar.add(c.reportedAt, resolveLimit(item));
      return {
        changes: {
          itemCode: item.itemCode,
          itemVersion: item.version,
          categoryCode: item.categoryCode,
          acceptedAt: at,
          respondDueAt,
          resolveDueAt,
          respondWarnAt: warnTime(c.reportedAt, respondDueAt, this.warnShare),
          resolveWarnAt: warnTime(c.reportedAt, resolveDueAt, this.warnShare),
        },
        event: (_after, s) => pendingEvent(CaseEvents.caseAccepted, s),
      };
    });
  }

  assign(req: CasesRequest, input: AssignInput): Promise<CaseRecord> {
    return this.act(req, { ...input, reason: input.reason ?? '派单' }, 'ASSIGN', async (m, c, p, at) => {
      const staffOrOfficer = this.access.isStaff(p) || hasRole(p, 'TOWN_OFFICER');
      if (!staffOrOfficer && input.kind !== undefined) {
        throw new ForbiddenError('a street chief takes the default assignment only (omit kind)');
      }
      let kind: AssigneeKind;
      let assigneeId: string | null = null;
      let name: string | null = null;
      if (input.kind === undefined) {
        const item = await this.requiredItem(m, c);
        if (item.defaultAssignee === 'COMMUNITY_STAFF') {
          if (!staffOrOfficer) throw new ForbiddenError('this item goes to the community staff by default');
          kind = 'STAFF';
          name = '社区工作人员';
        } else {
          const chief = c.gridId ? await appointedChief(m, c.gridId) : null;
          if (!chief) {
            throw new ConflictError(
              'the place of this case has no appointed street chief: assign it to staff or a department',
              { currentState: c.status },
            );
          }
          kind = 'CHIEF';
          assigneeId = chief.chiefId;
        }
      } else if (input.kind === 'CHIEF') {
        if (!input.chiefId) throw badInput('input.chiefId', 'is required when kind is CHIEF');
        const chief = await m
          .getRepository(GridChief)
          .findOneBy({ chiefId: input.chiefId, status: 'APPOINTED' });
        if (!chief) throw badInput('input.chiefId', 'is not an appointed street chief');
        kind = 'CHIEF';
        assigneeId = input.chiefId;
      } else {
        if (input.kind !== 'TOWN' && !input.name)
          throw badInput('input.name', `is required when kind is ${input.kind}`);
        kind = input.kind;
        name = input.name ?? (input.kind === 'TOWN' ? '镇' : null);
      }
      return {
        changes: {
          assigneeKind: kind,
          assigneeId,
          assigneeName: name,
          respondedAt: c.respondedAt ?? at,
        },
        event: (_after, s) => pendingEvent(CaseEvents.caseAssigned, { ...s, assigneeKind: kind, assigneeId }),
      };
    });
  }

  start(req: CasesRequest, input: ActionInput): Promise<CaseRecord> {
    return this.act(req, input, 'START', () => ({
      changes: {},
      event: (_a, s) => pendingEvent(CaseEvents.caseStarted, s),
    }));
  }

  resolve(req: CasesRequest, input: ResolveInput): Promise<CaseRecord> {
    return this.act(
      req,
      { ...input, reason: input.resolution.slice(0, 500) },
      'RESOLVE',
      async (m, c, p, at) => {
        if (input.evidenceIds?.length) {
          await attachEvidenceIn(m, p.subject, c.id, input.evidenceIds, 'AFTER', false);
        }
        if (input.outcome === 'NOT_OUR_RESPONSIBILITY' && !input.referredTo) {
          throw badInput('input.referredTo', 'is required when the outcome is NOT_OUR_RESPONSIBILITY');
        }
        if (input.outcome === 'DUPLICATE') {
          throw badInput('input.outcome', 'DUPLICATE is set by markCaseDuplicate, not by resolving');
        }
        return {
          changes: {
            outcome: input.outcome,
            referredTo: input.referredTo ?? null,
            resolution: input.resolution,
            resolvedAt: at,
          },
          event: (_a, s) => pendingEvent(CaseEvents.caseResolved, s),
        };
      },
    );
  }

  escalate(req: CasesRequest, input: EscalateInput): Promise<CaseRecord> {
    return this.act(req, input, 'ESCALATE', (_m, c) => {
      const level = input.level ?? (c.escalationLevel === 'NONE' ? 'TOWN' : 'COUNTY');
      if (level === 'NONE') throw badInput('input.level', 'must be TOWN or COUNTY');
      if (rank(level) <= rank(c.escalationLevel)) {
        throw new ConflictError(`the case is escalated to ${c.escalationLevel} already`, {
          currentState: c.status,
        });
      }
      return {
        changes: {
          escalationLevel: level,
          assigneeKind: 'TOWN',
          assigneeId: null,
          assigneeName: level === 'TOWN' ? '镇' : '县',
        },
        event: (_a, s) => pendingEvent(CaseEvents.caseEscalated, s),
      };
    });
  }

  reject(req: CasesRequest, input: ActionInput): Promise<CaseRecord> {
    return this.act(req, input, 'REJECT', (_m, _c, _p, at) => ({
      changes: { closedAt: at, outcome: 'NO_FURTHER_ACTION' },
      event: (_a, s) => pendingEvent(CaseEvents.caseRejected, s),
    }));
  }

  markDuplicate(req: CasesRequest, input: DuplicateInput): Promise<CaseRecord> {
    return this.act(req, input, 'MARK_DUPLICATE', async (m, c, _p, at) => {
      if (input.originalId === c.id) throw badInput('input.originalId', 'must be another case');
      const original = await m.getRepository(CaseRecord).findOneBy({ id: input.originalId });
      if (!original) throw badInput('input.originalId', 'is not a case');
      if (!OPEN_STATES.includes(original.status)) {
        throw badInput('input.originalId', `is not open (state ${original.status})`);
      }
      return {
        changes: { duplicateOfId: original.id, outcome: 'DUPLICATE', closedAt: at },
        event: (_a, s) => pendingEvent(CaseEvents.caseMarkedDuplicate, { ...s, originalCaseId: original.id }),
      };
    });
  }

  /** The reporter's rating: 3–5 close the case, 1–2 reopen it (the rating is kept either way). */
  async rate(req: CasesRequest, input: RateInput): Promise<CaseRecord> {
    const action: CaseAction = input.rating >= 3 ? 'RATE' : 'REOPEN';
    CASE_LIFECYCLE.requireActor(req.principal, 'RATE');
    const after = await this.act(
      req,
      { ...input, reason: `评价 ${input.rating} 分` },
      action,
      async (m, c, p, at) => {
        const scope = this.access.scopeOf(p);
        if (scope.kind !== 'own' || c.reporterResidentId !== scope.residentId) {
          throw new ForbiddenError('only the reporter rates a case');
        }
        if (c.status !== 'RESOLVED') {
          throw new ConflictError(`A case in state ${c.status} cannot be rated`, { currentState: c.status });
        }
        const item = await this.requiredItem(m, c);
        if (item.confirmation !== 'RATING') {
          throw new ConflictError('this item is confirmed by the rectification check, not by a rating', {
            currentState: c.status,
          });
        }
        if (input.comment) {
          await m.insert(CaseNote, {
            id: randomUUID(),
            caseId: c.id,
            visibility: 'INTERNAL',
            body: `评价 ${input.rating} 分：${input.comment}`,
            author: p.subject,
            at,
          });
        }
        const changes: Partial<CaseRecord> =
          action === 'RATE'
            ? { rating: input.rating, closedAt: at, closedBy: 'RATING' }
            : { rating: input.rating, reopenCount: c.reopenCount + 1 };
        return {
          changes,
          event: (_a, s) => pendingEvent(CaseEvents.caseRated, s),
          more: (_a, s) =>
            action === 'RATE'
              ? [pendingEvent(CaseEvents.caseClosed, { ...s, closedBy: 'RATING' })]
              : [pendingEvent(CaseEvents.caseReopened, s)],
        };
      },
      { skipRoleCheck: true },
    );
    return after;
  }

  confirmRectification(req: CasesRequest, input: ActionInput): Promise<CaseRecord> {
    return this.act(req, input, 'CONFIRM', async (m, c, _p, at) => {
      const item = await this.requiredItem(m, c);
      if (item.confirmation === 'RATING' && c.reporterResidentId !== null) {
        throw new ConflictError("this request is confirmed by the reporter's rating", {
          currentState: c.status,
        });
      }
      return {
        changes: { closedAt: at, closedBy: 'RECTIFICATION_CHECK' },
        event: (_a, s) => pendingEvent(CaseEvents.caseClosed, { ...s, closedBy: 'RECTIFICATION_CHECK' }),
      };
    });
  }

  reopen(req: CasesRequest, input: ActionInput): Promise<CaseRecord> {
    return this.act(req, input, 'REOPEN', (_m, c, p, at) => {
      const scope = this.access.scopeOf(p);
      if (scope.kind === 'own' && c.reporterResidentId !== scope.residentId) {
        throw new ForbiddenError('a resident reopens own cases only');
      }
      if (!c.resolvedAt || at.getTime() - c.resolvedAt.getTime() > REOPEN_WINDOW_DAYS * 86_400_000) {
        throw new ConflictError(`a case reopens within ${REOPEN_WINDOW_DAYS} days of its resolution only`, {
          currentState: c.status,
        });
      }
      return {
        changes: { reopenCount: c.reopenCount + 1, closedAt: null, closedBy: null },
        event: (_a, s) => pendingEvent(CaseEvents.caseReopened, s),
      };
    });
  }

  /** The sweeper's close of a resolved request that got no rating in time: counted as no rating. */
  autoClose(id: string): Promise<CaseRecord> {
    return this.commit(() =>
      transaction(this.ds, (m) =>
        this.actIn(
          m,
          'system',
          { id, reason: '超时未评价，自动结案（无评价）' },
          'AUTO_CLOSE',
          (_m, _c, at) => ({
            changes: { closedAt: at, closedBy: 'NO_RATING' },
            event: (_a, s) => pendingEvent(CaseEvents.caseClosed, { ...s, closedBy: 'NO_RATING' }),
          }),
        ),
      ),
    );
  }

  async addNote(req: CasesRequest, input: NoteInput): Promise<CaseNote> {
    const p = requireAuthenticated(req.principal);
    return this.commit(() =>
      transaction(this.ds, async (m) => {
        const c = await m.getRepository(CaseRecord).findOneBy({ id: input.id });
        if (!c || !this.access.seesWhole(p, c)) throw new NotFoundError('Case', input.id);
        if (this.access.scopeOf(p).kind === 'own' && input.visibility !== 'PUBLIC') {
          throw new ForbiddenError('a reporter adds public notes only');
        }
        const note: CaseNote = {
          id: randomUUID(),
          caseId: c.id,
          visibility: input.visibility,
          body: input.body,
          author: p.subject,
          at: this.clock(),
        };
        await m.insert(CaseNote, note);
        if (note.visibility === 'PUBLIC') {
          await notifyFollowers(m, c, { kind: 'PUBLIC_NOTE', action: 'NOTE', noteId: note.id, at: note.at });
        }
        return note;
      }),
    );
  }

  // ---- the machinery ----

  /**
   * One lifecycle action: role, then (locked) version, state, scope, the action's rules and change,
   * history, events and ledger in one transaction.
   */
  private async act(
    req: CasesRequest,
    input: { id: string; version: number; reason: string },
    action: CaseAction,
    step: (m: EntityManager, c: CaseRecord, p: Principal, at: Date) => Step | Promise<Step>,
    opts: { skipRoleCheck?: boolean } = {},
  ): Promise<CaseRecord> {
    const p = opts.skipRoleCheck
      ? requireAuthenticated(req.principal)
      : CASE_LIFECYCLE.requireActor(req.principal, action);
    return this.commit(() =>
      transaction(this.ds, (m) =>
        this.actIn(m, p.subject, input, action, (mm, c, at) => {
          if (!this.access.seesWhole(p, c)) {
            throw new ForbiddenError('this case is outside your scope (grid, community or escalations)');
          }
          return step(mm, c, p, at);
        }),
      ),
    );
  }

  /** The transaction part of an action, also for the sweeper (actor `system`, no principal). */
  async actIn(
    m: EntityManager,
    actor: string,
    input: { id: string; version?: number; reason: string },
    action: CaseAction,
    step: (m: EntityManager, c: CaseRecord, at: Date) => Step | Promise<Step>,
  ): Promise<CaseRecord> {
    const at = this.clock();
    let before: CaseRecord | null = null;
    let pending: Step | null = null;
    const after = await CASE_LIFECYCLE.transition<CaseRecord>(m, {
      entity: CaseRecord,
      id: input.id,
      action,
      actor,
      reason: input.reason,
      expectedVersion: input.version,
      at,
      apply: async (mm, row, next) => {
        before = { ...row };
        pending = await step(mm, row, at);
        const changes = { ...pending.changes, updatedAt: at };
        const snapshot = snapshotOf({ ...row, ...changes, status: next }, row.status, action, at, actor);
        return {
          changes,
          event: pending.event?.({ ...row, ...changes, status: next } as CaseRecord, snapshot),
        };
      },
      history: (row, from, to, when) => ({
        entity: CaseTransition,
        row: {
          id: historyId(),
          caseId: row.id,
          action,
          fromStatus: from,
          toStatus: to,
          actor,
          reason: input.reason,
          at: when,
        },
      }),
      outbox: this.outbox,
    });
    const done = pending as Step | null;
    if (done?.more) {
      const snapshot = snapshotOf(after, (before as CaseRecord | null)?.status ?? null, action, at, actor);
      for (const e of done.more(after, snapshot)) {
        await this.outbox.add(m, e.contract, after.id, e.data, { time: at });
      }
    }
    await this.ledger.record(m, before, after);
    // Every transition is a public update: the reporter and the supporters are told.
    await notifyFollowers(m, after, { kind: 'STATE_CHANGED', action, noteId: null, at });
    return after;
  }

  /** The item version a case was accepted under (its deadlines come from it). */
  async requiredItem(m: EntityManager, c: CaseRecord): Promise<CaseItemVersion> {
    const item =
      c.itemCode && c.itemVersion
        ? (await this.taxonomy.versions(m, [{ code: c.itemCode, version: c.itemVersion }])).values().next()
            .value
        : undefined;
    if (!item) throw new Error(`case ${c.id} has no item version although accepted`);
    return item;
  }

  private async commit<T>(work: () => Promise<T>): Promise<T> {
    const result = await work();
    this.committed();
    return result;
  }
}

/**
 * What a report refers to, from the read models in one statement (a report is the hot write path:
 * one round trip instead of four): the active street and courtyard (as `activePlace`), whether the
 * reporter is an active resident (as `activeResident`), and the grid of the place (as
 * {@link CaseService.gridOf}: the courtyard's grid if it has one, else the street's; the smallest id
 * when several).
 */
async function reportReferences(
  m: EntityManager,
  streetId: string,
  courtyardId: string | null,
  residentId: string | null,
  itemCode: string | null,
): Promise<{
  street: { id: string; communityId: string } | null;
  courtyard: { id: string; parentId: string | null } | null;
  residentActive: boolean;
  gridId: string | null;
  /** The item's current version (what `TaxonomyService.current` returns), null: unknown or none asked. */
  item: Pick<CaseItemVersion, 'itemCode' | 'version' | 'categoryCode' | 'active'> | null;
}> {
  // The item branch is the join `TaxonomyService.current` makes in two reads: `case_item` names the
  // current version (an ADMIN edit, ADR 0048, moves it in its transaction), `case_item_version` holds it.
  const rows = (await m.query(
    `SELECT 'PLACE' AS k, id AS id, kind AS kind, parent_id AS parentId, community_id AS communityId
       FROM roster_place WHERE id IN (?, ?) AND status = 'ACTIVE'
     UNION ALL
     SELECT 'RESIDENT', id, NULL, NULL, NULL FROM people_resident WHERE id = ? AND status = 'ACTIVE'
     UNION ALL
     SELECT 'GRID', grid_id, kind, place_id, NULL FROM grid_place
      WHERE (place_id = ? AND kind = 'STREET') OR (place_id = ? AND kind = 'COURTYARD')
     UNION ALL
     SELECT 'ITEM', v.item_code, v.category_code, CAST(v.version AS CHAR), CAST(v.active AS CHAR)
       FROM case_item i JOIN case_item_version v ON v.item_code = i.code AND v.version = i.current_version
      WHERE i.code = ?`,
    [streetId, courtyardId ?? streetId, residentId ?? '', streetId, courtyardId ?? '', itemCode ?? ''],
  )) as { k: string; id: string; kind: string | null; parentId: string | null; communityId: string | null }[];
  // At most one: `code` is the primary key (compared as the database compares it, as before).
  const itemRow = itemCode === null ? undefined : rows.find((r) => r.k === 'ITEM');
  const place = (id: string | null, kind: string) =>
    rows.find((r) => r.k === 'PLACE' && r.id === id && r.kind === kind) ?? null;
  const grid = (kind: string, placeId: string | null) =>
    rows
      .filter((r) => r.k === 'GRID' && r.kind === kind && r.parentId === placeId)
      .map((r) => r.id)
      .sort()[0] ?? null;
  const street = place(streetId, 'STREET');
  const yard = courtyardId ? place(courtyardId, 'COURTYARD') : null;
  return {
    street: street ? { id: street.id, communityId: street.communityId ?? '' } : null,
    courtyard: yard ? { id: yard.id, parentId: yard.parentId } : null,
    residentActive: residentId !== null && rows.some((r) => r.k === 'RESIDENT' && r.id === residentId),
    gridId: (courtyardId ? grid('COURTYARD', courtyardId) : null) ?? grid('STREET', streetId),
    item: itemRow
      ? {
          itemCode: itemRow.id,
          categoryCode: itemRow.kind ?? '',
          version: Number(itemRow.parentId),
          active: Number(itemRow.communityId) === 1,
        }
      : null,
  };
}

/** `INSERT` of one row by its properties, as a plain statement (column names and values as TypeORM's). */
async function insertRow<T extends ObjectLiteral>(
  m: EntityManager,
  entity: EntityTarget<T>,
  values: Partial<T>,
): Promise<void> {
  const { columns, params } = persisted(m, entity, values);
  const table = m.connection.driver.escape(m.connection.getMetadata(entity).tableName);
  await m.query(
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${placeholders(params.length)})`,
    params,
  );
}

const rank = (l: EscalationLevel): number => (l === 'NONE' ? 0 : l === 'TOWN' ? 1 : 2);

/** The refusal of a retired item for a new case (ADR 0048). */
export const RETIRED = 'is retired: choose another item of the taxonomy';

export function badInput(field: string, message: string): BadUserInputError {
  return new BadUserInputError(`${field} ${message}`, [{ field, message }]);
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** The ledger snapshot every case event carries. */
export function snapshotOf(
  c: CaseRecord,
  previous: CaseState | null,
  action: string,
  at: Date,
  actor: string,
): CaseEventData {
  return {
    caseId: c.id,
    state: c.status,
    previousState: previous,
    action,
    channel: c.channel,
    categoryCode: c.categoryCode,
    itemCode: c.itemCode,
    itemVersion: c.itemVersion,
    communityId: c.communityId,
    streetId: c.streetId,
    courtyardId: c.courtyardId,
    gridId: c.gridId,
    reportedAt: c.reportedAt.toISOString(),
    acceptedAt: iso(c.acceptedAt),
    respondDueAt: iso(c.respondDueAt),
    resolveDueAt: iso(c.resolveDueAt),
    respondedAt: iso(c.respondedAt),
    resolvedAt: iso(c.resolvedAt),
    closedAt: iso(c.closedAt),
    outcome: c.outcome,
    rating: c.rating,
    reopenCount: c.reopenCount,
    escalationLevel: c.escalationLevel,
    at: at.toISOString(),
    actor,
  };
}
