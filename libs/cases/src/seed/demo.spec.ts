import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { createLogger } from '@sc/config';
import { openDatabase } from '@sc/db';
import { CAICHANG, DEMO_CHIEFS, demoGridId, demoPopulation, stableId } from '@sc/demo';
import { Outbox, OutboxEvent } from '@sc/events';
import { ResidentRef } from '@sc/people-contracts';
import { GridChief, GridPlace, RosterPlace } from '@sc/roster-contracts';
import { CASES_EVENTS } from '@sc/cases-contracts';
import { cases } from '../cases.service';
import { contributions } from '../domain/ledger';
import { CampaignAction, CaseLedgerCell, CaseRecord, CaseTransition } from '../entities';
import { CasesAccess } from '../services/access';
import { CampaignLoaders, CampaignService } from '../services/campaign.service';
import { CaseService } from '../services/case.service';
import { LedgerService } from '../services/ledger.service';
import { TaxonomyService } from '../services/taxonomy.service';
import { DEMO_CAMPAIGN_ID, DEMO_FIGURES, seedDemoCases } from './demo';

/** The read models as the roster's and people's demo seeds fill them through their events. */
async function demoReadModels(ds: DataSource): Promise<void> {
  const community = stableId('community');
  const places: RosterPlace[] = [
    {
      id: community,
      kind: 'COMMUNITY',
      name: CAICHANG.name,
      parentId: null,
      communityId: community,
      status: 'ACTIVE',
    },
  ];
  for (const group of CAICHANG.groups) {
    for (const [street, yards] of group.streets) {
      const id = stableId(`street:${street}`);
      places.push({
        id,
        kind: 'STREET',
        name: street,
        parentId: null,
        communityId: community,
        status: 'ACTIVE',
      });
      for (const yard of yards) {
        places.push({
          id: stableId(`courtyard:${street}:${yard}`),
          kind: 'COURTYARD',
          name: yard,
          parentId: id,
          communityId: community,
          status: 'ACTIVE',
        });
      }
    }
  }
  await ds.getRepository(RosterPlace).insert(places);
  for (const [i, c] of DEMO_CHIEFS.entries()) {
    const gridId = demoGridId(i + 1);
    await ds
      .getRepository(GridPlace)
      .insert(c.streetNames.map((s) => ({ gridId, placeId: stableId(`street:${s}`), kind: 'STREET' })));
    await ds
      .getRepository(GridChief)
      .insert({ gridId, chiefId: stableId(`chief:${i + 1}`), residentId: c.residentId, status: 'APPOINTED' });
  }
  const demo = demoPopulation();
  const rows = demo.households.flatMap((h) =>
    h.members.map((m) => ({
      id: demo.residents[m]?.id as string,
      status: 'ACTIVE' as const,
      householdId: h.id,
      streetId: h.address.streetId,
      courtyardId: h.address.courtyardId,
    })),
  );
  for (let i = 0; i < rows.length; i += 500)
    await ds.getRepository(ResidentRef).insert(rows.slice(i, i + 500));
}

