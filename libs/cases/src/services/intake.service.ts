import { randomUUID } from 'node:crypto';
import { type DataSource, type EntityManager, In } from 'typeorm';
import { hasRole, requireAuthenticated } from '@sc/auth';
import { CaseEvents } from '@sc/cases-contracts';
import { type CountedConnection, fetchPage, lockById, type Page, transaction } from '@sc/db';
import { type Outbox, pendingEvent } from '@sc/events';
import { ConflictError, ForbiddenError, NotFoundError } from '@sc/graphql';
import { activePlace, appointedChief } from '@sc/roster-contracts';
import { historyId } from '@sc/service';
import type { CasesRequest } from '../context';
import { OPEN_STATES } from '../domain/lifecycle';
import {
  CaseNote,
  CaseRecord,
  CaseSupport,
  CaseTransition,
  CaseUpdateNotice,
  type CaseItemVersion,
} from '../entities';
import type { CasesAccess } from './access';
import {
  badInput,
  type CaseService,
  REOPEN_WINDOW_DAYS,
  RETIRED,
  snapshotOf,
  warnTime,
} from './case.service';
import type { LedgerService } from './ledger.service';
import { notifyFollowers } from './notices';
import { resolveLimit, respondLimit, type TaxonomyService } from './taxonomy.service';

/** Open cases of the same item within this distance (or on the same courtyard) are offered first. */
export const SIMILAR_RADIUS_METERS = 50;
const EARTH_RADIUS_METERS = 6_371_008.8;
/** Metres per degree of latitude on the haversine sphere, with 1 % of margin for the prefilter. */
const METERS_PER_DEGREE_LATITUDE = ((EARTH_RADIUS_METERS * Math.PI) / 180) * 0.99;

/** Great-circle distance in metres (haversine). */
export function haversineMeters(
  a: { latitude: number; longitude: number },
  b: { latitude: number; longitude: number },
): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLng = (b.longitude - a.longitude) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_METERS * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The latitude/longitude box around a point that holds every point within `meters` (prefilter). */
export function boundingBox(p: { latitude: number; longitude: number }, meters: number) {
  const dLat = meters / METERS_PER_DEGREE_LATITUDE;
  const cos = Math.cos((Math.abs(p.latitude) + dLat) * (Math.PI / 180));
  const dLng = cos <= 1e-6 ? 180 : Math.min(180, meters / (METERS_PER_DEGREE_LATITUDE * cos));
  return {
    minLat: p.latitude - dLat,
    maxLat: p.latitude + dLat,
    minLng: p.longitude - dLng,
    maxLng: p.longitude + dLng,
  };
}

export interface SimilarInput {
  itemCode: string;
  streetId: string;
  courtyardId?: string;
  location?: { latitude: number; longitude: number };
  first?: number;
}
export interface SimilarCase {
  case: CaseRecord;
  distanceMeters: number | null;
  sameCourtyard: boolean;
}
export interface CorrectInput {
  id: string;
  version: number;
  itemCode?: string;
  streetId?: string;
  courtyardId?: string | null;
  spot?: string;
  location?: { latitude: number; longitude: number } | null;
  recomputeDeadlines?: boolean;
  reason: string;
}
export interface AdditionInput {
  id: string;
  version: number;
  addition: string;
}

/**
 * What users of the 12345/FixMyStreet-style systems keep asking for, on top of the lifecycle:
 * "me too" (附议) instead of duplicate reports, similar open cases offered while reporting, staff
 * correction of item and place (re-routed, deadlines kept), the reporter's updates, and adding to a
 * resolved case to reopen it.
 */
export class IntakeService {
  constructor(
    private readonly ds: DataSource,
    private readonly outbox: Outbox,
    private readonly access: CasesAccess,
    private readonly taxonomy: TaxonomyService,
    private readonly ledger: LedgerService,
    private readonly cases: CaseService,
    private readonly clock: () => Date,
    private readonly committed: () => void = () => undefined,
  ) {}

