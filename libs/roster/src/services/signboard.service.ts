import { randomUUID } from 'node:crypto';
import { type DataSource, type EntityManager, In } from 'typeorm';
import { requireRole } from '@sc/auth';
import {
  type CountedConnection,
  forUpdate,
  isMysqlFamily,
  isUniqueViolation,
  lockById,
  type Page,
  transaction,
  type TransactionOptions,
} from '@sc/db';
import type { Outbox } from '@sc/events';
import { ConflictError, NotFoundError } from '@sc/graphql';
import { Grid, GridMember } from '../entities/grid.entity';
import { Place } from '../entities/place.entity';
import { Signboard } from '../entities/signboard.entity';
import { SignboardEvents } from '@sc/roster-contracts';
import type { RequestInfo } from '@sc/service';
import { contentOf, loadSnapshot } from './signboard-content';
import type { RosterRequest } from '../context';

/** A board's content as the schema shows it (`SignboardContent`). */
export interface SignboardView {
  title: string;
  location: string;
  scopeName: string;
  hash: string;
  entries: {
    gridId: string;
    gridName: string;
    streets: string[];
    courtyards: string[];
    streetIds: string[];
    courtyardIds: string[];
    chiefName: string | null;
    chiefPhone: string | null;
    chiefBadge: string | null;
  }[];
}

/** What a change touched, for {@link SignboardService.refresh}. */
export interface Touched {
  /** Places renamed or retired (boards at or scoped on them, and boards showing their grid). */
  places?: string[];
  /** Grids whose membership, name or appointed chief changed. */
  grids?: string[];
  /** Sort keys of places that left a grid in this change. */
  containing?: string[];
}

/**
 * The transaction options of every change that ends in {@link SignboardService.refresh}: READ
 * COMMITTED, so what it reads after waiting for a lock is what the previous holder committed.
 */
export const BOARD_TRANSACTION: TransactionOptions = { isolation: 'READ COMMITTED' };

export interface NewSignboard {
  id?: string;
  code: string;
  placeId: string;
  location: string;
  scopePlaceId: string;
}

/**
 * Signboards: their content follows the roster. Every roster change that can alter a board calls
 * {@link SignboardService.refresh} in its own transaction, so a board is flagged out of date (and
 * the event written) exactly when the change commits.
 */
export class SignboardService {
  constructor(
    private readonly ds: DataSource,
    private readonly outbox: Outbox,
    private readonly committed: () => void = () => undefined,
  ) {}

  // ---- reads: signboards are public ----

  /** Boards in code order, optionally only those out of date. */
  list(req: RosterRequest, outOfDate: boolean | null, page: Page): Promise<CountedConnection<Signboard>> {
    const where: Record<string, number> = outOfDate === null ? {} : { out_of_date: outOfDate ? 1 : 0 };
    return req.loaders.top(Signboard, { table: 'signboard', sortColumn: 'code', where }, page, (b) => b.code);
  }

  get(req: RosterRequest, id: string): Promise<Signboard | null> {
    return req.loaders.entities.byId(Signboard, id);
  }

  /** The board with this code (e.g. from its QR code), or null. */
  async byCode(req: RosterRequest, code: string): Promise<Signboard | null> {
    const page = await req.loaders.top(
      Signboard,
      { table: 'signboard', sortColumn: 'code', where: { code: code.trim().toUpperCase() } },
      { first: 1, afterKey: null },
      (b) => b.code,
    );
    return page.nodes[0] ?? null;
  }

  /** What the board must show now, as the schema's `SignboardContent`. */
  async content(req: RosterRequest, board: Signboard): Promise<SignboardView> {
    const content = await req.loaders.signboardContent.load(board);
    return {
      title: `${content.scopeName}街长公示牌`,
      location: `${content.placeName} ${content.location}`.trim(),
      scopeName: content.scopeName,
      hash: content.hash,
      entries: content.entries.map((e) => ({
        gridId: e.gridId,
        gridName: e.gridName,
        streets: e.streets,
        courtyards: e.courtyards,
        streetIds: e.streetIds,
        courtyardIds: e.courtyardIds,
        chiefName: e.chief?.name ?? null,
        chiefPhone: e.chief?.phone ?? null,
        chiefBadge: e.chief?.badge ?? null,
      })),
    };
  }

