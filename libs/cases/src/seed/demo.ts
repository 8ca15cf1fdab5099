import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { CaseChannel, CaseOutcome, CaseState } from '@sc/cases-contracts';
import type { Logger } from '@sc/config';
import { transaction } from '@sc/db';
import { DEMO_CHIEFS, demoGridId, seededRandom, stableId } from '@sc/demo';
import { ResidentRef } from '@sc/people-contracts';
import { appointedChief, GridChief, RosterPlace } from '@sc/roster-contracts';
import { chinaDate, chinaMidnight, type WorkCalendar } from '../domain/calendar';
import { contributions, type Contributions } from '../domain/ledger';
import {
  Campaign,
  CampaignAction,
  CaseRecord,
  CaseTransition,
  type AssigneeKind,
  type CampaignTargetName,
  type CaseItemVersion,
  type ClosedBy,
  type EscalationLevel,
} from '../entities';
import type { CampaignService } from '../services/campaign.service';
import { type CaseService, warnTime } from '../services/case.service';
import type { LedgerService } from '../services/ledger.service';
import { resolveLimit, respondLimit, type TaxonomyService } from '../services/taxonomy.service';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WAIT_MS = 60_000;
/** Rows per INSERT: ~45 columns × 200 stays far below SQLite's 32,766 bound parameters. */
const CHUNK = 200;
export const DEMO_CASES_SEED = 20261203;
/** The finished 百日攻坚 campaign; its presence means the demo cases are loaded. */
export const DEMO_CAMPAIGN_ID = stableId('campaign:百日攻坚');
export const DEMO_ACTIVE_CAMPAIGN_ID = stableId('campaign:冬春火灾防控');

/** The figures of the seed report (百日攻坚: visits, hazards, installations; 200+ phone requests). */
export const DEMO_FIGURES = {
  hazards: 320,
  phoneRequests: 212,
  householdVisits: 1_836,
  merchantVisits: 312,
  extinguishers: 826,
  cameras: 135,
  evChargingPoints: 24,
} as const;

const HAZARD_ITEMS = [
  ['FIRE_EQUIPMENT', 60],
  ['FIRE_EXIT_BLOCKED', 55],
  ['EBIKE_CHARGING', 60],
  ['FIRE_ELECTRIC_HAZARD', 45],
  ['SECURITY_HAZARD', 20],
  ['CCTV_MISSING', 25],
  ['PILED_MATERIALS', 25],
  ['ROAD_SAFETY', 15],
  ['PUBLIC_SPACE_OCCUPIED', 15],
] as const;
const REQUEST_ITEMS = [
  ['GARBAGE_COLLECTION_LATE', 30],
  ['SEWAGE_DUMPING', 20],
  ['LITTERING', 15],
  ['CLEANING_POOR', 10],
  ['DRAINAGE_LIGHTING', 25],
  ['ROAD_DAMAGED', 15],
  ['PUBLIC_FACILITY_DAMAGED', 10],
  ['CAR_PARKING', 15],
  ['BIKE_PARKING', 10],
  ['STREET_VENDOR', 8],
  ['DISPUTE', 12],
  ['GREENERY_UPKEEP', 6],
  ['NEED_WORK', 8],
  ['NEED_MEDICAL', 8],
  ['NEED_SCHOOLING', 6],
] as const;