  /**
   * Open cases of the same item within 50 m of the point or on the same courtyard, nearest first
   * (courtyard matches without a point last). A bounding box on the indexed (item, latitude,
   * longitude) columns prefilters; the exact haversine distance decides. Public views only.
   */
  async similarOpenCases(req: CasesRequest, input: SimilarInput): Promise<SimilarCase[]> {
    requireAuthenticated(req.principal);
    const limit = input.first ?? 10;
    const item = await this.taxonomy.current(this.ds.manager, input.itemCode);
    if (!item) throw badInput('args.itemCode', 'is not an item of the taxonomy');
    const repo = this.ds.getRepository(CaseRecord);
    const found = new Map<string, SimilarCase>();
    if (input.location) {
      const box = boundingBox(input.location, SIMILAR_RADIUS_METERS);
      const near = await repo
        .createQueryBuilder('c')
        .where('c.item_code = :item', { item: item.itemCode })
        .andWhere('c.latitude BETWEEN :minLat AND :maxLat', box)
        .andWhere('c.longitude BETWEEN :minLng AND :maxLng', box)
        .andWhere('c.status IN (:...open)', { open: OPEN_STATES })
        .limit(500)
        .getMany();
      for (const c of near) {
        if (c.latitude === null || c.longitude === null) continue;
        const d = haversineMeters(input.location, { latitude: c.latitude, longitude: c.longitude });
        if (d <= SIMILAR_RADIUS_METERS) {
          found.set(c.id, { case: c, distanceMeters: d, sameCourtyard: c.courtyardId === input.courtyardId });
        }
      }
    }
    if (input.courtyardId) {
      const yard = await repo.find({
        where: { courtyardId: input.courtyardId, status: In([...OPEN_STATES]), itemCode: item.itemCode },
        take: 500,
      });
      for (const c of yard) {
        if (found.has(c.id)) continue;
        const d =
          input.location && c.latitude !== null && c.longitude !== null
            ? haversineMeters(input.location, { latitude: c.latitude, longitude: c.longitude })
            : null;
        found.set(c.id, { case: c, distanceMeters: d, sameCourtyard: true });
      }
    }
    const all = [...found.values()].sort(
      (a, b) =>
        (a.distanceMeters ?? Number.POSITIVE_INFINITY) - (b.distanceMeters ?? Number.POSITIVE_INFINITY) ||
        b.case.supportCount - a.case.supportCount ||
        a.case.id.localeCompare(b.case.id),
    );
    for (const s of all) req.loaders.case.prime(s.case.id, s.case);
    return all.slice(0, limit);
  }

  /**
   * "Me too" (附议): a resident supports an open case instead of reporting it again. Counted once per
   * resident (a second call changes nothing and returns the case); the supporter is told of the
   * case's public updates from then on. Does not change the case's `version` (no one's action is
   * made stale by it).
   */
  async support(req: CasesRequest, id: string): Promise<CaseRecord> {
    const p = requireAuthenticated(req.principal);
    const scope = this.access.scopeOf(p);
    if (!hasRole(p, 'RESIDENT') || scope.kind !== 'own') {
      throw new ForbiddenError('"me too" is for residents (RESIDENT with scope resident:<id>)');
    }
    const result = await transaction(this.ds, async (m) => {
      const c = await lockById(m, CaseRecord, id);
      if (!c) throw new NotFoundError('Case', id);
      if (!OPEN_STATES.includes(c.status)) {
        throw new ConflictError(`A case in state ${c.status} is not open: report it anew`, {
          currentState: c.status,
        });
      }
      if (c.reporterResidentId === scope.residentId) {
        throw new ConflictError('you reported this case yourself', { currentState: c.status });
      }
      const already = await m
        .getRepository(CaseSupport)
        .findOneBy({ caseId: id, residentId: scope.residentId });
      if (already) return { c, changed: false };
      const at = this.clock();
      await m.insert(CaseSupport, { caseId: id, residentId: scope.residentId, at });
      await m.getRepository(CaseRecord).increment({ id }, 'supportCount', 1);
      const after = { ...c, supportCount: c.supportCount + 1 };
      await this.outbox.add(
        m,
        CaseEvents.caseSupported,
        id,
        { ...snapshotOf(after, c.status, 'SUPPORT', at, p.subject), supportCount: after.supportCount },
        { time: at },
      );
      return { c: after, changed: true };
    });
    if (result.changed) this.committed();
    req.loaders.case.clear(id).prime(id, result.c);
    return result.c;
  }

  /** True when the caller (a resident) supports the case. */
  async supportedByMe(req: CasesRequest, c: CaseRecord): Promise<boolean | null> {
    const scope = this.access.scopeOf(req.principal);
    if (scope.kind !== 'own') return null;
    return req.loaders.supportedBy(scope.residentId, c.id);
  }

