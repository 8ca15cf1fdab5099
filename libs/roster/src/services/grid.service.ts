import { randomUUID } from 'node:crypto';
import { type DataSource, type EntityManager, In } from 'typeorm';
import { requireRole } from '@sc/auth';
import {
  type CountedConnection,
  forUpdate,
  isMysqlFamily,
  isUniqueViolation,
  type OrderedPage,
  type Page,
  transaction,
} from '@sc/db';
import type { Outbox } from '@sc/events';
import { BadUserInputError, ConflictError, NotFoundError } from '@sc/graphql';
import { Grid, GridChange, GridMember } from '../entities/grid.entity';
import { Place } from '../entities/place.entity';
import { GridEvents } from '@sc/roster-contracts';
import type { RequestInfo } from '@sc/service';
import type { RosterRequest } from '../context';
import { LISTS } from '../repositories/lists';
import { CHIEF_READERS } from './access';
import { BOARD_TRANSACTION, type SignboardService } from './signboard.service';

export interface GridMembership {
  streetIds: string[];
  courtyardIds: string[];
}
export interface NewGrid extends GridMembership {
  name: string;
  reason: string;
  /** Fixed id and creation time for the demo seed (the time orders the grids). */
  id?: string;
  at?: Date;
}

/** Who lays out the grids: community staff (and ADMIN). */
const GRID_ROLES = ['COMMUNITY_STAFF'] as const;