describe('demo cases seed (SQLite, read models as the other seeds fill them)', () => {
  let ds: DataSource;
  let dir: string;
  let deps: Parameters<typeof seedDemoCases>[1];
  const now = new Date('2026-12-03T02:00:00.000Z');
  const logger = createLogger({ service: 'cases-seed-spec', level: 'silent' });
  let first: Awaited<ReturnType<typeof seedDemoCases>>;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-cases-seed-'));
    ds = await openDatabase({ url: `sqlite:${dir}/cases.sqlite`, entities: cases.entities, migrations: [] });
    const clock = () => now;
    const taxonomy = new TaxonomyService(ds, clock);
    await taxonomy.ensureSeeded();
    await demoReadModels(ds);
    const access = new CasesAccess('caichang');
    const outbox = new Outbox(CASES_EVENTS);
    const ledger = new LedgerService(ds, access);
    deps = {
      cases: new CaseService(ds, outbox, access, taxonomy, ledger, clock),
      taxonomy,
      ledger,
      campaigns: new CampaignService(ds, outbox, access, clock),
    };
    first = await seedDemoCases(ds, deps, logger, clock);
  }, 60_000);
  afterAll(async () => {
    await ds?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("has the report's figures: the finished 百日攻坚 with 320 hazards found and rectified and the visits and installations", async () => {
    const targets = await new CampaignLoaders(ds).targets.load(DEMO_CAMPAIGN_ID);
    expect(Object.fromEntries(targets.map((t) => [t.name, t.achieved]))).toEqual({
      HOUSEHOLDS_VISITED: DEMO_FIGURES.householdVisits,
      MERCHANTS_VISITED: DEMO_FIGURES.merchantVisits,
      HAZARDS_FOUND: 320,
      HAZARDS_RECTIFIED: 320,
      EXTINGUISHERS_INSTALLED: DEMO_FIGURES.extinguishers,
      CAMERAS_INSTALLED: 135,
      EV_CHARGING_POINTS: DEMO_FIGURES.evChargingPoints,
    });
    expect(DEMO_FIGURES.householdVisits).toBeGreaterThanOrEqual(1_800);
    expect(DEMO_FIGURES.merchantVisits).toBeGreaterThanOrEqual(300);
    expect(DEMO_FIGURES.extinguishers).toBeGreaterThanOrEqual(800);
    const events = await ds.getRepository(OutboxEvent).findBy({ aggregateId: DEMO_CAMPAIGN_ID });
    expect(events.map((e) => e.type).sort()).toEqual([
      'cn.caichang.cases.campaign.ended.v1',
      'cn.caichang.cases.campaign.started.v1',
    ]);
  });

  it('has 200+ phone requests, all closed with a rating, and open cases today, some overdue', async () => {
    const phone = await ds.getRepository(CaseRecord).findBy({ channel: 'PHONE', status: 'CLOSED' });
    expect(phone.length).toBeGreaterThanOrEqual(200);
    expect(phone.every((c) => c.rating !== null && c.closedBy === 'RATING' && c.reporterResidentId)).toBe(
      true,
    );
    const open = await ds
      .getRepository(CaseRecord)
      .createQueryBuilder('c')
      .where("c.status NOT IN ('CLOSED', 'REJECTED', 'DUPLICATE')")
      .getMany();
    expect(open.length).toBeGreaterThanOrEqual(20);
    expect(open.filter((c) => c.respondOverdue || c.resolveOverdue).length).toBeGreaterThanOrEqual(3);
  });

  it('references only read-model streets, courtyards on them, grids of them, and residents living there', async () => {
    const all = await ds.getRepository(CaseRecord).find();
    const places = new Map((await ds.getRepository(RosterPlace).find()).map((p) => [p.id, p]));
    const residents = new Map((await ds.getRepository(ResidentRef).find()).map((r) => [r.id, r]));
    const grids = await ds.getRepository(GridPlace).find();
    for (const c of all) {
      expect(places.get(c.streetId)?.kind).toBe('STREET');
      if (c.courtyardId) expect(places.get(c.courtyardId)?.parentId).toBe(c.streetId);
      expect(grids.some((g) => g.gridId === c.gridId && g.placeId === c.streetId)).toBe(true);
      if (c.reporterResidentId) expect(residents.get(c.reporterResidentId)?.streetId).toBe(c.streetId);
    }
    const actions = await ds.getRepository(CampaignAction).find();
    expect(actions.every((a) => places.get(a.streetId)?.kind === 'STREET')).toBe(true);
  });

  it('keeps a history per case whose last transition is the current state, and the ledger equals the recomputation', async () => {
    const all = await ds.getRepository(CaseRecord).find();
    const history = await ds.getRepository(CaseTransition).find({ order: { at: 'ASC' } });
    for (const c of all) {
      const own = history.filter((t) => t.caseId === c.id);
      expect(own[own.length - 1]?.toStatus).toBe(c.status);
      expect(own).toHaveLength(c.version);
    }
    const expected = new Map<string, number>();
    for (const c of all) {
      for (const [key, counters] of contributions(c)) {
        for (const [counter, n] of counters)
          expected.set(`${key}|${counter}`, (expected.get(`${key}|${counter}`) ?? 0) + n);
      }
    }
    const cells = await ds.getRepository(CaseLedgerCell).find();
    const actual = new Map<string, number>();
    for (const cell of cells) {
      for (const counter of Object.keys(cell)) {
        const v = Number(cell[counter]);
        if (['scopeKind', 'scopeId', 'categoryCode', 'itemCode', 'month'].includes(counter) || v === 0)
          continue;
        actual.set(
          `${cell.scopeKind}|${cell.scopeId}|${cell.categoryCode}|${cell.itemCode}|${cell.month}|${counter}`,
          v,
        );
      }
    }
    expect(actual.size).toBe(expected.size);
    for (const [k, v] of expected) expect([k, actual.get(k)]).toEqual([k, v]);
  });

  it('is deterministic and runs once', async () => {
    expect(first).toMatchObject({ cases: 320 + DEMO_FIGURES.phoneRequests + 22 });
    const ids = (await ds.getRepository(CaseRecord).find({ select: { id: true }, order: { id: 'ASC' } })).map(
      (c) => c.id,
    );
    expect(ids).toContain(stableId('case:hazard:0'));
    expect(await seedDemoCases(ds, deps, logger, () => now)).toBeNull();
    expect(await ds.getRepository(CaseRecord).count()).toBe(ids.length);
  });
});
