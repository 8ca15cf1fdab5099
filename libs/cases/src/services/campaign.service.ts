import { randomUUID } from 'node:crypto';
import DataLoader from 'dataloader';
import { type DataSource, type EntityManager, In, IsNull, LessThanOrEqual } from 'typeorm';
import { hasRole, requireAuthenticated, type Principal } from '@sc/auth';
import { CampaignEvents } from '@sc/cases-contracts';
import { type CountedConnection, fetchPage, type Page, transaction } from '@sc/db';
import type { Outbox } from '@sc/events';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '@sc/graphql';
import { activePlace, GridPlace, RosterPlace } from '@sc/roster-contracts';
import { chinaDate, chinaMidnight } from '../domain/calendar';
import {
  Campaign,
  CampaignAction,
  CampaignTarget,
  CASE_TARGETS,
  type CampaignScopeKind,
  type CampaignTargetName,
} from '../entities';
import type { CasesAccess } from './access';

const DAY_MS = 86_400_000;
/** The longest campaign accepted (a year and a day, for leap years). */
export const MAX_CAMPAIGN_DAYS = 366;

export type CampaignState = 'PLANNED' | 'ACTIVE' | 'ENDED';

export interface CreateCampaignInput {
  name: string;
  scopeKind: CampaignScopeKind;
  scopeId: string;
  startsOn: string;
  endsOn: string;
  targets: { name: CampaignTargetName; goal: number }[];
  /** The input field the last day came in (`input.lastDay`, or the deprecated `input.endsOn`): errors name it. */
  lastDayField?: string;
}

export interface RecordActionInput {
  campaignId: string;
  target: CampaignTargetName;
  quantity: number;
  streetId: string;
  courtyardId?: string;
  day?: string;
  note?: string;
  /** The input field the day came in (`input.date`, or the deprecated `input.day`): errors name it. */
  dayField?: string;
}

/** A target with its progress. */
export interface TargetProgress {
  name: CampaignTargetName;
  goal: number;
  achieved: number;
}

/** Chinese labels of the targets, as the ledgers of 百日攻坚 print them. */
export const TARGET_LABELS: Record<CampaignTargetName, string> = {
  HOUSEHOLDS_VISITED: '入户走访（户次）',
  MERCHANTS_VISITED: '走访商户（户次）',
  HAZARDS_FOUND: '排查隐患（处）',
  HAZARDS_RECTIFIED: '整改隐患（处）',
  EXTINGUISHERS_INSTALLED: '配置灭火器（具）',
  CAMERAS_INSTALLED: '安装监控探头（个）',
  EV_CHARGING_POINTS: '建设电动车充电桩（个）',
};

const SCOPE_COLUMN: Record<CampaignScopeKind, string> = {
  COMMUNITY: 'community_id',
  STREET: 'street_id',
  GRID: 'grid_id',
};

function badInput(field: string, message: string): BadUserInputError {
  return new BadUserInputError(`${field} ${message}`, [{ field, message }]);
}

/**
 * Campaigns (专项行动, e.g. 百日攻坚): a scope, a period and targets. Progress of visits and
 * installations is the sum of recorded actions, maintained in the transaction of each action;
 * progress of hazards is counted from the cases (hazard items: confirmed by the rectification check)
 * reported in the scope and period, and frozen when the campaign ends. The campaign clock (a job)
 * writes `campaign.started` and `campaign.ended` once each.
 */
export class CampaignService {
  constructor(
    private readonly ds: DataSource,
    private readonly outbox: Outbox,
    private readonly access: CasesAccess,
    private readonly clock: () => Date,
    private readonly committed: () => void = () => undefined,
  ) {}

  state(c: Campaign, now = this.clock()): CampaignState {
    if (now.getTime() < c.startsAt.getTime()) return 'PLANNED';
    return now.getTime() < c.endsAt.getTime() ? 'ACTIVE' : 'ENDED';
  }

  /** Campaigns newest start first. Public: aggregates only. */
  list(page: Page, loaders: CampaignLoaders): Promise<CountedConnection<Campaign>> {
    return fetchPage(
      page,
      async (limit, after) => {
        const qb = this.ds
          .getRepository(Campaign)
          .createQueryBuilder('k')
          .orderBy('k.sort_key', 'DESC')
          .limit(limit);
        if (after !== null) qb.where('k.sort_key < :after', { after });
        const rows = await qb.getMany();
        for (const r of rows) loaders.campaign.prime(r.id, r);
        return rows;
      },
      (r) => r.sortKey,
      () => this.ds.getRepository(Campaign).count(),
    );
  }

