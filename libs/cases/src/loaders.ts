import DataLoader from 'dataloader';
import { type DataSource, In } from 'typeorm';
import {
  alignById,
  ChildLists,
  type ChildListSpec,
  type CountedConnection,
  EntityLoaders,
  fetchPage,
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
import type { CaseQuery, CaseRepository } from './repositories/case.repository';
import type { CaseScope } from './services/access';
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

/**
 * Per-request loaders: one statement per kind of lookup however many cases a query touches. They
 * load rows without access checks; the services decide what the caller may see.
 */
export class CasesLoaders {
  readonly case: DataLoader<string, CaseRecord | null>;
  readonly itemVersion: DataLoader<string, CaseItemVersion | null>;
  readonly itemsOfCategory: DataLoader<string, CaseItemVersion[]>;
  readonly category: DataLoader<string, CaseCategory | null>;
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
    page: Page,
  ): Promise<CountedConnection<CaseRecord>> {
    return fetchPage(
      page,
      async (limit, after) => {
        const rows = await this.cases.list(q, scope, limit, after);
        for (const r of rows) this.case.prime(r.id, r);
        return rows;
      },
      (r) => r.sortKey,
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