  /**
   * The boards a change can alter, locked (MySQL, `FOR UPDATE` in code order, so two changes never
   * deadlock on boards): those standing at or scoped on one of `places`, and those showing one of
   * `grids` or the grid of one of `places` (a board shows every grid with a member inside its scope),
   * plus those whose scope contains one of `containing` (sort keys of places that just left a grid).
   *
   * The caller holds the locks that keep this set from moving under it: the changed place, then the
   * grid the place is in (a place joins or leaves a grid only under that grid's lock), or the grid
   * itself. It runs in a READ COMMITTED transaction ({@link BOARD_TRANSACTION}), so the content read
   * after the board locks includes every change committed by a writer that held them before.
   */
  async lockAffected(m: EntityManager, touched: Touched): Promise<Signboard[]> {
    const places = [...new Set(touched.places ?? [])];
    const grids = new Set(touched.grids ?? []);
    if (places.length) {
      const memberships = await m.getRepository(GridMember).findBy({ placeId: In(places) });
      for (const x of memberships) grids.add(x.gridId);
    }
    const sortKeys = new Set(touched.containing ?? []);
    if (grids.size) {
      const members = await m.getRepository(GridMember).findBy({ gridId: In([...grids]) });
      for (const x of members) sortKeys.add(x.sortKey);
    }
    // A scope contains a member when the scope's sort key is the member's or one of its prefixes.
    const prefixes = new Set<string>();
    for (const key of sortKeys) {
      const parts = key.split('.');
      for (let i = 1; i <= parts.length; i++) prefixes.add(parts.slice(0, i).join('.'));
    }
    const scopes = prefixes.size
      ? (await m.getRepository(Place).findBy({ sortKey: In([...prefixes]) })).map((p) => p.id)
      : [];
    const atOrOn = [...new Set([...places, ...scopes])];
    if (atOrOn.length === 0) return [];
    const qb = m
      .getRepository(Signboard)
      .createQueryBuilder('s')
      .where('s.scope_place_id IN (:...scopes)', { scopes: atOrOn })
      .orderBy('s.code', 'ASC');
    if (places.length) qb.orWhere('s.place_id IN (:...places)', { places });
    return forUpdate(qb).getMany();
  }

  /**
   * Share-locks the grids (MySQL `FOR SHARE`): their membership cannot change until the transaction
   * ends, while other changes that only read them (renames of their places, chief transitions) go on.
   */
  async lockGrids(m: EntityManager, ids: (string | null | undefined)[]): Promise<void> {
    const unique = [...new Set(ids.filter((id): id is string => typeof id === 'string'))].sort();
    if (unique.length === 0 || !isMysqlFamily(m.connection)) return;
    await m
      .getRepository(Grid)
      .createQueryBuilder('g')
      .where('g.id IN (:...ids)', { ids: unique })
      .orderBy('g.id', 'ASC')
      .setLock('pessimistic_read')
      .getMany();
  }

  /**
   * Share-locks the grid a place is in (see {@link lockGrids}), after the place's own lock: a place
   * joins or leaves a grid only under that grid's lock, so the membership read again after the lock
   * is the one that holds until the transaction ends.
   */
  async lockGridOf(m: EntityManager, placeId: string): Promise<void> {
    let gridId = (await m.getRepository(GridMember).findOneBy({ placeId }))?.gridId ?? null;
    for (;;) {
      await this.lockGrids(m, [gridId]);
      const now = (await m.getRepository(GridMember).findOneBy({ placeId }))?.gridId ?? null;
      if (now === gridId) return;
      gridId = now;
    }
  }

