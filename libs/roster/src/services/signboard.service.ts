import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { requireRole } from '@sc/auth';
import { type CountedConnection, forUpdate, isUniqueViolation, type Page, transaction } from '@sc/db';
import type { Outbox } from '@sc/events';
import { ConflictError, NotFoundError } from '@sc/graphql';
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
    chiefName: string | null;
    chiefPhone: string | null;
    chiefBadge: string | null;
  }[];
}

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
        chiefName: e.chief?.name ?? null,
        chiefPhone: e.chief?.phone ?? null,
        chiefBadge: e.chief?.badge ?? null,
      })),
    };
  }

  /**
   * Locks every board row (MySQL). Changes that end in {@link refresh} call it first, before any
   * other read: they then run one at a time, and each one's reads (which under REPEATABLE READ
   * see the database as of the first plain read) include every earlier change, so no refresh
   * computes a board from a stale roster, and no two of them can deadlock.
   */
  async lockAll(m: EntityManager): Promise<Signboard[]> {
    const qb = m.getRepository(Signboard).createQueryBuilder('s').orderBy('s.code', 'ASC');
    forUpdate(qb);
    return qb.getMany();
  }

  /** Recomputes every board's content; flags and announces the boards whose content now differs from print. */
  async refresh(m: EntityManager, actor: string, now: Date): Promise<Signboard[]> {
    const boards = await this.lockAll(m);
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
    const board = await transaction(this.ds, async (m) => {
      const current = (await this.lockAll(m)).find((b) => b.id === id);
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
    });
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