/**
 * Grids: a named set of streets and courtyards. A place is in at most one grid at a time (the
 * primary key of grid_member); every change keeps the full membership in grid_change with who,
 * when and why, publishes grid.changed and refreshes the signboards, all in one transaction.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class GridService {
  constructor(
    private readonly ds: DataSource,
    private readonly outbox: Outbox,
    private readonly signboards: SignboardService,
    private readonly committed: () => void = () => undefined,
  ) {}

  // ---- reads: grids and their places are public; their change history needs a reader ----

  list(req: RosterRequest, page: OrderedPage<Grid>): Promise<CountedConnection<Grid>> {
    return req.loaders.ordered(Grid, { table: 'grid' }, page);
  }

  get(req: RosterRequest, id: string): Promise<Grid | null> {
    return req.loaders.entities.byId(Grid, id);
  }

  /** The grids of a principal's `grid:<id>` scopes, by name; scopes of grids that do not exist are skipped. */
  async ofScopes(req: RosterRequest, scopes: readonly string[]): Promise<Grid[]> {
    const ids = scopes
      .filter((s) => s.startsWith('grid:'))
      .map((s) => s.slice('grid:'.length))
      .filter((id) => UUID.test(id));
    const grids = await Promise.all([...new Set(ids)].map((id) => req.loaders.entities.byId(Grid, id)));
    return grids.filter((g): g is Grid => g !== null).sort((a, b) => a.name.localeCompare(b.name, 'zh'));
  }

  streets(req: RosterRequest, grid: Grid, page: Page): Promise<CountedConnection<Place>> {
    return req.loaders.lists.page(LISTS.gridStreets, grid.id, page, (id) => req.loaders.place(id, 'STREET'));
  }

  /** The grid's own courtyards (OWN), or those and the active courtyards of its streets (ALL). */
  courtyards(
    req: RosterRequest,
    grid: Grid,
    page: Page,
    include: 'OWN' | 'ALL' = 'OWN',
  ): Promise<CountedConnection<Place>> {
    const list = include === 'ALL' ? LISTS.gridAllCourtyards : LISTS.gridCourtyards;
    return req.loaders.lists.page(list, grid.id, page, (id) => req.loaders.place(id, 'COURTYARD'));
  }

  /** Active streets whose grid has no appointed chief, in official order ("uncovered"). */
  uncoveredStreets(req: RosterRequest, page: Page): Promise<CountedConnection<Place>> {
    return req.loaders.uncoveredStreets(page);
  }

  history(req: RosterRequest, grid: Grid, page: Page): Promise<CountedConnection<GridChange>> {
    requireRole(req.principal, ...CHIEF_READERS);
    return req.loaders.lists.page(LISTS.gridHistory, grid.id, page, (id) =>
      req.loaders.entities.byId(GridChange, id),
    );
  }

  async create({ principal }: RequestInfo, input: NewGrid): Promise<Grid> {
    const actor = requireRole(principal, ...GRID_ROLES).subject;
    return this.run(input.name, () =>
      transaction(this.ds, (m) => this.createIn(m, actor, input), BOARD_TRANSACTION),
    );
  }

  /** Used by the demo seed inside its own transaction. */
  async createIn(m: EntityManager, actor: string, input: NewGrid): Promise<Grid> {
    const places = await this.checkPlaces(m, input);
    const first = places[0];
    if (!first) {
      throw new BadUserInputError('A grid needs at least one street or courtyard', [
        { field: 'input.streetIds', message: 'needs at least one street or courtyard' },
      ]);
    }
    const communityId = first.communityId;
    if (await m.getRepository(Grid).existsBy({ communityId, name: input.name }))
      throw this.nameTaken(input.name);
    const now = input.at ?? new Date();
    const id = input.id ?? randomUUID();
    const grid: Grid = {
      id,
      communityId,
      name: input.name,
      sortKey: `${now.toISOString()}|${id}`,
      version: 0,
      createdAt: now,
      updatedAt: now,
    };
    await m.getRepository(Grid).insert(grid);
    return this.apply(m, actor, grid, places, input.reason, now);
  }

  /** Replaces the membership of a grid (the full new set of streets and courtyards). */
  async setMembers(
    { principal }: RequestInfo,
    id: string,
    input: GridMembership & { reason: string },
  ): Promise<Grid> {
    const actor = requireRole(principal, ...GRID_ROLES).subject;
    return this.run('', () =>
      transaction(
        this.ds,
        async (m) => {
          // Places first (shared), then the grid: the order renames take them in (place, then grid).
          const places = await this.checkPlaces(m, input);
          const grid = await this.lock(m, id);
          if (places.some((p) => p.communityId !== grid.communityId)) {
            throw new BadUserInputError('All places of a grid must be in its community', [
              { field: 'input.streetIds', message: 'not in the grid’s community' },
            ]);
          }
          return this.apply(m, actor, grid, places, input.reason, new Date());
        },
        BOARD_TRANSACTION,
      ),
    );
  }

  /** Loads a grid for a change, locking its row (MySQL): changes and appointments of one grid serialize. */
  async lock(m: EntityManager, id: string): Promise<Grid> {
    const qb = m.getRepository(Grid).createQueryBuilder('g').where('g.id = :id', { id });
    const grid = await forUpdate(qb).getOne();
    if (!grid) throw new NotFoundError('Grid', id);
    return grid;
  }

  private async apply(
    m: EntityManager,
    actor: string,
    grid: Grid,
    places: Place[],
    reason: string,
    now: Date,
  ): Promise<Grid> {
    const members = m.getRepository(GridMember);
    const wanted = new Set(places.map((p) => p.id));
    const current = await members.findBy({ gridId: grid.id });
    const removed = current.filter((x) => !wanted.has(x.placeId)).map((x) => x.placeId);
    if (removed.length) await members.delete({ gridId: grid.id, placeId: In(removed) });
    const have = new Set(current.map((x) => x.placeId));
    const added = places.filter((p) => !have.has(p.id));
    const elsewhere = added.length ? await members.findBy({ placeId: In(added.map((p) => p.id)) }) : [];
    const taken = elsewhere[0];
    if (taken) {
      const other = await m.getRepository(Grid).findOneBy({ id: taken.gridId });
      const place = places.find((p) => p.id === taken.placeId);
      throw new ConflictError(`${place?.name ?? 'A place'} is already in grid ${other?.name ?? ''}`, {
        field: place?.kind === 'COURTYARD' ? 'input.courtyardIds' : 'input.streetIds',
      });
    }
    for (const p of added) {
      await members.insert({
        placeId: p.id,
        gridId: grid.id,
        kind: p.kind as GridMember['kind'],
        sortKey: p.sortKey,
        addedAt: now,
      });
    }
    const version = grid.version + 1;
    await m.getRepository(Grid).update({ id: grid.id }, { version, updatedAt: now });
    const sorted = [...places].sort((a, b) => (a.sortKey < b.sortKey ? -1 : 1));
    const streetIds = sorted.filter((p) => p.kind === 'STREET').map((p) => p.id);
    const courtyardIds = sorted.filter((p) => p.kind === 'COURTYARD').map((p) => p.id);
    await m.getRepository(GridChange).insert({
      id: randomUUID(),
      gridId: grid.id,
      version,
      name: grid.name,
      streetIds: JSON.stringify(streetIds),
      courtyardIds: JSON.stringify(courtyardIds),
      actor,
      reason,
      at: now,
    });
    await this.outbox.add(
      m,
      GridEvents.gridChanged,
      grid.id,
      {
        id: grid.id,
        name: grid.name,
        streetIds,
        courtyardIds,
        actor,
      },
      { time: now },
    );
    // Boards showing the grid now, and those that showed it for a place that left.
    const left = current.filter((x) => !wanted.has(x.placeId)).map((x) => x.sortKey);
    await this.signboards.refresh(m, actor, now, { grids: [grid.id], containing: left });
    return { ...grid, version, updatedAt: now };
  }

  /** The places exist, are active and of the kind named by the field; duplicates are ignored. */
  private async checkPlaces(m: EntityManager, input: GridMembership): Promise<Place[]> {
    const result: Place[] = [];
    for (const [kind, field, ids] of [
      ['STREET', 'input.streetIds', input.streetIds],
      ['COURTYARD', 'input.courtyardIds', input.courtyardIds],
    ] as const) {
      const unique = [...new Set(ids)];
      if (unique.length === 0) continue;
      // Share-locked (MySQL): a rename of one of them waits for this change, or this one for it.
      const found = await m.getRepository(Place).find({
        where: { id: In(unique), kind, status: 'ACTIVE' },
        order: { id: 'ASC' },
        ...(isMysqlFamily(m.connection) ? { lock: { mode: 'pessimistic_read' as const } } : {}),
      });
      const missing = unique.filter((id) => !found.some((p) => p.id === id));
      if (missing.length) {
        throw new BadUserInputError(`No active ${kind.toLowerCase()} ${missing[0]}`, [
          { field, message: `no active ${kind.toLowerCase()} ${missing[0]}` },
        ]);
      }
      result.push(...found);
    }
    if (new Set(result.map((p) => p.communityId)).size > 1) {
      throw new BadUserInputError('All places of a grid must be in one community', [
        { field: 'input.streetIds', message: 'places of several communities' },
      ]);
    }
    return result;
  }

  private nameTaken(name: string): ConflictError {
    return new ConflictError(`A grid named ${name} already exists`, { field: 'input.name' });
  }

  private async run(name: string, work: () => Promise<Grid>): Promise<Grid> {
    try {
      const grid = await work();
      this.committed();
      await this.signboards.settle();
      return grid;
    } catch (error) {
      if (isUniqueViolation(error, { index: 'uq_grid_name', columns: 'grid.name' }))
        throw this.nameTaken(name);
      if (isUniqueViolation(error, { index: 'PRIMARY', columns: 'grid_member.place_id' })) {
        throw new ConflictError('A place is already in another grid', { field: 'input.streetIds' });
      }
      throw error;
    }
  }
}