  /**
   * Recomputes the content of the boards the change can alter (see {@link lockAffected}); flags and
   * announces those whose content now differs from print. Call it after the change, in its
   * transaction.
   */
  async refresh(m: EntityManager, actor: string, now: Date, touched: Touched): Promise<Signboard[]> {
    const boards = await this.lockAffected(m, touched);
    if (boards.length === 0) return [];
    const snapshot = await loadSnapshot(m, [...new Set(boards.flatMap((b) => [b.placeId, b.scopePlaceId]))]);
    const flagged: Signboard[] = [];
    for (const board of boards) {
      const { hash } = contentOf(board, snapshot);
      if (hash === board.contentHash) continue;
      const outOfDate = hash !== board.printedHash;
      const changes = {
        contentHash: hash,
        outOfDate,
        outOfDateSince: outOfDate ? (board.outOfDateSince ?? now) : null,
        updatedAt: now,
      };
      await m.getRepository(Signboard).update({ id: board.id }, changes);
      if (outOfDate && !board.outOfDate) {
        flagged.push({ ...board, ...changes });
        await this.outbox.add(
          m,
          SignboardEvents.signboardOutOfDate,
          board.id,
          {
            id: board.id,
            code: board.code,
            printedVersion: board.printedVersion,
            contentHash: hash,
            actor,
          },
          { time: now },
        );
      }
    }
    return flagged;
  }

  /** COMMUNITY_STAFF or TOWN_OFFICER: the board was reprinted with its current content. */
  async markReprinted({ principal }: RequestInfo, id: string): Promise<Signboard> {
    const actor = requireRole(principal, 'COMMUNITY_STAFF', 'TOWN_OFFICER').subject;
    const board = await transaction(
      this.ds,
      async (m) => {
        const current = await lockById(m, Signboard, id);
        if (!current) throw new NotFoundError('Signboard', id);
        const snapshot = await loadSnapshot(m, [current.placeId, current.scopePlaceId]);
        const { hash } = contentOf(current, snapshot);
        const now = new Date();
        const changes = {
          printedVersion: current.printedVersion + 1,
          printedHash: hash,
          printedAt: now,
          contentHash: hash,
          outOfDate: false,
          outOfDateSince: null,
          updatedAt: now,
        };
        await m.getRepository(Signboard).update({ id }, changes);
        await this.outbox.add(
          m,
          SignboardEvents.signboardReprinted,
          id,
          {
            id,
            code: current.code,
            printedVersion: changes.printedVersion,
            contentHash: hash,
            actor,
          },
          { time: now },
        );
        return { ...current, ...changes };
      },
      BOARD_TRANSACTION,
    );
    this.committed();
    return board;
  }

  /** COMMUNITY_STAFF: put up a new board, printed with the current content (version 1). */
  async create({ principal }: RequestInfo, input: NewSignboard): Promise<Signboard> {
    requireRole(principal, 'COMMUNITY_STAFF');
    try {
      return await transaction(this.ds, (m) => this.createIn(m, input));
    } catch (error) {
      if (isUniqueViolation(error, { index: 'uq_signboard_code', columns: 'signboard.code' })) {
        throw new ConflictError(`Signboard code ${input.code} is already taken`, { field: 'input.code' });
      }
      throw error;
    }
  }

  /** For the demo seed: a board printed with its current content (version 1). */
  async createIn(m: EntityManager, input: NewSignboard, now = new Date()): Promise<Signboard> {
    for (const placeId of [input.placeId, input.scopePlaceId]) {
      if (!(await m.getRepository(Place).existsBy({ id: placeId })))
        throw new NotFoundError('Place', placeId);
    }
    const board: Signboard = {
      id: input.id ?? randomUUID(),
      code: input.code,
      placeId: input.placeId,
      location: input.location,
      scopePlaceId: input.scopePlaceId,
      printedVersion: 1,
      printedHash: '',
      printedAt: now,
      contentHash: '',
      outOfDate: false,
      outOfDateSince: null,
      createdAt: now,
      updatedAt: now,
    };
    const { hash } = contentOf(board, await loadSnapshot(m, [input.placeId, input.scopePlaceId]));
    board.printedHash = hash;
    board.contentHash = hash;
    await m.getRepository(Signboard).insert(board);
    return board;
  }
}
