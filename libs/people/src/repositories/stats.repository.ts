import type { DataSource } from 'typeorm';
import { NotFoundError } from '@sc/graphql';
import { placesOfGrids } from '@sc/roster-contracts';
import { RESIDENT_CATEGORIES, type ResidentCategory } from '../entities';

export interface StatsPlace {
  streetId?: string;
  courtyardId?: string;
  /** The grid's streets and courtyards (from the roster's grid read model). */
  gridId?: string;
}

export interface PlaceCounts {
  placeId: string;
  residents: number;
  households: number;
  migrants: number;
}

export interface PopulationCounts {
  byCategory: { category: ResidentCategory; count: number }[];
  migrantsByOrigin: { origin: string; count: number }[];
  byStreet: PlaceCounts[];
  byCourtyard: PlaceCounts[];
  households: number;
}

/** What lives and operates in a place or grid: active residents (and migrants), households, units. */
export interface PeopleTally {
  residents: number;
  migrants: number;
  households: number;
  units: number;
}

const num = (v: unknown) => Number(v ?? 0);
const marks = (ids: readonly unknown[]) => ids.map(() => '?').join(',');
const MIGRANT = `SUM(CASE WHEN category <> 'REGISTERED' THEN 1 ELSE 0 END)`;

/** Tallies from rows `{ owner, what: 'R' | 'H' | 'U', n, m }`, zeros for owners without rows. */
function tallies(ids: readonly string[], rows: { owner: string; what: string; n: unknown; m: unknown }[]) {
  const out = new Map<string, PeopleTally>(
    ids.map((id) => [id, { residents: 0, migrants: 0, households: 0, units: 0 }]),
  );
  for (const r of rows) {
    const t = out.get(String(r.owner));
    if (!t) continue;
    if (r.what === 'R') Object.assign(t, { residents: num(r.n), migrants: num(r.m) });
    else if (r.what === 'H') t.households = num(r.n);
    else t.units = num(r.n);
  }
  return out;
}

/** A stored category; anything else is a fault (the column only ever receives these). */
function asCategory(value: string): ResidentCategory {
  const found = RESIDENT_CATEGORIES.find((c) => c === value);
  if (!found) throw new Error(`unexpected resident category ${value}`);
  return found;
}

/**
 * Dashboard aggregates as GROUP BY queries over the indexed, denormalised place columns: the
 * database counts, no row is loaded into the service.
 */
export class StatsRepository {
  constructor(private readonly ds: DataSource) {}

  async population(place: StatsPlace): Promise<PopulationCounts> {
    const where: string[] = [];
    const params: string[] = [];
    if (place.streetId) {
      where.push('street_id = ?');
      params.push(place.streetId);
    }
    if (place.courtyardId) {
      where.push('courtyard_id = ?');
      params.push(place.courtyardId);
    }
    if (place.gridId) {
      const { streetIds, courtyardIds } = await placesOfGrids(this.ds.manager, [place.gridId]);
      if (streetIds.length + courtyardIds.length === 0)
        throw new NotFoundError('Grid', place.gridId, 'scope.gridId');
      // The grid's streets whole, and its courtyards on their own (the indexed place columns).
      const ors = [
        ...(streetIds.length ? [`street_id IN (${streetIds.map(() => '?').join(',')})`] : []),
        ...(courtyardIds.length ? [`courtyard_id IN (${courtyardIds.map(() => '?').join(',')})`] : []),
      ];
      where.push(`(${ors.join(' OR ')})`);
      params.push(...streetIds, ...courtyardIds);
    }
    const and = where.length ? ` AND ${where.join(' AND ')}` : '';
    const [categories, origins, byStreet, byCourtyard] = await Promise.all([
      this.ds.query(
        `SELECT category, COUNT(*) AS n FROM resident WHERE status = 'ACTIVE'${and} GROUP BY category`,
        params,
      ) as Promise<{ category: string; n: unknown }[]>,
      this.ds.query(
        `SELECT origin, COUNT(*) AS n FROM resident WHERE status = 'ACTIVE' AND category <> 'REGISTERED'${and}
         GROUP BY origin ORDER BY n DESC, origin`,
        params,
      ) as Promise<{ origin: string; n: unknown }[]>,
      this.perPlace('street_id', and, params),
      this.perPlace('courtyard_id', and, params),
    ]);
    return {
      byCategory: categories.map((c) => ({ category: asCategory(c.category), count: num(c.n) })),
      migrantsByOrigin: origins.map((o) => ({ origin: o.origin, count: num(o.n) })),
      byStreet,
      byCourtyard,
      households: byStreet.reduce((sum, s) => sum + s.households, 0),
    };
  }

