import DataLoader from 'dataloader';
import { type DataSource, In } from 'typeorm';
import type { CaseState } from '@sc/cases-contracts';
import { GridChief } from '@sc/roster-contracts';
import {
  alignById,
  ChildLists,
  type ChildListSpec,
  type CountedConnection,
  EntityLoaders,
  fetchOrderedPage,
  type OrderedPage,
  type Page,
} from '@sc/db';
import {
  CaseEvidence,
  CaseNote,
  CaseSupport,
  CaseTransition,
  type CaseCategory,
  type CaseItemVersion,
  type CaseRecord,
} from './entities';
import { OPEN_STATES } from './domain/lifecycle';
import type { CaseQuery, CaseRepository } from './repositories/case.repository';
import type { CaseScope } from './services/access';
import { CampaignLoaders } from './services/campaign.service';
import { type TaxonomyService, versionKey } from './services/taxonomy.service';

const oldestFirst = (table: string, where?: Record<string, string>): ChildListSpec => ({
  table,
  parentColumn: 'case_id',
  refColumn: 'id',
  sortColumn: 'at',
  direction: 'ASC',
  cursor: 'row',
  where,
});
const TRANSITIONS = oldestFirst('case_transition');
const ALL_NOTES = oldestFirst('case_note');
const PUBLIC_NOTES = oldestFirst('case_note', { visibility: 'PUBLIC' });

/** Cases of a parent (street, grid, reporter), newest first; `sort_key` is unique, so it is the cursor. */
const newestCases = (parentColumn: string, where?: ChildListSpec['where']): ChildListSpec => ({
  table: 'case_record',
  parentColumn,
  refColumn: 'id',
  sortColumn: 'sort_key',
  direction: 'DESC',
  cursor: 'value',
  where,
});
const OF_STREET = newestCases('street_id');
const OPEN_OF_GRID = newestCases('grid_id', { status: OPEN_STATES });
const OF_REPORTER = newestCases('reporter_resident_id');

/** A chief's open and overdue cases (StreetChief.caseload). */
export interface Caseload {
  open: number;
  overdue: number;
}

/**
 * Per-request loaders: one statement per kind of lookup however many cases a query touches. They
 * load rows without access checks; the services decide what the caller may see.
 */
export class CasesLoaders {
  readonly case: DataLoader<string, CaseRecord | null>;
  readonly itemVersion: DataLoader<string, CaseItemVersion | null>;
  readonly itemsOfCategory: DataLoader<string, CaseItemVersion[]>;
  readonly category: DataLoader<string, CaseCategory | null>;
  /** Chief id → caseload, from the maintained ledger (scope CHIEF), one grouped statement. */
  readonly caseload: DataLoader<string, Caseload>;
  /** Chief id → the grid the chief is appointed to (roster's read model), for access checks. */
  readonly chiefGrid: DataLoader<string, string | null>;
  /** Campaigns and their progress. */
  readonly campaigns: CampaignLoaders;
  /** Intake: whether a resident supports a case ("me too"), key `<residentId>|<caseId>`. */
  readonly support: DataLoader<string, boolean>;
  /** Intake: the evidence photos of a case, oldest first. */
  readonly evidence: DataLoader<string, CaseEvidence[]>;
  private readonly entities: EntityLoaders;
  private readonly lists: ChildLists;