const HAZARD_SPOTS: Record<string, string[]> = {
  FIRE_EQUIPMENT: ['楼道灭火器过期', '消火栓箱无水带', '院内未配灭火器'],
  FIRE_EXIT_BLOCKED: ['楼道堆放杂物', '消防通道停放车辆', '安全出口上锁'],
  EBIKE_CHARGING: ['楼道内飞线充电', '电瓶车停放楼梯间充电', '门面内夜间充电'],
  FIRE_ELECTRIC_HAZARD: ['电线私拉乱接', '老化电线裸露', '门面内使用液化气罐'],
  SECURITY_HAZARD: ['院门门禁损坏', '围墙破损'],
  CCTV_MISSING: ['院落出入口无监控', '背街小巷无监控'],
  PILED_MATERIALS: ['建材占道堆放', '废品堆放'],
  ROAD_SAFETY: ['路口缺少减速带', '路面井盖缺失'],
  PUBLIC_SPACE_OCCUPIED: ['占用公共绿地搭棚', '占用院坝堆物'],
};
const REQUEST_TEXT: Record<string, string> = {
  GARBAGE_COLLECTION_LATE: '垃圾桶满了两天没人清运',
  SEWAGE_DUMPING: '有人往街边雨水口倒污水',
  LITTERING: '街角垃圾乱丢',
  CLEANING_POOR: '院坝保洁不到位',
  DRAINAGE_LIGHTING: '路灯不亮，晚上出行不便',
  ROAD_DAMAGED: '路面坑洼积水',
  PUBLIC_FACILITY_DAMAGED: '健身器材损坏',
  CAR_PARKING: '车辆乱停堵住院门',
  BIKE_PARKING: '非机动车乱停放挡路',
  STREET_VENDOR: '流动摊贩占道经营',
  DISPUTE: '邻里因漏水产生纠纷',
  GREENERY_UPKEEP: '行道树枝挡住路灯',
  NEED_WORK: '咨询务工就业信息',
  NEED_MEDICAL: '咨询就医报销手续',
  NEED_SCHOOLING: '咨询孩子就近入学',
};

interface StreetInfo {
  id: string;
  name: string;
  communityId: string;
  courtyards: string[];
  gridId: string | null;
  chiefId: string | null;
  /** Account of the chief (the demo chiefNN login), or the staff account. */
  actor: string;
  residents: string[];
}

export interface DemoCasesDeps {
  cases: CaseService;
  taxonomy: TaxonomyService;
  ledger: LedgerService;
  campaigns: CampaignService;
}

/**
 * The Caichang demo cases (issue 11): the seed report's figures. A finished 100-day campaign
 * (百日攻坚) with 320 hazards found on patrols and 320 rectified, 1,836 household visits, 312 merchant
 * visits, 826 extinguishers, 135 cameras and 24 EV charging points recorded as actions; 212 phone
 * requests over the past year, all resolved and rated; an active campaign; and two dozen open cases
 * today, some of them overdue. Places, grids, chiefs and reporters come from the read models (the
 * roster's and people's seeds), so every reference is a real demo street or resident.
 *
 * The history is loaded, not replayed: final rows, their transitions and the ledger's contributions
 * in one transaction of multi-row INSERTs (like people's seed, no case events: nothing happened now);
 * the campaign clock then writes the campaigns' started/ended events with their figures. Runs once
 * (skipped when the demo campaign exists); deterministic (stable ids, a seeded PRNG, dates relative
 * to the day of the seed).
 */