  /**
   * Staff correct a wrong item or place of an open case (logged as a CORRECT history row, from and to
   * the same state). The case is re-routed to the grid of the (new) place; a chief's assignment
   * moves to that grid's appointed chief (staff when it has none). The deadlines stay those of the
   * original accept unless `recomputeDeadlines` (then from the corrected item's current version,
   * counted from the report, and the overdue marks and warnings start again). The ledger moves with
   * the case in the same transaction.
   */
  async correct(req: CasesRequest, input: CorrectInput): Promise<CaseRecord> {
    const p = requireAuthenticated(req.principal);
    if (!this.access.isStaff(p)) {
      throw new ForbiddenError('correcting a case requires COMMUNITY_STAFF of the community or ADMIN');
    }
    const touched =
      input.itemCode !== undefined ||
      input.streetId !== undefined ||
      input.courtyardId !== undefined ||
      input.spot !== undefined ||
      input.location !== undefined ||
      input.recomputeDeadlines === true;
    if (!touched)
      throw badInput('input', 'names nothing to correct (itemCode, streetId, courtyardId, spot, location)');
    const after = await transaction(this.ds, async (m) => {
      const c = await lockById(m, CaseRecord, input.id);
      if (!c) throw new NotFoundError('Case', input.id);
      if (c.version !== input.version) {
        throw new ConflictError(`The case was changed meanwhile (version ${c.version})`, {
          currentState: c.status,
          currentVersion: c.version,
        });
      }
      if (!OPEN_STATES.includes(c.status)) {
        throw new ConflictError(`A case in state ${c.status} cannot be corrected`, {
          currentState: c.status,
        });
      }
      const at = this.clock();
      const changes: Partial<CaseRecord> = {};
      let item: CaseItemVersion | null = null;
      if (input.itemCode !== undefined && input.itemCode !== c.itemCode) {
        item = await this.taxonomy.current(m, input.itemCode);
        if (!item) throw badInput('input.itemCode', 'is not an item of the taxonomy');
        if (!item.active) throw badInput('input.itemCode', RETIRED);
        Object.assign(changes, {
          itemCode: item.itemCode,
          itemVersion: item.version,
          categoryCode: item.categoryCode,
        });
      }
      const streetId = input.streetId ?? c.streetId;
      const courtyardId =
        input.courtyardId !== undefined ? input.courtyardId : input.streetId ? null : c.courtyardId;
      const placeChanged = streetId !== c.streetId || courtyardId !== c.courtyardId;
      if (placeChanged) {
        const street = await activePlace(m, streetId, 'STREET');
        if (!street) throw badInput('input.streetId', 'is not an active street of the roster');
        if (courtyardId) {
          const yard = await activePlace(m, courtyardId, 'COURTYARD');
          if (!yard) throw badInput('input.courtyardId', 'is not an active courtyard of the roster');
          if (yard.parentId !== street.id) throw badInput('input.courtyardId', 'is not on the street');
        }
        const gridId = await this.cases.gridOf(m, street.id, courtyardId);
        Object.assign(changes, { streetId: street.id, courtyardId, communityId: street.communityId, gridId });
        if (gridId !== c.gridId && c.assigneeKind === 'CHIEF') {
          const chief = gridId ? await appointedChief(m, gridId) : null;
          Object.assign(
            changes,
            chief
              ? { assigneeKind: 'CHIEF', assigneeId: chief.chiefId, assigneeName: null }
              : { assigneeKind: 'STAFF', assigneeId: null, assigneeName: '社区工作人员' },
          );
        }
      }
      if (input.spot !== undefined) changes.spot = input.spot;
      if (input.location !== undefined) {
        changes.latitude = input.location?.latitude ?? null;
        changes.longitude = input.location?.longitude ?? null;
      }
      if (input.recomputeDeadlines) {
        if (c.acceptedAt === null) {
          throw badInput('input.recomputeDeadlines', 'the case is not accepted yet: it has no deadlines');
        }
        const basis = item ?? (await this.cases.requiredItem(m, c));
        const calendar = await this.taxonomy.calendar(m);
        const respondDueAt = calendar.add(c.reportedAt, respondLimit(basis));
        const resolveDueAt = calendar.add(c.reportedAt, resolveLimit(basis));
        Object.assign(changes, {
          itemVersion: basis.version,
          respondDueAt,
          resolveDueAt,
          respondWarnAt: warnTime(c.reportedAt, respondDueAt, this.cases.warnShare),
          resolveWarnAt: warnTime(c.reportedAt, resolveDueAt, this.cases.warnShare),
          respondOverdue: false,
          resolveOverdue: false,
          respondWarned: false,
          resolveWarned: false,
        });
      }
      const next: CaseRecord = { ...c, ...changes, version: c.version + 1, updatedAt: at };
      await m
        .getRepository(CaseRecord)
        .update({ id: c.id }, { ...changes, version: next.version, updatedAt: at });
      const what = [
        item ? `事项 ${c.itemCode ?? '-'} → ${item.itemCode}` : null,
        placeChanged ? '地点' : null,
        input.spot !== undefined ? '位置描述' : null,
        input.location !== undefined ? '坐标' : null,
        input.recomputeDeadlines ? '时限重算' : '时限不变',
      ]
        .filter(Boolean)
        .join('，');
      await m.insert(CaseTransition, {
        id: historyId(),
        caseId: c.id,
        action: 'CORRECT',
        fromStatus: c.status,
        toStatus: c.status,
        actor: p.subject,
        reason: `更正（${what}）：${input.reason}`.slice(0, 500),
        at,
      });
      await this.outbox.add(
        m,
        CaseEvents.caseCorrected,
        c.id,
        {
          ...snapshotOf(next, c.status, 'CORRECT', at, p.subject),
          previousItemCode: c.itemCode,
          previousStreetId: c.streetId,
          previousCourtyardId: c.courtyardId,
          previousGridId: c.gridId,
          deadlinesRecomputed: input.recomputeDeadlines === true,
        },
        { time: at },
      );
      await this.ledger.record(m, c, next);
      await notifyFollowers(m, next, { kind: 'CORRECTED', action: 'CORRECT', noteId: null, at });
      return next;
    });
    this.committed();
    req.loaders.case.clear(after.id).prime(after.id, after);
    return after;
  }

