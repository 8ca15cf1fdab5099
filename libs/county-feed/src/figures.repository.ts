import type { DataSource } from 'typeorm';
import type { CountyFigures } from './figures';

const num = (v: unknown): number => Number(v ?? 0);
const str = (v: unknown): string => String(v);
/** String order (not locale order), as figures.ts promises. */
const byKeys =
  <T>(...keys: ((row: T) => string)[]) =>
  (a: T, b: T): number => {
    for (const key of keys) {
      const x = key(a);
      const y = key(b);
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };

/** Active households: created, and either never joined or with an active member left. */
const ACTIVE_HOUSEHOLDS = `SELECT COUNT(*) AS n FROM feed_household h WHERE h.created = 1 AND (h.had_member = 0
  OR EXISTS (SELECT 1 FROM feed_resident r WHERE r.household_id = h.id AND r.status = 'ACTIVE'))`;

const COVERED_STREETS = `SELECT COUNT(DISTINCT gs.street_id) AS n FROM feed_grid_street gs
  JOIN feed_place p ON p.id = gs.street_id AND p.kind = 'STREET' AND p.status = 'ACTIVE'
  WHERE EXISTS (SELECT 1 FROM feed_chief c WHERE c.grid_id = gs.grid_id AND c.status = 'APPOINTED')`;

/** The figures of {@link CountyFigures}, counted by the database over the feed's own tables. */
export class FiguresRepository {
  constructor(private readonly ds: DataSource) {}

  async figures(fromMonth: string, toMonth: string): Promise<CountyFigures> {
    const [population, chiefs, caseLedger, votes] = await Promise.all([
      this.population(),
      this.chiefs(),
      this.caseLedger(fromMonth, toMonth),
      this.votes(),
    ]);
    return { population, chiefs, caseLedger, votes };
  }

  private rows(sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
    return this.ds.query(sql, params) as Promise<Record<string, unknown>[]>;
  }

  private async count(sql: string): Promise<number> {
    const [row] = await this.rows(sql);
    return num(row?.['n']);
  }

  async population(): Promise<CountyFigures['population']> {
    const [categories, origins, streets, households] = await Promise.all([
      this.rows(
        `SELECT category, COUNT(*) AS n FROM feed_resident WHERE status = 'ACTIVE' AND category IS NOT NULL
         GROUP BY category`,
      ),
      this.rows(
        `SELECT origin, COUNT(*) AS n FROM feed_resident
         WHERE status = 'ACTIVE' AND category IN ('MIGRANT_LONG_TERM', 'FLOATING') AND origin IS NOT NULL
         GROUP BY origin`,
      ),
      this.rows(
        `SELECT street_id, COUNT(*) AS n FROM feed_resident WHERE status = 'ACTIVE' AND street_id IS NOT NULL
         GROUP BY street_id`,
      ),
      this.count(ACTIVE_HOUSEHOLDS),
    ]);
    const byCategory = categories
      .map((r) => ({ category: str(r['category']), residents: num(r['n']) }))
      .filter((r) => r.residents > 0)
      .sort(byKeys((r) => r.category));
    const residents = await this.count(`SELECT COUNT(*) AS n FROM feed_resident WHERE status = 'ACTIVE'`);
    return {
      residents,
      households,
      migrants: byCategory.filter((c) => c.category !== 'REGISTERED').reduce((s, c) => s + c.residents, 0),
      byCategory,
      migrantsByOrigin: origins
        .map((r) => ({ origin: str(r['origin']), migrants: num(r['n']) }))
        .filter((r) => r.migrants > 0)
        .sort(byKeys((r) => r.origin)),
      byStreet: streets
        .map((r) => ({ streetId: str(r['street_id']), residents: num(r['n']) }))
        .filter((r) => r.residents > 0)
        .sort(byKeys((r) => r.streetId)),
    };
  }

  async chiefs(): Promise<CountyFigures['chiefs']> {
    const [statuses, streets, streetsCovered] = await Promise.all([
      this.rows('SELECT status, COUNT(*) AS n FROM feed_chief GROUP BY status'),
      this.count(`SELECT COUNT(*) AS n FROM feed_place WHERE kind = 'STREET' AND status = 'ACTIVE'`),
      this.count(COVERED_STREETS),
    ]);
    return {
      byStatus: statuses
        .map((r) => ({ status: str(r['status']), chiefs: num(r['n']) }))
        .filter((r) => r.chiefs > 0)
        .sort(byKeys((r) => r.status)),
      streets,
      streetsCovered,
    };
  }

  async caseLedger(fromMonth: string, toMonth: string): Promise<CountyFigures['caseLedger']> {
    const [opened, resolved] = await Promise.all([
      this.rows(
        `SELECT item_code, street_id, reported_month AS month, COUNT(*) AS n FROM feed_case
         WHERE reported_month >= ? AND reported_month <= ? GROUP BY item_code, street_id, reported_month`,
        [fromMonth, toMonth],
      ),
      this.rows(
        `SELECT item_code, street_id, resolved_month AS month, COUNT(*) AS n,
           SUM(CASE WHEN resolved_on_time = 1 THEN 1 ELSE 0 END) AS on_time,
           SUM(CASE WHEN rating IS NOT NULL THEN 1 ELSE 0 END) AS ratings,
           SUM(CASE WHEN rating >= 4 THEN 1 ELSE 0 END) AS satisfied
         FROM feed_case WHERE resolved_month >= ? AND resolved_month <= ?
         GROUP BY item_code, street_id, resolved_month`,
        [fromMonth, toMonth],
      ),
    ]);
    const rows = new Map<string, CountyFigures['caseLedger'][number]>();
    const at = (r: Record<string, unknown>) => {
      const itemCode = str(r['item_code']);
      const streetId = str(r['street_id']);
      const month = str(r['month']);
      const key = `${itemCode}|${streetId}|${month}`;
      let row = rows.get(key);
      if (!row) {
        row = {
          itemCode,
          streetId,
          month,
          opened: 0,
          resolved: 0,
          resolvedOnTime: 0,
          ratings: 0,
          satisfied: 0,
        };
        rows.set(key, row);
      }
      return row;
    };
    for (const r of opened) at(r).opened = num(r['n']);
    for (const r of resolved)
      Object.assign(at(r), {
        resolved: num(r['n']),
        resolvedOnTime: num(r['on_time']),
        ratings: num(r['ratings']),
        satisfied: num(r['satisfied']),
      });
    return [...rows.values()]
      .filter((r) => r.opened + r.resolved + r.resolvedOnTime + r.ratings + r.satisfied > 0)
      .sort(
        byKeys(
          (r) => r.itemCode,
          (r) => r.streetId,
          (r) => r.month,
        ),
      );
  }

  async votes(): Promise<CountyFigures['votes']> {
    const rows = await this.rows(
      `SELECT id, state, electorate_size, participants, quorum_met, outcome, counts FROM feed_matter
       WHERE vote_closed = 1`,
    );
    return rows
      .map((r) => {
        const counts = JSON.parse(str(r['counts'] ?? '{}')) as Record<string, number>;
        return {
          matterId: str(r['id']),
          state: str(r['state']),
          electorateSize: num(r['electorate_size']),
          participants: num(r['participants']),
          quorumMet: num(r['quorum_met']) === 1,
          outcome: str(r['outcome']),
          counts: Object.entries(counts)
            .map(([option, count]) => ({ option, count }))
            .sort(byKeys((c) => c.option)),
        };
      })
      .sort(byKeys((v) => v.matterId));
  }
}
