import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
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
  CaseNote,
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
    this.category = new DataLoader(async (codes) => {
      const all = new Map((await taxonomy.categories()).map((c) => [c.code, c]));
      return codes.map((c) => all.get(c) ?? null);
    });
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
      async (limit, after, backward) => {
        const rows = await this.cases.list(q, scope, limit, after, backward);
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