  // ---- writes ----

  /** A new campaign (COMMUNITY_STAFF of this community, ADMIN). Started and ended by the campaign clock. */
  async create(principal: Principal | null, input: CreateCampaignInput): Promise<Campaign> {
    const p = requireAuthenticated(principal);
    if (!this.access.isStaff(p)) throw new ForbiddenError('creating a campaign requires COMMUNITY_STAFF');
    const lastDay = input.lastDayField ?? 'input.endsOn';
    if (input.endsOn < input.startsOn) throw badInput(lastDay, 'must not be before the first day');
    const days = Math.round((Date.parse(input.endsOn) - Date.parse(input.startsOn)) / DAY_MS) + 1;
    if (days > MAX_CAMPAIGN_DAYS)
      throw badInput(lastDay, `must be at most ${MAX_CAMPAIGN_DAYS} days after the first day`);
    const now = this.clock();
    if (input.endsOn < chinaDate(now)) throw badInput(lastDay, 'must not be in the past');
    const names = input.targets.map((t) => t.name);
    if (new Set(names).size !== names.length) throw badInput('input.targets', 'must name each target once');
    return this.commit(() =>
      transaction(this.ds, async (m) => {
        const communityId = await this.scopeCommunity(m, input.scopeKind, input.scopeId);
        return this.insert(m, { ...input, communityId, createdBy: p.subject, createdAt: now });
      }),
    );
  }

  /**
   * Writes a campaign and its targets in the caller's transaction; the scope must have been checked.
   * Used by `create` and the demo seed (a finished campaign of the past).
   */
  async insert(
    m: EntityManager,
    input: CreateCampaignInput & { id?: string; communityId: string; createdBy: string; createdAt: Date },
  ): Promise<Campaign> {
    const id = input.id ?? randomUUID();
    const row: Campaign = {
      id,
      name: input.name,
      scopeKind: input.scopeKind,
      scopeId: input.scopeId,
      communityId: input.communityId,
      startsOn: input.startsOn,
      endsOn: input.endsOn,
      startsAt: chinaMidnight(input.startsOn),
      endsAt: new Date(chinaMidnight(input.endsOn).getTime() + DAY_MS),
      startedAt: null,
      endedAt: null,
      createdBy: input.createdBy,
      createdAt: input.createdAt,
      sortKey: `${input.startsOn}~${id}`,
    };
    await m.insert(Campaign, row);
    await m.insert(
      CampaignTarget,
      input.targets.map((t, sort) => ({ campaignId: id, target: t.name, sort, goal: t.goal, achieved: 0 })),
    );
    return row;
  }

