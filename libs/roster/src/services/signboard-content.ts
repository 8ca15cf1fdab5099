import { createHash } from 'node:crypto';
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { columnList, hydrate, placeholders } from '@sc/db';
import { StreetChief } from '../entities/chief.entity';
import { Grid, GridMember } from '../entities/grid.entity';
import { Place } from '../entities/place.entity';
import type { Signboard } from '../entities/signboard.entity';

/** One grid as a signboard shows it. */
export interface SignboardEntry {
  gridId: string;
  gridName: string;
  streets: string[];
  courtyards: string[];
  /** Ids of `streets` and `courtyards`, in the same order (not part of the hash: a board prints names). */
  streetIds: string[];
  courtyardIds: string[];
  /** The appointed chief, or null while the grid has none (suspended, retired, not yet appointed). */
  chief: { id: string; name: string; phone: string; badge: string } | null;
}

/** What a board must show now, derived from the roster; `hash` changes exactly when it does. */
export interface SignboardContent {
  code: string;
  location: string;
  placeName: string;
  scopeName: string;
  entries: SignboardEntry[];
  hash: string;
}

/** The parts of the roster a signboard shows, loaded once for any number of boards. */
export interface RosterSnapshot {
  places: Map<string, Place>;
  grids: Grid[];
  members: GridMember[];
  appointed: Map<string, StreetChief>;
}

/** Rows of a plain `SELECT <every column> FROM table rest`, as entities (ADR 0052: no query builder). */
async function rowsOf<T extends ObjectLiteral>(
  m: EntityManager,
  entity: EntityTarget<T>,
  table: string,
  rest: string,
  params: unknown[] = [],
): Promise<T[]> {
  const rows = (await m.query(`SELECT ${columnList(m, entity)} FROM ${table} ${rest}`, params)) as Record<
    string,
    unknown
  >[];
  return rows.map((row) => hydrate(m, entity, row));
}

/**
 * Every grid, grid member and appointed chief, and the places of the members and of `placeIds`: four
 * plain statements (a signboard refresh pass reads this after every street rename).
 */
export async function loadSnapshot(m: EntityManager, placeIds: string[]): Promise<RosterSnapshot> {
  const [grids, members, chiefs] = await Promise.all([
    rowsOf(m, Grid, 'grid', 'ORDER BY sort_key'),
    rowsOf(m, GridMember, 'grid_member', 'ORDER BY sort_key'),
    rowsOf(m, StreetChief, 'street_chief', 'WHERE status = ?', ['APPOINTED']),
  ]);
  const ids = [...new Set([...placeIds, ...members.map((x) => x.placeId)])];
  const places = ids.length
    ? await rowsOf(m, Place, 'place', `WHERE id IN (${placeholders(ids.length)})`, ids)
    : [];
  return {
    places: new Map(places.map((p) => [p.id, p])),
    grids,
    members,
    appointed: new Map(chiefs.flatMap((c) => (c.heldGridId ? [[c.heldGridId, c] as const] : []))),
  };
}

const within = (sortKey: string, scope: string) => sortKey === scope || sortKey.startsWith(`${scope}.`);

/** The content of one board: every grid with a street or courtyard inside the board's scope. */
export function contentOf(board: Signboard, s: RosterSnapshot): SignboardContent {
  const scope = s.places.get(board.scopePlaceId);
  const entries: SignboardEntry[] = [];
  for (const grid of s.grids) {
    const members = s.members.filter((x) => x.gridId === grid.id);
    if (!scope || !members.some((x) => within(x.sortKey, scope.sortKey))) continue;
    const names = (kind: GridMember['kind']) =>
      members.filter((x) => x.kind === kind).map((x) => s.places.get(x.placeId)?.name ?? '');
    const ids = (kind: GridMember['kind']) => members.filter((x) => x.kind === kind).map((x) => x.placeId);
    const chief = s.appointed.get(grid.id);
    entries.push({
      gridId: grid.id,
      gridName: grid.name,
      streets: names('STREET'),
      courtyards: names('COURTYARD'),
      streetIds: ids('STREET'),
      courtyardIds: ids('COURTYARD'),
      chief: chief
        ? { id: chief.id, name: chief.name, phone: chief.phone ?? '', badge: chief.badge ?? '' }
        : null,
    });
  }
  const shown = {
    code: board.code,
    location: board.location,
    placeName: s.places.get(board.placeId)?.name ?? '',
    scopeName: scope?.name ?? '',
    // What the board prints: the ids stay out, so the hash of a printed board does not change.
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    entries: entries.map(({ streetIds, courtyardIds, ...printed }) => printed),
  };
  return { ...shown, entries, hash: createHash('sha256').update(JSON.stringify(shown)).digest('hex') };
}