  /**
   * The reporter adds to a resolved (or closed) case within 30 days of its resolution: the addition
   * becomes a public note and the case is reopened (REOPEN, the addition as the reason).
   */
  async addToResolved(req: CasesRequest, input: AdditionInput): Promise<CaseRecord> {
    const p = requireAuthenticated(req.principal);
    const scope = this.access.scopeOf(p);
    if (scope.kind !== 'own') throw new ForbiddenError('only the reporter adds to a resolved case');
    const after = await transaction(this.ds, (m: EntityManager) =>
      this.cases.actIn(
        m,
        p.subject,
        { ...input, reason: input.addition.slice(0, 500) },
        'REOPEN',
        async (mm, c, at) => {
          if (c.reporterResidentId !== scope.residentId) {
            throw new ForbiddenError('only the reporter adds to a resolved case');
          }
          if (!c.resolvedAt || at.getTime() - c.resolvedAt.getTime() > REOPEN_WINDOW_DAYS * 86_400_000) {
            throw new ConflictError(
              `a case reopens within ${REOPEN_WINDOW_DAYS} days of its resolution only`,
              {
                currentState: c.status,
              },
            );
          }
          await mm.insert(CaseNote, {
            id: randomUUID(),
            caseId: c.id,
            visibility: 'PUBLIC',
            body: input.addition,
            author: p.subject,
            at,
          });
          return {
            changes: { reopenCount: c.reopenCount + 1, closedAt: null, closedBy: null },
            event: (_a, s) => pendingEvent(CaseEvents.caseReopened, s),
          };
        },
      ),
    );
    this.committed();
    req.loaders.case.clear(after.id).prime(after.id, after);
    return after;
  }

  /**
   * The public updates of the caller's cases (reported or supported), newest first: every
   * transition, public note and correction. RESIDENT (scope resident:<id>) only.
   */
  async myCaseUpdates(req: CasesRequest, page: Page): Promise<CountedConnection<CaseUpdateNotice>> {
    const p = requireAuthenticated(req.principal);
    const scope = this.access.scopeOf(p);
    if (scope.kind !== 'own')
      throw new ForbiddenError('case updates are for residents (scope resident:<id>)');
    const repo = this.ds.getRepository(CaseUpdateNotice);
    return fetchPage(
      page,
      (limit, after) => {
        const qb = repo
          .createQueryBuilder('n')
          .where('n.resident_id = :r', { r: scope.residentId })
          .orderBy('n.sort_key', 'DESC')
          .limit(limit);
        if (after !== null) qb.andWhere('n.sort_key < :after', { after });
        return qb.getMany();
      },
      (n) => n.sortKey,
      () => repo.countBy({ residentId: scope.residentId }),
    );
  }
}