export async function seedDemoCases(
  ds: DataSource,
  deps: DemoCasesDeps,
  logger: Logger,
  clock: () => Date,
): Promise<{ cases: number; actions: number; ms: number } | null> {
  if (await ds.getRepository(Campaign).existsBy({ id: DEMO_CAMPAIGN_ID })) return null;
  if (!(await readModelsReady(ds, logger))) return null;
  const started = Date.now();
  const now = clock();
  const random = seededRandom(DEMO_CASES_SEED);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const weighted = (list: readonly (readonly [string, number])[]): string => {
    const total = list.reduce((s, [, w]) => s + w, 0);
    let r = random() * total;
    for (const [code, w] of list) if ((r -= w) < 0) return code;
    return list[list.length - 1]?.[0] as string;
  };

  const streets = await loadStreets(ds, deps.cases);
  const staffActor = stableId('account:staff');
  const items = new Map<string, CaseItemVersion>();
  for (const [code] of [...HAZARD_ITEMS, ...REQUEST_ITEMS]) {
    const item = await deps.taxonomy.current(ds.manager, code);
    if (!item) throw new Error(`the taxonomy has no item ${code}`);
    items.set(code, item);
  }
  const calendar = await deps.taxonomy.calendar();
  const today = chinaDate(now);
  const dayOffset = (day: string, days: number) =>
    chinaDate(new Date(chinaMidnight(day).getTime() + days * DAY));
  const campaignEnd = dayOffset(today, -45);
  const campaignStart = dayOffset(campaignEnd, -99);
  const activeStart = dayOffset(today, -20);

  const rows: CaseRecord[] = [];
  const transitions: CaseTransition[] = [];
  const build = new CaseBuilder(calendar, rows, transitions, deps.cases.warnShare);

  // 1. The 320 hazards of the 100-day campaign: found on patrol, rectified and checked.
  const campaignStartAt = chinaMidnight(campaignStart).getTime();
  for (let i = 0; i < DEMO_FIGURES.hazards; i++) {
    const street = pick(streets);
    const code = weighted(HAZARD_ITEMS);
    const item = items.get(code) as CaseItemVersion;
    // Patrol hours, 08:00–18:00 China time, spread over the 100 days (the last finished in time).
    const day = Math.floor((i / DEMO_FIGURES.hazards) * 97);
    const reportedAt = new Date(campaignStartAt + day * DAY + (8 + random() * 10) * HOUR);
    build.hazard(
      stableId(`case:hazard:${i}`),
      street,
      item,
      reportedAt,
      random,
      pick(HAZARD_SPOTS[code] ?? ['隐患']),
    );
  }

  // 2. Phone requests over the past year, all resolved and rated (mostly 满意).
  for (let i = 0; i < DEMO_FIGURES.phoneRequests; i++) {
    const street = pick(streets);
    const code = weighted(REQUEST_ITEMS);
    const item = items.get(code) as CaseItemVersion;
    const reportedAt = new Date(now.getTime() - (12 + random() * 330) * DAY + (random() - 0.5) * 8 * HOUR);
    const r = random();
    const rating = r < 0.84 ? 5 : r < 0.96 ? 4 : 3;
    build.request(stableId(`case:phone:${i}`), street, item, reportedAt, random, {
      channel: 'PHONE',
      reporter: pick(street.residents),
      text: REQUEST_TEXT[code] ?? '群众诉求',
      rating,
      staffActor,
    });
  }

  // 3. Open cases today: every open state, some overdue (flagged as the sweeper would have).
  const open: [CaseState, string, number][] = [
    ['REPORTED', 'GARBAGE_COLLECTION_LATE', 3],
    ['REPORTED', 'DRAINAGE_LIGHTING', 10],
    ['REPORTED', 'CAR_PARKING', 20],
    ['ACCEPTED', 'FIRE_EXIT_BLOCKED', 5], // respond limit 2 h: overdue to respond
    ['ACCEPTED', 'ROAD_DAMAGED', 6],
    ['ASSIGNED', 'EBIKE_CHARGING', 30], // resolve limit 24 h: overdue
    ['ASSIGNED', 'FIRE_EQUIPMENT', 8],
    ['ASSIGNED', 'SEWAGE_DUMPING', 26],
    ['ASSIGNED', 'CLEANING_POOR', 4],
    ['IN_PROGRESS', 'FIRE_ELECTRIC_HAZARD', 34], // overdue
    ['IN_PROGRESS', 'PILED_MATERIALS', 50],
    ['IN_PROGRESS', 'BIKE_PARKING', 28],
    ['IN_PROGRESS', 'DISPUTE', 52],
    ['IN_PROGRESS', 'GREENERY_UPKEEP', 75],
    ['ESCALATED', 'ROAD_SAFETY', 200],
    ['ESCALATED', 'PUBLIC_SPACE_OCCUPIED', 240],
    ['RESOLVED', 'GARBAGE_COLLECTION_LATE', 30],
    ['RESOLVED', 'DRAINAGE_LIGHTING', 40],
    ['RESOLVED', 'FIRE_EXIT_BLOCKED', 20],
    ['REOPENED', 'SEWAGE_DUMPING', 120],
    ['IN_PROGRESS', 'CCTV_MISSING', 60],
    ['ASSIGNED', 'NEED_MEDICAL', 12],
  ];
  // Resident 1 (the token tool's example) reports a few of them, so Resident.cases has something.
  const resident1 = stableId('resident:1');
  const resident1Street = streets.find((s) => s.residents.includes(resident1));
  for (const [i, [state, code, hoursAgo]] of open.entries()) {
    const item = items.get(code) as CaseItemVersion;
    const hazard = item.confirmation === 'RECTIFICATION_CHECK';
    const mine = resident1Street && !hazard && i % 4 === 0;
    const street = mine ? resident1Street : pick(streets);
    build.open(
      stableId(`case:open:${i}`),
      street,
      item,
      new Date(now.getTime() - hoursAgo * HOUR),
      now,
      random,
      {
        state,
        channel: hazard ? 'PATROL' : i % 2 === 0 ? 'PLATFORM' : 'PHONE',
        reporter: hazard ? null : mine ? resident1 : pick(street.residents),
        text: hazard ? pick(HAZARD_SPOTS[code] ?? ['隐患']) : (REQUEST_TEXT[code] ?? '群众诉求'),
        staffActor,
      },
    );
  }

  const actions = campaignActions(streets, campaignStart, activeStart, today, random);
  const result = await transaction(ds, async (m) => {
    await insertAll(m, CaseRecord, rows);
    await insertAll(m, CaseTransition, transitions);
    const sum: Contributions = new Map();
    for (const row of rows) {
      for (const [key, counters] of contributions(row)) {
        let cell = sum.get(key);
        if (!cell) sum.set(key, (cell = new Map<string, number>()));
        for (const [counter, amount] of counters) cell.set(counter, (cell.get(counter) ?? 0) + amount);
      }
    }
    await deps.ledger.add(m, sum);

    const communityId = streets[0]?.communityId as string;
    const base = {
      scopeKind: 'COMMUNITY' as const,
      scopeId: communityId,
      communityId,
      createdBy: staffActor,
    };
    await deps.campaigns.insert(m, {
      ...base,
      id: DEMO_CAMPAIGN_ID,
      name: '平安社区工程百日攻坚行动',
      startsOn: campaignStart,
      endsOn: campaignEnd,
      createdAt: new Date(chinaMidnight(campaignStart).getTime() - 7 * DAY),
      targets: [
        { name: 'HOUSEHOLDS_VISITED', goal: 1_800 },
        { name: 'MERCHANTS_VISITED', goal: 300 },
        { name: 'HAZARDS_FOUND', goal: 300 },
        { name: 'HAZARDS_RECTIFIED', goal: 300 },
        { name: 'EXTINGUISHERS_INSTALLED', goal: 800 },
        { name: 'CAMERAS_INSTALLED', goal: 120 },
        { name: 'EV_CHARGING_POINTS', goal: 20 },
      ],
    });
    await deps.campaigns.insert(m, {
      ...base,
      id: DEMO_ACTIVE_CAMPAIGN_ID,
      name: '冬春火灾防控专项行动',
      startsOn: activeStart,
      endsOn: dayOffset(activeStart, 89),
      createdAt: new Date(chinaMidnight(activeStart).getTime() - 3 * DAY),
      targets: [
        { name: 'HOUSEHOLDS_VISITED', goal: 1_200 },
        { name: 'HAZARDS_FOUND', goal: 60 },
        { name: 'HAZARDS_RECTIFIED', goal: 60 },
        { name: 'EXTINGUISHERS_INSTALLED', goal: 300 },
      ],
    });
    await insertAll(m, CampaignAction, actions);
    for (const [campaignId, target, amount] of sumActions(actions)) {
      await m
        .createQueryBuilder()
        .update('campaign_target')
        .set({ achieved: amount })
        .where('campaign_id = :campaignId AND target = :target', { campaignId, target })
        .execute();
    }
    return { cases: rows.length, actions: actions.length };
  });
  // The campaign clock writes started (both) and ended (the finished one, figures frozen) now.
  await deps.campaigns.tick(now);
  const ms = Date.now() - started;
  logger.info({ ...result, ms }, 'seeded the Caichang demo cases and campaigns');
  return { ...result, ms };
}