  constructor(
    ds: DataSource,
    private readonly cases: CaseRepository,
    taxonomy: TaxonomyService,
  ) {
    this.entities = new EntityLoaders(ds);
    this.campaigns = new CampaignLoaders(ds);
    this.lists = new ChildLists(ds);
    this.case = new DataLoader(async (ids) => alignById(ids, await cases.findByIds(ids)));
    this.itemVersion = new DataLoader(async (keys) => {
      const parsed = keys.map((k) => {
        const at = k.lastIndexOf('@');
        return { code: k.slice(0, at), version: Number(k.slice(at + 1)) };
      });
      const found = await taxonomy.versions(ds.manager, parsed);
      return keys.map((k) => found.get(k) ?? null);
    });
    this.itemsOfCategory = new DataLoader(async (codes) => {
      const found = await taxonomy.currentItems(codes);
      return codes.map((c) => found.get(c) ?? []);
    });
    this.support = new DataLoader(async (keys) => {
      const pairs = keys.map((k) => k.split('|') as [string, string]);
      const rows = await ds.getRepository(CaseSupport).findBy({
        residentId: In([...new Set(pairs.map(([r]) => r))]),
        caseId: In([...new Set(pairs.map(([, c]) => c))]),
      });
      const has = new Set(rows.map((r) => `${r.residentId}|${r.caseId}`));
      return keys.map((k) => has.has(k));
    });
    this.evidence = new DataLoader(async (caseIds) => {
      const rows = await ds
        .getRepository(CaseEvidence)
        .find({ where: { caseId: In([...caseIds]) }, order: { at: 'ASC', id: 'ASC' } });
      return caseIds.map((id) => rows.filter((r) => r.caseId === id));
    });
    this.category = new DataLoader(async (codes) => {
      const all = new Map((await taxonomy.categories()).map((c) => [c.code, c]));
      return codes.map((c) => all.get(c) ?? null);
    });
    this.caseload = new DataLoader(async (chiefIds) => {
      const open = OPEN_STATES.map((st) => `s_${st.toLowerCase()}`).join(' + ');
      const rows: { chief: string; open: number | string | null; overdue: number | string | null }[] =
        await ds.query(
          `SELECT scope_id AS chief, SUM(${open}) AS open, SUM(overdue_now) AS overdue FROM case_ledger
           WHERE scope_kind = 'CHIEF' AND scope_id IN (${chiefIds.map(() => '?').join(',')})
           GROUP BY scope_id`,
          [...chiefIds],
        );
      const byChief = new Map(
        rows.map((r) => [r.chief, { open: Number(r.open ?? 0), overdue: Number(r.overdue ?? 0) }]),
      );
      return chiefIds.map((id) => byChief.get(id) ?? { open: 0, overdue: 0 });
    });
    this.chiefGrid = new DataLoader(async (chiefIds) => {
      const rows = await ds.getRepository(GridChief).findBy({ chiefId: In([...chiefIds]) });
      return chiefIds.map((id) => rows.find((r) => r.chiefId === id)?.gridId ?? null);
    });
  }

  /** Cases on a street, newest first, optionally in one state. */
  streetCases(streetId: string, state: CaseState | null, page: Page): Promise<CountedConnection<CaseRecord>> {
    const spec = state ? newestCases('street_id', { status: state }) : OF_STREET;
    return this.lists.page(spec, streetId, page, (id) => this.case.load(id));
  }

  /** Open cases routed to a grid, newest first. */
  gridOpenCases(gridId: string, page: Page): Promise<CountedConnection<CaseRecord>> {
    return this.lists.page(OPEN_OF_GRID, gridId, page, (id) => this.case.load(id));
  }

  /** Cases a resident reported, newest first. */
  residentCases(residentId: string, page: Page): Promise<CountedConnection<CaseRecord>> {
    return this.lists.page(OF_REPORTER, residentId, page, (id) => this.case.load(id));
  }

  supportedBy(residentId: string, caseId: string): Promise<boolean> {
    return this.support.load(`${residentId}|${caseId}`);
  }

  evidenceOf(caseId: string): Promise<CaseEvidence[]> {
    return this.evidence.load(caseId);
  }

  /** A note by id (the case updates' notes). */
  note(id: string): Promise<CaseNote | null> {
    return this.entities.byId(CaseNote, id);
  }

  item(code: string, version: number): Promise<CaseItemVersion | null> {
    return this.itemVersion.load(versionKey(code, version));
  }

  casePage(
    q: CaseQuery,
    scope: Exclude<CaseScope, { kind: 'none' }>,
    page: OrderedPage<CaseRecord>,
  ): Promise<CountedConnection<CaseRecord>> {
    return fetchOrderedPage(
      page,
      async (limit, after, backward) => {
        const rows = await this.cases.list(q, scope, limit, after, backward, page.order);
        for (const r of rows) this.case.prime(r.id, r);
        return rows;
      },
      () => this.cases.count(q, scope),
    );
  }

  transitionPage(caseId: string, page: Page): Promise<CountedConnection<CaseTransition>> {
    return this.lists.page(TRANSITIONS, caseId, page, (id) => this.entities.byId(CaseTransition, id));
  }

  notePage(caseId: string, withInternal: boolean, page: Page): Promise<CountedConnection<CaseNote>> {
    return this.lists.page(withInternal ? ALL_NOTES : PUBLIC_NOTES, caseId, page, (id) =>
      this.entities.byId(CaseNote, id),
    );
  }
}