  /**
   * Tallies of many streets in one grouped statement (ix_resident_street, ix_household_street,
   * ix_unit_street lead with the street and status): the `Street.counts` of a whole page at once.
   */
  async byStreets(streetIds: readonly string[]): Promise<Map<string, PeopleTally>> {
    if (streetIds.length === 0) return new Map();
    const ids = [...streetIds];
    const rows: { owner: string; what: string; n: unknown; m: unknown }[] = await this.ds.query(
      `SELECT street_id AS owner, 'R' AS what, COUNT(*) AS n, ${MIGRANT} AS m FROM resident
         WHERE status = 'ACTIVE' AND street_id IN (${marks(ids)}) GROUP BY street_id
       UNION ALL
       SELECT street_id, 'H', COUNT(*), 0 FROM household
         WHERE status = 'ACTIVE' AND street_id IN (${marks(ids)}) GROUP BY street_id
       UNION ALL
       SELECT street_id, 'U', COUNT(*), 0 FROM real_unit
         WHERE status = 'ACTIVE' AND street_id IN (${marks(ids)}) GROUP BY street_id`,
      [...ids, ...ids, ...ids],
    );
    return tallies(ids, rows);
  }

  /**
   * Tallies of many grids in one grouped statement, counted as `populationStats(scope: { gridId })`
   * counts: the grid's streets whole and its own courtyards (from the grid read model), each record
   * once (UNION of the street and the courtyard match, then grouped per grid). Grids the read model
   * does not hold are absent from the map.
   */
  async byGrids(gridIds: readonly string[]): Promise<Map<string, PeopleTally>> {
    if (gridIds.length === 0) return new Map();
    const ids = [...gridIds];
    const known: { grid_id: string }[] = await this.ds.query(
      `SELECT DISTINCT grid_id FROM grid_place WHERE grid_id IN (${marks(ids)})`,
      ids,
    );
    const present = known.map((k) => String(k.grid_id));
    if (present.length === 0) return new Map();
    // A record matched through its street or its courtyard: the inner UNION keeps it once per grid.
    const part = (what: 'R' | 'H' | 'U', table: string, key: string) => {
      const mig = what === 'R' ? `CASE WHEN t.category <> 'REGISTERED' THEN 1 ELSE 0 END` : '0';
      const via = (column: string, kind: string) =>
        `SELECT gp.grid_id AS owner, t.${key} AS rec, ${mig} AS mig
           FROM grid_place gp JOIN ${table} t ON t.${column} = gp.place_id AND t.status = 'ACTIVE'
           WHERE gp.kind = '${kind}' AND gp.grid_id IN (${marks(present)})`;
      return `SELECT owner, '${what}' AS what, COUNT(*) AS n, SUM(mig) AS m FROM (
          ${via('street_id', 'STREET')} UNION ${via('courtyard_id', 'COURTYARD')}
        ) ${table}_in_grid GROUP BY owner`;
    };
    const rows: { owner: string; what: string; n: unknown; m: unknown }[] = await this.ds.query(
      `${part('R', 'resident', 'seq')} UNION ALL ${part('H', 'household', 'id')} UNION ALL ${part('U', 'real_unit', 'id')}`,
      Array.from({ length: 6 }, () => present).flat(),
    );
    return tallies(present, rows);
  }

  /** Residents, migrants and households grouped by one place column, in id order. */
  private async perPlace(
    column: 'street_id' | 'courtyard_id',
    and: string,
    params: string[],
  ): Promise<PlaceCounts[]> {
    const [residents, households] = await Promise.all([
      this.ds.query(
        `SELECT ${column} AS p, COUNT(*) AS n, SUM(CASE WHEN category <> 'REGISTERED' THEN 1 ELSE 0 END) AS m
         FROM resident WHERE status = 'ACTIVE' AND ${column} IS NOT NULL${and} GROUP BY ${column}`,
        params,
      ) as Promise<{ p: string; n: unknown; m: unknown }[]>,
      this.ds.query(
        `SELECT ${column} AS p, COUNT(*) AS n FROM household
         WHERE status = 'ACTIVE' AND ${column} IS NOT NULL${and} GROUP BY ${column}`,
        params,
      ) as Promise<{ p: string; n: unknown }[]>,
    ]);
    const places = new Map<string, PlaceCounts>();
    const at = (id: string) => {
      let c = places.get(id);
      if (!c) places.set(id, (c = { placeId: id, residents: 0, households: 0, migrants: 0 }));
      return c;
    };
    for (const r of residents) Object.assign(at(r.p), { residents: num(r.n), migrants: num(r.m) });
    for (const h of households) at(h.p).households = num(h.n);
    return [...places.values()].sort((a, b) => (a.placeId < b.placeId ? -1 : 1));
  }
}