  /**
   * Records an action (visits, installations) on an active campaign: COMMUNITY_STAFF anywhere in its
   * scope, a STREET_CHIEF on the streets of own grids. The target's `achieved` grows in the same
   * transaction. Hazards are not recorded here: they come from the cases.
   */
  async record(principal: Principal | null, input: RecordActionInput): Promise<CampaignAction> {
    const p = requireAuthenticated(principal);
    const staff = this.access.isStaff(p);
    if (!staff && !hasRole(p, 'STREET_CHIEF')) {
      throw new ForbiddenError('recording campaign actions requires COMMUNITY_STAFF or STREET_CHIEF');
    }
    if (CASE_TARGETS.includes(input.target)) {
      throw badInput(
        'input.target',
        'is counted from the hazard cases, not recorded (report a case instead)',
      );
    }
    const now = this.clock();
    const today = chinaDate(now);
    const day = input.day ?? today;
    const dayField = input.dayField ?? 'input.day';
    if (day > today) throw badInput(dayField, 'must not be in the future');
    return this.commit(() =>
      transaction(this.ds, async (m) => {
        const campaign = await m.getRepository(Campaign).findOneBy({ id: input.campaignId });
        if (!campaign) throw new NotFoundError('Campaign', input.campaignId);
        const state = this.state(campaign, now);
        if (state !== 'ACTIVE') {
          throw new ConflictError(`A campaign in state ${state} takes no actions`, { currentState: state });
        }
        if (day < campaign.startsOn || day > campaign.endsOn) {
          throw badInput(
            dayField,
            `must be within the campaign (${campaign.startsOn} to ${campaign.endsOn})`,
          );
        }
        const street = await activePlace(m, input.streetId, 'STREET');
        if (!street) throw badInput('input.streetId', 'is not an active street of the roster');
        if (input.courtyardId) {
          const yard = await activePlace(m, input.courtyardId, 'COURTYARD');
          if (!yard) throw badInput('input.courtyardId', 'is not an active courtyard of the roster');
          if (yard.parentId !== street.id) throw badInput('input.courtyardId', 'is not on the given street');
        }
        const gridIds = (await m.getRepository(GridPlace).findBy({ placeId: street.id })).map(
          (g) => g.gridId,
        );
        const inScope =
          campaign.scopeKind === 'COMMUNITY'
            ? street.communityId === campaign.scopeId
            : campaign.scopeKind === 'STREET'
              ? street.id === campaign.scopeId
              : gridIds.includes(campaign.scopeId);
        if (!inScope) throw badInput('input.streetId', "is outside the campaign's scope");
        if (!staff) {
          const scope = this.access.scopeOf(p);
          if (scope.kind !== 'grids' || !gridIds.some((g) => scope.gridIds.includes(g))) {
            throw new ForbiddenError('a street chief records actions on the streets of own grid only');
          }
        }
        const updated = await m
          .createQueryBuilder()
          .update(CampaignTarget)
          .set({ achieved: () => `achieved + ${input.quantity}` })
          .where('campaign_id = :id AND target = :target', { id: campaign.id, target: input.target })
          .execute();
        if (!updated.affected) throw badInput('input.target', 'is not a target of this campaign');
        const action: CampaignAction = {
          id: randomUUID(),
          campaignId: campaign.id,
          target: input.target,
          quantity: input.quantity,
          streetId: street.id,
          courtyardId: input.courtyardId ?? null,
          day,
          note: input.note ?? null,
          recordedBy: p.subject,
          recordedAt: now,
        };
        await m.insert(CampaignAction, action);
        return action;
      }),
    );
  }

  /**
   * The campaign clock: writes `campaign.started` for every campaign whose first day has begun and
   * `campaign.ended` (with the final figures, hazard figures frozen) for every one whose last day
   * has passed, once each. Idempotent; runs in one service copy at a time (an ExclusiveJob).
   */
  async tick(now = this.clock()): Promise<{ started: number; ended: number }> {
    const repo = this.ds.getRepository(Campaign);
    const toStart = await repo.find({
      where: { startedAt: IsNull(), startsAt: LessThanOrEqual(now) },
      take: 100,
    });
    const toEnd = await repo.find({ where: { endedAt: IsNull(), endsAt: LessThanOrEqual(now) }, take: 100 });
    const result = { started: 0, ended: 0 };
    for (const c of toStart) {
      await transaction(this.ds, async (m) => {
        const claimed = await m.update(Campaign, { id: c.id, startedAt: IsNull() }, { startedAt: now });
        if (!claimed.affected) return;
        result.started += 1;
        const targets = await m
          .getRepository(CampaignTarget)
          .find({ where: { campaignId: c.id }, order: { sort: 'ASC' } });
        await this.outbox.add(
          m,
          CampaignEvents.campaignStarted,
          c.id,
          { ...payload(c, now), targets: targets.map((t) => ({ name: t.target, goal: t.goal })) },
          { time: now },
        );
      });
    }
    for (const c of toEnd) {
      await transaction(this.ds, async (m) => {
        const claimed = await m.update(Campaign, { id: c.id, endedAt: IsNull() }, { endedAt: now });
        if (!claimed.affected) return;
        result.ended += 1;
        const hazards = (await hazardCounts(m, [c])).get(c.id) ?? { found: 0, rectified: 0 };
        const targets = await m
          .getRepository(CampaignTarget)
          .find({ where: { campaignId: c.id }, order: { sort: 'ASC' } });
        for (const t of targets) {
          if (!CASE_TARGETS.includes(t.target)) continue;
          t.achieved = t.target === 'HAZARDS_FOUND' ? hazards.found : hazards.rectified;
          await m.update(CampaignTarget, { campaignId: c.id, target: t.target }, { achieved: t.achieved });
        }
        await this.outbox.add(
          m,
          CampaignEvents.campaignEnded,
          c.id,
          {
            ...payload(c, now),
            targets: targets.map((t) => ({ name: t.target, goal: t.goal, achieved: t.achieved })),
          },
          { time: now },
        );
      });
    }
    if (result.started + result.ended > 0) this.committed();
    return result;
  }