/** Waits (real mode: the other services' events may still be on their way) for places, chiefs and residents. */
async function readModelsReady(ds: DataSource, logger: Logger): Promise<boolean> {
  const deadline = Date.now() + WAIT_MS;
  const street = stableId('street:正街');
  let announced = false;
  for (;;) {
    const ready =
      (await ds.getRepository(RosterPlace).existsBy({ id: street })) &&
      (await ds.getRepository(GridChief).count()) >= DEMO_CHIEFS.length &&
      (await ds.getRepository(ResidentRef).existsBy({ status: 'ACTIVE' }));
    // Real mode: residents arrive in parts; wait until a second look finds no more of them.
    if (ready) {
      const before = await ds.getRepository(ResidentRef).count();
      await new Promise((r) => setTimeout(r, 300));
      if ((await ds.getRepository(ResidentRef).count()) === before) return true;
      continue;
    }
    if (Date.now() > deadline) {
      logger.warn(
        { waitedMs: WAIT_MS },
        'no roster places, chiefs or people residents arrived: demo cases not seeded',
      );
      return false;
    }
    if (!announced) {
      announced = true;
      logger.info(
        { waitForMs: WAIT_MS },
        "demo cases wait for the roster's places and chiefs and people's residents",
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function loadStreets(ds: DataSource, cases: CaseService): Promise<StreetInfo[]> {
  const places = await ds
    .getRepository(RosterPlace)
    .find({ where: { status: 'ACTIVE' }, order: { id: 'ASC' } });
  const residents = await ds.getRepository(ResidentRef).find({
    select: { id: true, streetId: true },
    where: { status: 'ACTIVE' },
    order: { id: 'ASC' },
  });
  const byStreet = new Map<string, string[]>();
  for (const r of residents)
    if (r.streetId) byStreet.set(r.streetId, [...(byStreet.get(r.streetId) ?? []), r.id]);
  const accountOfGrid = new Map(
    DEMO_CHIEFS.map((_, i) => [
      demoGridId(i + 1),
      stableId(`account:chief${String(i + 1).padStart(2, '0')}`),
    ]),
  );
  const out: StreetInfo[] = [];
  for (const s of places.filter((p) => p.kind === 'STREET')) {
    const gridId = await cases.gridOf(ds.manager, s.id, null);
    const chief = gridId ? await appointedChief(ds.manager, gridId) : null;
    const streetResidents = byStreet.get(s.id) ?? [];
    if (streetResidents.length === 0) continue;
    out.push({
      id: s.id,
      name: s.name,
      communityId: s.communityId,
      courtyards: places.filter((p) => p.kind === 'COURTYARD' && p.parentId === s.id).map((p) => p.id),
      gridId,
      chiefId: chief?.chiefId ?? null,
      actor: (gridId && accountOfGrid.get(gridId)) || stableId('account:staff'),
      residents: streetResidents,
    });
  }
  if (out.length === 0) throw new Error('the read models hold no street with residents');
  return out;
}

/**
 * Builds final case rows with their history, as the lifecycle would have left them: deadlines from
 * the item version at accept (the working-day calendar), assignment to the grid's chief or staff,
 * resolution, then the rating or the rectification check.
 */
class CaseBuilder {
  constructor(
    private readonly calendar: WorkCalendar,
    private readonly rows: CaseRecord[],
    private readonly transitions: CaseTransition[],
    /** Share of the time to a deadline after which the sweeper warns (CASES_WARN_AT). */
    private readonly warnShare: number,
  ) {}

  /** Transitions written so far, per case. */
  private readonly steps = new Map<string, number>();

  hazard(
    id: string,
    street: StreetInfo,
    item: CaseItemVersion,
    reportedAt: Date,
    random: () => number,
    spot: string,
  ) {
    const c = this.base(
      id,
      street,
      item,
      reportedAt,
      random,
      'PATROL',
      null,
      street.actor,
      spot,
      `巡查发现：${spot}`,
    );
    this.step(c, 'REPORT', null, 'REPORTED', street.actor, 'PATROL 受理登记', reportedAt);
    const accepted = new Date(reportedAt.getTime() + (0.1 + random() * 0.5) * HOUR);
    this.accept(c, item, accepted, street.actor);
    this.assign(c, item, new Date(accepted.getTime() + 0.1 * HOUR), street.actor, street);
    const due = (c.resolveDueAt as Date).getTime() - reportedAt.getTime();
    const resolvedAt = new Date(reportedAt.getTime() + due * (0.3 + random() * 0.65));
    this.step(
      c,
      'START',
      'ASSIGNED',
      'IN_PROGRESS',
      street.actor,
      '开始整改',
      new Date(accepted.getTime() + HOUR),
    );
    this.resolve(c, resolvedAt, street.actor, 'FIXED', `已整改：${spot}`);
    const checked = new Date(resolvedAt.getTime() + (2 + random() * 40) * HOUR);
    Object.assign(c, { status: 'CLOSED', closedAt: checked, closedBy: 'RECTIFICATION_CHECK' as ClosedBy });
    this.step(c, 'CONFIRM', 'RESOLVED', 'CLOSED', street.actor, '整改复查合格', checked);
  }

  request(
    id: string,
    street: StreetInfo,
    item: CaseItemVersion,
    reportedAt: Date,
    random: () => number,
    o: { channel: CaseChannel; reporter: string | null; text: string; rating: number; staffActor: string },
  ) {
    const c = this.base(
      id,
      street,
      item,
      reportedAt,
      random,
      o.channel,
      o.reporter,
      street.actor,
      '电话反映',
      o.text,
    );
    this.step(c, 'REPORT', null, 'REPORTED', street.actor, `${o.channel} 受理登记`, reportedAt);
    const actor = item.defaultAssignee === 'COMMUNITY_STAFF' ? o.staffActor : street.actor;
    const accepted = new Date(reportedAt.getTime() + (0.2 + random()) * HOUR);
    this.accept(c, item, accepted, actor);
    this.assign(c, item, new Date(accepted.getTime() + 0.2 * HOUR), actor, street);
    this.step(c, 'START', 'ASSIGNED', 'IN_PROGRESS', actor, '开始办理', new Date(accepted.getTime() + HOUR));
    const due = (c.resolveDueAt as Date).getTime() - reportedAt.getTime();
    const share = random() < 0.94 ? 0.15 + random() * 0.8 : 1.05 + random() * 0.5;
    const resolvedAt = new Date(reportedAt.getTime() + due * share);
    this.resolve(c, resolvedAt, actor, 'FIXED', '已协调解决，电话回访');
    const ratedAt = new Date(resolvedAt.getTime() + (3 + random() * 60) * HOUR);
    Object.assign(c, {
      status: 'CLOSED',
      closedAt: ratedAt,
      closedBy: 'RATING' as ClosedBy,
      rating: o.rating,
    });
    // 回访: the chief (or staff) phones the reporter back and records the rating.
    this.step(c, 'RATE', 'RESOLVED', 'CLOSED', actor, `电话回访：评价 ${o.rating} 分`, ratedAt);
  }

  open(
    id: string,
    street: StreetInfo,
    item: CaseItemVersion,
    reportedAt: Date,
    now: Date,
    random: () => number,
    o: { state: CaseState; channel: CaseChannel; reporter: string | null; text: string; staffActor: string },
  ) {
    const spot = o.channel === 'PATROL' ? o.text : `${street.name}${1 + Math.floor(random() * 80)}号附近`;
    const recorder = o.channel === 'PLATFORM' && o.reporter ? `resident:${o.reporter}` : street.actor;
    const c = this.base(id, street, item, reportedAt, random, o.channel, o.reporter, recorder, spot, o.text);
    this.step(c, 'REPORT', null, 'REPORTED', c.reportedBy, `${o.channel} 受理登记`, reportedAt);
    const actor = item.defaultAssignee === 'COMMUNITY_STAFF' ? o.staffActor : street.actor;
    const at = (share: number) =>
      new Date(reportedAt.getTime() + (now.getTime() - reportedAt.getTime()) * share);
    if (o.state === 'REPORTED') {
      // Not triaged yet: the reporter's item, no deadlines.
      Object.assign(c, { acceptedAt: null, respondDueAt: null, resolveDueAt: null });
    } else {
      this.accept(c, item, at(0.05), actor);
      if (o.state !== 'ACCEPTED') {
        this.assign(c, item, at(0.1), actor, street);
        if (o.state !== 'ASSIGNED')
          this.step(c, 'START', 'ASSIGNED', 'IN_PROGRESS', actor, '开始办理', at(0.2));
        if (o.state === 'ESCALATED') {
          Object.assign(c, {
            escalationLevel: 'TOWN' as EscalationLevel,
            assigneeKind: 'TOWN',
            assigneeId: null,
            assigneeName: '镇',
          });
          this.step(
            c,
            'ESCALATE',
            'IN_PROGRESS',
            'ESCALATED',
            o.staffActor,
            '涉及多部门，提请镇督办',
            at(0.5),
          );
        }
        if (o.state === 'RESOLVED' || o.state === 'REOPENED') {
          // Resolved within the last day or two: the reporter's rating (or the chief's check) is awaited.
          const resolvedAt = at(o.state === 'RESOLVED' ? 0.7 + random() * 0.2 : 0.4);
          this.resolve(c, resolvedAt, actor, 'FIXED', '已处理，等待回访');
        }
        if (o.state === 'REOPENED') {
          Object.assign(c, { status: 'REOPENED' as CaseState, rating: 2, reopenCount: 1 });
          this.step(c, 'REOPEN', 'RESOLVED', 'REOPENED', c.reportedBy, '评价 2 分', at(0.6));
        }
      }
    }
    // As the sweeper would have flagged them (it also flags anything missed on its first run).
    c.respondOverdue = !!c.respondDueAt && !c.respondedAt && c.respondDueAt < now;
    c.resolveOverdue = !!c.resolveDueAt && c.resolveDueAt < now && !['RESOLVED', 'CLOSED'].includes(c.status);
    c.respondWarned = c.respondOverdue;
    c.resolveWarned = c.resolveOverdue;
  }

  private base(
    id: string,
    street: StreetInfo,
    item: CaseItemVersion,
    reportedAt: Date,
    random: () => number,
    channel: CaseChannel,
    reporter: string | null,
    reportedBy: string,
    spot: string,
    description: string,
  ): CaseRecord {
    const courtyardId =
      street.courtyards.length && random() < 0.6
        ? (street.courtyards[Math.floor(random() * street.courtyards.length)] as string)
        : null;
    const row: CaseRecord = {
      id,
      status: 'REPORTED',
      version: 1,
      channel,
      itemCode: item.itemCode,
      itemVersion: item.version,
      categoryCode: item.categoryCode,
      communityId: street.communityId,
      streetId: street.id,
      courtyardId,
      gridId: street.gridId,
      spot,
      latitude: null,
      longitude: null,
      description,
      reporterResidentId: reporter,
      reportedBy,
      reportedAt,
      externalNumber: null,
      patrolId: null,
      acceptedAt: null,
      respondDueAt: null,
      resolveDueAt: null,
      respondWarnAt: null,
      resolveWarnAt: null,
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
      supportCount: 0,
      sortKey: `${reportedAt.toISOString()}~${id}`,
      createdAt: reportedAt,
      updatedAt: reportedAt,
    };
    this.rows.push(row);
    return row;
  }

  private accept(c: CaseRecord, item: CaseItemVersion, at: Date, actor: string) {
    const respondDueAt = this.calendar.add(c.reportedAt, respondLimit(item));
    const resolveDueAt = this.calendar.add(c.reportedAt, resolveLimit(item));
    // As the accept in CaseService computes them (the due-soon warnings of the sweeper).
    Object.assign(c, {
      status: 'ACCEPTED',
      acceptedAt: at,
      respondDueAt,
      resolveDueAt,
      respondWarnAt: warnTime(c.reportedAt, respondDueAt, this.warnShare),
      resolveWarnAt: warnTime(c.reportedAt, resolveDueAt, this.warnShare),
    });
    this.step(c, 'ACCEPT', 'REPORTED', 'ACCEPTED', actor, '受理', at);
  }

  private assign(c: CaseRecord, item: CaseItemVersion, at: Date, actor: string, street: StreetInfo) {
    const toStaff = item.defaultAssignee === 'COMMUNITY_STAFF' || !street.chiefId;
    const kind: AssigneeKind = toStaff ? 'STAFF' : 'CHIEF';
    const chiefId = toStaff ? null : street.chiefId;
    Object.assign(c, {
      status: 'ASSIGNED',
      assigneeKind: chiefId ? kind : 'STAFF',
      assigneeId: chiefId,
      assigneeName: chiefId ? null : '社区工作人员',
      respondedAt: at,
    });
    this.step(c, 'ASSIGN', 'ACCEPTED', 'ASSIGNED', actor, '派单', at);
  }

  private resolve(c: CaseRecord, at: Date, actor: string, outcome: CaseOutcome, resolution: string) {
    Object.assign(c, { status: 'RESOLVED', resolvedAt: at, outcome, resolution });
    this.step(
      c,
      'RESOLVE',
      c.escalationLevel === 'NONE' ? 'IN_PROGRESS' : 'ESCALATED',
      'RESOLVED',
      actor,
      resolution,
      at,
    );
  }

  private step(
    c: CaseRecord,
    action: string,
    from: CaseState | null,
    to: CaseState,
    actor: string,
    reason: string,
    at: Date,
  ) {
    const n = this.steps.get(c.id) ?? 0;
    this.steps.set(c.id, n + 1);
    this.transitions.push({
      id: stableId(`${c.id}:transition:${n}`),
      caseId: c.id,
      action,
      fromStatus: from,
      toStatus: to,
      actor,
      reason,
      at,
    });
    c.status = to;
    c.version = n + 1;
    c.updatedAt = at;
  }
}

/**
 * The recorded actions: per street and week of the 100 days, by the street's chief, adding up to the
 * report's figures exactly; and a few weeks of the active campaign.
 */
function campaignActions(
  streets: StreetInfo[],
  campaignStart: string,
  activeStart: string,
  today: string,
  random: () => number,
): CampaignAction[] {
  const out: CampaignAction[] = [];
  const spread = (
    campaignId: string,
    target: CampaignTargetName,
    total: number,
    start: string,
    weeks: number,
    note: string,
  ) => {
    const slots: { street: StreetInfo; week: number }[] = [];
    for (let w = 0; w < weeks; w++) for (const s of streets) slots.push({ street: s, week: w });
    const weights = slots.map(() => 0.2 + random());
    const sum = weights.reduce((a, b) => a + b, 0);
    let left = total;
    slots.forEach((slot, i) => {
      const q =
        i === slots.length - 1 ? left : Math.min(left, Math.floor(((weights[i] as number) / sum) * total));
      left -= q;
      if (q <= 0) return;
      const day = chinaDate(
        new Date(chinaMidnight(start).getTime() + (slot.week * 7 + Math.floor(random() * 7)) * DAY),
      );
      if (day > today) return;
      out.push({
        id: stableId(`campaign-action:${campaignId}:${target}:${i}`),
        campaignId,
        target,
        quantity: q,
        streetId: slot.street.id,
        courtyardId: null,
        day,
        note,
        recordedBy: slot.street.actor,
        recordedAt: new Date(chinaMidnight(day).getTime() + 18 * HOUR),
      });
    });
  };
  spread(
    DEMO_CAMPAIGN_ID,
    'HOUSEHOLDS_VISITED',
    DEMO_FIGURES.householdVisits,
    campaignStart,
    14,
    '入户排查、宣传消防安全',
  );
  spread(
    DEMO_CAMPAIGN_ID,
    'MERCHANTS_VISITED',
    DEMO_FIGURES.merchantVisits,
    campaignStart,
    14,
    '走访沿街商户',
  );
  spread(
    DEMO_CAMPAIGN_ID,
    'EXTINGUISHERS_INSTALLED',
    DEMO_FIGURES.extinguishers,
    campaignStart,
    14,
    '督促院落和业主配置灭火器',
  );
  spread(
    DEMO_CAMPAIGN_ID,
    'CAMERAS_INSTALLED',
    DEMO_FIGURES.cameras,
    campaignStart,
    14,
    '院落出入口安装视频监控',
  );
  spread(
    DEMO_CAMPAIGN_ID,
    'EV_CHARGING_POINTS',
    DEMO_FIGURES.evChargingPoints,
    campaignStart,
    14,
    '建设集中充电点',
  );
  spread(DEMO_ACTIVE_CAMPAIGN_ID, 'HOUSEHOLDS_VISITED', 420, activeStart, 3, '冬季用火用电安全入户宣传');
  spread(DEMO_ACTIVE_CAMPAIGN_ID, 'EXTINGUISHERS_INSTALLED', 96, activeStart, 3, '补配过期灭火器');
  return out;
}

function sumActions(actions: CampaignAction[]): [string, CampaignTargetName, number][] {
  const sums = new Map<string, number>();
  for (const a of actions)
    sums.set(`${a.campaignId}|${a.target}`, (sums.get(`${a.campaignId}|${a.target}`) ?? 0) + a.quantity);
  return [...sums].map(([k, v]) => {
    const [campaignId, target] = k.split('|') as [string, CampaignTargetName];
    return [campaignId, target, v];
  });
}

async function insertAll<T extends ObjectLiteral>(m: EntityManager, target: EntityTarget<T>, rows: T[]) {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await m
      .createQueryBuilder()
      .insert()
      .into(target)
      .values(rows.slice(i, i + CHUNK))
      .updateEntity(false)
      .execute();
  }
}
