import { type DataSource, type EntityManager, In } from 'typeorm';
import { isUniqueViolation, transaction } from '@sc/db';
import type { Logger } from '@sc/config';
import { SEEDED_CALENDAR, WorkCalendar, type CalendarDay } from '../domain/calendar';
import { TAXONOMY, type Limit } from '../domain/taxonomy';
import { CaseCategory, CaseItem, CaseItemVersion, WorkCalendarDay } from '../entities';

/** The taxonomy (9大类29项) and the working-day calendar: seeded at start, read by everyone. */
export class TaxonomyService {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Seeds version 1 of the taxonomy and the seeded calendar years into an empty database (ADR 0017),
   * in one transaction. Idempotent; two copies starting at once: one seeds, the other's duplicate
   * keys are ignored.
   */
  async ensureSeeded(logger?: Logger): Promise<void> {
    if ((await this.ds.getRepository(CaseCategory).count()) > 0) return;
    const at = this.clock();
    try {
      await transaction(this.ds, async (m) => {
        let itemSort = 0;
        for (const [i, c] of TAXONOMY.entries()) {
          await m.insert(CaseCategory, { code: c.code, name: c.name, sort: i + 1 });
          for (const item of c.items) {
            itemSort++;
            await m.insert(CaseItem, {
              code: item.code,
              categoryCode: c.code,
              sort: itemSort,
              currentVersion: 1,
            });
            await m.insert(CaseItemVersion, {
              itemCode: item.code,
              version: 1,
              categoryCode: c.code,
              name: item.name,
              respondLimit: c.respond.value,
              respondUnit: c.respond.unit,
              resolveLimit: c.resolve.value,
              resolveUnit: c.resolve.unit,
              confirmation: item.confirmation,
              defaultAssignee: item.defaultAssignee,
              urgent: c.urgent,
              actor: 'system',
              reason: '初始分类 (9大类29项)',
              createdAt: at,
            });
          }
        }
        if ((await m.getRepository(WorkCalendarDay).count()) === 0) {
          await m.insert(WorkCalendarDay, [...SEEDED_CALENDAR]);
        }
      });
      logger?.info({ categories: TAXONOMY.length }, 'case taxonomy and calendar seeded');
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }

  categories(): Promise<CaseCategory[]> {
    return this.ds.getRepository(CaseCategory).find({ order: { sort: 'ASC' } });
  }

  /** The current versions of the items of some categories, in official order. */
  async currentItems(categoryCodes: readonly string[]): Promise<Map<string, CaseItemVersion[]>> {
    const out = new Map<string, CaseItemVersion[]>(categoryCodes.map((c) => [c, []]));
    if (categoryCodes.length === 0) return out;
    const items = await this.ds
      .getRepository(CaseItem)
      .find({ where: { categoryCode: In([...categoryCodes]) }, order: { sort: 'ASC' } });
    const versions = await this.versions(
      this.ds.manager,
      items.map((i) => ({ code: i.code, version: i.currentVersion })),
    );
    for (const item of items) {
      const v = versions.get(versionKey(item.code, item.currentVersion));
      if (v) out.get(item.categoryCode)?.push(v);
    }
    return out;
  }

  /** Item versions by (code, version). */
  async versions(
    m: EntityManager,
    keys: readonly { code: string; version: number }[],
  ): Promise<Map<string, CaseItemVersion>> {
    if (keys.length === 0) return new Map();
    const codes = [...new Set(keys.map((k) => k.code))];
    const rows = await m.getRepository(CaseItemVersion).findBy({ itemCode: In(codes) });
    const wanted = new Set(keys.map((k) => versionKey(k.code, k.version)));
    return new Map(
      rows
        .filter((r) => wanted.has(versionKey(r.itemCode, r.version)))
        .map((r) => [versionKey(r.itemCode, r.version), r]),
    );
  }

  /** The version new cases of this item get, or null for an unknown code. */
  async current(m: EntityManager, code: string): Promise<CaseItemVersion | null> {
    const item = await m.getRepository(CaseItem).findOneBy({ code });
    if (!item) return null;
    return m.getRepository(CaseItemVersion).findOneBy({ itemCode: code, version: item.currentVersion });
  }

  /** The calendar as it stands (a few dozen rows; read per use so every copy sees an edit at once). */
  async calendar(m: EntityManager = this.ds.manager): Promise<WorkCalendar> {
    return new WorkCalendar(await m.getRepository(WorkCalendarDay).find());
  }

  async calendarYear(year: number): Promise<CalendarDay[]> {
    const rows = await this.ds
      .getRepository(WorkCalendarDay)
      .createQueryBuilder('d')
      .where('d.day >= :from AND d.day <= :to', { from: `${year}-01-01`, to: `${year}-12-31` })
      .orderBy('d.day', 'ASC')
      .getMany();
    return rows.map((r) => ({ day: r.day, kind: r.kind, name: r.name }));
  }
}

export const versionKey = (code: string, version: number): string => `${code}@${version}`;

export const respondLimit = (v: CaseItemVersion): Limit => ({ value: v.respondLimit, unit: v.respondUnit });
export const resolveLimit = (v: CaseItemVersion): Limit => ({ value: v.resolveLimit, unit: v.resolveUnit });