  /** The community of a campaign's scope, checked against the read models (BAD_USER_INPUT otherwise). */
  private async scopeCommunity(m: EntityManager, kind: CampaignScopeKind, id: string): Promise<string> {
    if (kind === 'GRID') {
      const place = await m.getRepository(GridPlace).findOneBy({ gridId: id });
      const street = place ? await m.getRepository(RosterPlace).findOneBy({ id: place.placeId }) : null;
      if (!place || !street) throw badInput('input.scopeId', 'is not a grid of the roster');
      return street.communityId;
    }
    const place = await activePlace(m, id, kind);
    if (!place) throw badInput('input.scopeId', `is not an active ${kind.toLowerCase()} of the roster`);
    return kind === 'COMMUNITY' ? place.id : place.communityId;
  }

  private async commit<T>(work: () => Promise<T>): Promise<T> {
    const result = await work();
    this.committed();
    return result;
  }
}

function payload(c: Campaign, at: Date) {
  return {
    campaignId: c.id,
    name: c.name,
    scopeKind: c.scopeKind,
    scopeId: c.scopeId,
    startsOn: c.startsOn,
    endsOn: c.endsOn,
    at: at.toISOString(),
    actor: 'system',
  };
}

/**
 * Hazards found (hazard-item cases reported in the scope and period, not rejected or duplicates) and
 * rectified (of those, closed by the rectification check with the outcome FIXED): one statement for
 * all the campaigns, each part served by an index on (scope column, sort_key).
 */
export async function hazardCounts(
  m: EntityManager | DataSource,
  campaigns: readonly Campaign[],
): Promise<Map<string, { found: number; rectified: number }>> {
  const out = new Map<string, { found: number; rectified: number }>();
  if (campaigns.length === 0) return out;
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const c of campaigns) {
    parts.push(
      `SELECT ? AS campaign_id, COUNT(*) AS found,
              COALESCE(SUM(CASE WHEN c.closed_by = 'RECTIFICATION_CHECK' AND c.outcome = 'FIXED' THEN 1 ELSE 0 END), 0) AS rectified
       FROM case_record c
       JOIN case_item_version v ON v.item_code = c.item_code AND v.version = c.item_version
       WHERE c.${SCOPE_COLUMN[c.scopeKind]} = ? AND c.sort_key >= ? AND c.sort_key < ?
         AND v.confirmation = 'RECTIFICATION_CHECK' AND c.status NOT IN ('REJECTED', 'DUPLICATE')`,
    );
    params.push(c.id, c.scopeId, c.startsAt.toISOString(), c.endsAt.toISOString());
  }
  const rows: { campaign_id: string; found: number | string; rectified: number | string }[] = await m.query(
    parts.join(' UNION ALL '),
    params,
  );
  for (const r of rows)
    out.set(String(r.campaign_id), { found: Number(r.found), rectified: Number(r.rectified) });
  return out;
}

/** Per-request loaders of campaigns: by id, and their targets with progress (two statements a batch). */
export class CampaignLoaders {
  readonly campaign: DataLoader<string, Campaign | null>;
  readonly targets: DataLoader<string, TargetProgress[]>;

  constructor(ds: DataSource) {
    this.campaign = new DataLoader(async (ids) => {
      const rows = await ds.getRepository(Campaign).findBy({ id: In([...ids]) });
      return ids.map((id) => rows.find((r) => r.id === id) ?? null);
    });
    this.targets = new DataLoader(async (ids) => {
      const [targets, campaigns] = await Promise.all([
        ds
          .getRepository(CampaignTarget)
          .find({ where: { campaignId: In([...ids]) }, order: { sort: 'ASC' } }),
        this.campaign.loadMany(ids),
      ]);
      // Until a campaign ends (and its figures freeze), its hazards are counted from the cases.
      const live = campaigns.filter(
        (c): c is Campaign => !(c instanceof Error) && c !== null && c.endedAt === null,
      );
      const hazards = await hazardCounts(ds, live);
      return ids.map((id) =>
        targets
          .filter((t) => t.campaignId === id)
          .map((t) => {
            const h = hazards.get(id);
            const achieved =
              h && t.target === 'HAZARDS_FOUND'
                ? h.found
                : h && t.target === 'HAZARDS_RECTIFIED'
                  ? h.rectified
                  : t.achieved;
            return { name: t.target, goal: t.goal, achieved };
          }),
      );
    });
  }
}
