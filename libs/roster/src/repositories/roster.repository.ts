import type { DataSource } from 'typeorm';

/** The roster's own queries that the shared list helpers of @sc/db do not cover. */
export class RosterRepository {
  constructor(private readonly ds: DataSource) {}

  /** Active streets whose grid has no APPOINTED chief (or that are in no grid), in official order. */
  async uncoveredStreetIds(limit: number, afterKey: string | null, backward = false): Promise<string[]> {
    const rows: { id: string }[] = await this.ds.query(
      `SELECT p.id FROM place p
       WHERE p.kind = 'STREET' AND p.status = 'ACTIVE' ${afterKey === null ? '' : `AND p.sort_key ${backward ? '<' : '>'} ?`}
         AND NOT EXISTS (
           SELECT 1 FROM grid_member gm
           JOIN street_chief c ON c.held_grid_id = gm.grid_id AND c.status = 'APPOINTED'
           WHERE gm.place_id = p.id)
       ORDER BY p.sort_key${backward ? ' DESC' : ''} LIMIT ?`,
      afterKey === null ? [limit] : [afterKey, limit],
    );
    return rows.map((r) => r.id);
  }

  async countUncoveredStreets(): Promise<number> {
    const rows: { n: number | string }[] = await this.ds.query(
      `SELECT COUNT(*) AS n FROM place p
       WHERE p.kind = 'STREET' AND p.status = 'ACTIVE'
         AND NOT EXISTS (
           SELECT 1 FROM grid_member gm
           JOIN street_chief c ON c.held_grid_id = gm.grid_id AND c.status = 'APPOINTED'
           WHERE gm.place_id = p.id)`,
    );
    return Number(rows[0]?.n ?? 0);
  }
}
