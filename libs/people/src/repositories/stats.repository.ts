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

const num = (v: unknown) => Number(v ?? 0);

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
