import { randomUUID } from 'node:crypto';
import { type DataSource, type EntityManager, In } from 'typeorm';
import { requireRole } from '@sc/auth';
import {
  columnList,
  type CountedConnection,
  forUpdateSql,
  hydrate,
  isMysqlFamily,
  isUniqueViolation,
  lockById,
  type Page,
  persisted,
  persistedValue,
  placeholders,
  transaction,
  type TransactionOptions,
  wroteWithSql,
} from '@sc/db';
import type { Logger } from '@sc/config';
import type { Outbox } from '@sc/events';
import { ConflictError, NotFoundError } from '@sc/graphql';
import { GridMember } from '../entities/grid.entity';
import { Place } from '../entities/place.entity';
import { Signboard } from '../entities/signboard.entity';
import { SignboardRefresh } from '../entities/signboard-refresh.entity';
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

/** The data of a `signboard.outOfDate` event. */
type OutOfDateData = Parameters<(typeof SignboardEvents.signboardOutOfDate)['build']>[1];

/** A refreshed board's new content columns. */
interface BoardChange {
  id: string;
  contentHash: string;
  outOfDate: boolean;
  outOfDateSince: Date | null;
  updatedAt: Date;
}

/** Recorded changes one refresh takes at most (the rest in the next, at once). */
const REFRESH_BATCH = 500;

/**
 * The transaction options of the roster changes that record a {@link SignboardService.refresh}: READ
 * COMMITTED, so what a change reads after waiting for its aggregate's lock is what the previous
 * holder committed.
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
 * Signboards: their content follows the roster. Every roster change that can alter a board records
 * it with {@link SignboardService.refresh} in its own transaction (an insert, no board lock) and calls
 * {@link SignboardService.settle} after its commit, which refreshes the boards of every change
 * pending in one pass (ADR 0026): a board is flagged out of date (and the event written) before the
 * change's mutation answers, and concurrent changes of different places never wait for each other.
 */
export class SignboardService {
  constructor(
    private readonly ds: DataSource,
    private readonly outbox: Outbox,
    private readonly committed: () => void = () => undefined,
    private readonly logger?: Logger,
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
   * Records, in the change's transaction, that it may have altered boards: one inserted row, no
   * lock on any board (ADR 0026). The boards follow in {@link settle}, after the commit; call it then
   * when this returned true (false: no board can show what the change touched).
   */
  async refresh(m: EntityManager, actor: string, now: Date, touched: Touched): Promise<boolean> {
    // Nothing to record when no board can show what changed (a courtyard outside every grid, a
    // place with no board): a concurrent change that brings it onto a board records its own.
    const [affected] = await this.affectedBy(m, [touched]);
    if (!affected?.length) return false;
    // signboard_refresh is bookkeeping (no served answer reads it): no read-generation bump.
    const row = persisted(m, SignboardRefresh, { touched: JSON.stringify(touched), actor, at: now });
    await m.query(
      `INSERT INTO signboard_refresh (${row.columns.join(', ')}) VALUES (${placeholders(row.params.length)})`,
      row.params,
    );
    return true;
  }

  /**
   * Brings the boards up to date with every change recorded by {@link refresh} and committed before
   * this call: resolves once a refresh pass that began after the call has ended (callers that arrive
   * while a pass runs share the next one). Never rejects: a failed pass is logged, its changes stay
   * recorded, and the next pass (the periodic `signboard-refresh` job at the latest) takes them up.
   */
  settle(): Promise<void> {
    if (!this.running) {
      this.running = this.pass().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    this.next ??= this.running.then(() => {
      this.next = null;
      return this.settle();
    });
    return this.next;
  }

  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  private async pass(): Promise<void> {
    try {
      for (;;) {
        const { more, announced } = await transaction(this.ds, (m) => this.refreshPending(m), {
          isolation: 'REPEATABLE READ',
        });
        if (announced) this.committed();
        if (!more) return;
      }
    } catch (error) {
      this.logger?.warn({ err: error }, 'signboard refresh failed; the next pass retries');
    }
  }

  /**
   * One refresh of up to {@link REFRESH_BATCH} recorded changes, in a REPEATABLE READ transaction:
   * the refresh lock first (one refresh at a time, across copies), then the recorded changes (the
   * first plain read: every later read sees one snapshot that includes those changes), the boards
   * they can alter locked in code order, their content derived from the snapshot; a board whose
   * content differs from print is flagged and announced with the time and actor of the first change
   * that could alter it. The changes taken are deleted. Writers never wait for this: they only insert.
   */
  private async refreshPending(m: EntityManager): Promise<{ more: boolean; announced: boolean }> {
    await this.lockRefresh(m);
    // Plain statements throughout (ADR 0052): a street rename's pass runs after every one.
    const pending = (
      (await m.query(
        `SELECT ${columnList(m, SignboardRefresh)} FROM signboard_refresh ORDER BY seq LIMIT ${REFRESH_BATCH}`,
      )) as Record<string, unknown>[]
    ).map((row) => hydrate(m, SignboardRefresh, row));
    if (pending.length === 0) return { more: false, announced: false };
    const touched = pending.map((r) => JSON.parse(r.touched) as Touched);
    const affected = await this.affectedBy(m, touched);
    const cause = new Map<string, SignboardRefresh>();
    affected.forEach((ids, i) => {
      for (const id of ids) if (!cause.has(id)) cause.set(id, pending[i] as SignboardRefresh);
    });
    let announced = false;
    if (cause.size) {
      const ids = [...cause.keys()];
      const boards = (
        (await m.query(
          `SELECT ${columnList(m, Signboard)} FROM signboard WHERE id IN (${placeholders(ids.length)}) ORDER BY code${forUpdateSql(m)}`,
          ids,
        )) as Record<string, unknown>[]
      ).map((row) => hydrate(m, Signboard, row));
      const snapshot = await loadSnapshot(m, [
        ...new Set(boards.flatMap((b) => [b.placeId, b.scopePlaceId])),
      ]);
      const changed: BoardChange[] = [];
      const events: { subject: string; data: OutOfDateData; time: Date }[] = [];
      for (const board of boards) {
        const { hash } = contentOf(board, snapshot);
        if (hash === board.contentHash) continue;
        const { actor, at } = cause.get(board.id) as SignboardRefresh;
        const outOfDate = hash !== board.printedHash;
        changed.push({
          id: board.id,
          contentHash: hash,
          outOfDate,
          outOfDateSince: outOfDate ? (board.outOfDateSince ?? at) : null,
          updatedAt: at,
        });
        if (outOfDate && !board.outOfDate) {
          events.push({
            subject: board.id,
            data: {
              id: board.id,
              code: board.code,
              printedVersion: board.printedVersion,
              contentHash: hash,
              actor,
            },
            time: at,
          });
        }
      }
      await this.updateBoards(m, changed);
      if (events.length) {
        announced = true;
        await this.outbox.addMany(m, SignboardEvents.signboardOutOfDate, events);
      }
    }
    const seqs = pending.map((r) => r.seq);
    await m.query(`DELETE FROM signboard_refresh WHERE seq IN (${placeholders(seqs.length)})`, seqs);
    return { more: pending.length === REFRESH_BATCH, announced };
  }

  /**
   * The refreshed boards' content columns in one statement (`CASE id WHEN … THEN …` per column)
   * instead of one UPDATE per board; the read generation is told (a plain write, ADR 0050).
   */
  private async updateBoards(m: EntityManager, changed: BoardChange[]): Promise<void> {
    if (changed.length === 0) return;
    const params: unknown[] = [];
    const column = (name: string, property: 'contentHash' | 'outOfDate' | 'outOfDateSince' | 'updatedAt') => {
      for (const c of changed) params.push(c.id, persistedValue(m, Signboard, property, c[property]));
      return `${name} = CASE id${' WHEN ? THEN ?'.repeat(changed.length)} END`;
    };
    const set = [
      column('content_hash', 'contentHash'),
      column('out_of_date', 'outOfDate'),
      column('out_of_date_since', 'outOfDateSince'),
      column('updated_at', 'updatedAt'),
    ].join(', ');
    for (const c of changed) params.push(c.id);
    await m.query(`UPDATE signboard SET ${set} WHERE id IN (${placeholders(changed.length)})`, params);
    await wroteWithSql(m, 'signboard');
  }

  /**
   * The refresh lock (MySQL; SQLite runs one transaction at a time): every write of a board's
   * content hash takes it first, so a refresh's snapshot is never older than the hash it compares.
   */
  private async lockRefresh(m: EntityManager): Promise<void> {
    if (!isMysqlFamily(m.connection)) return;
    await m.query('SELECT id FROM signboard_refresh_lock WHERE id = 1 FOR UPDATE');
  }

  /**
   * For each recorded change, the ids of the boards it can alter: those standing at or scoped on one
   * of its places, and those showing one of its grids or the grid of one of its places (a board
   * shows every grid with a member inside its scope), plus those whose scope contains one of its
   * `containing` (sort keys of places that just left a grid). One statement when the changes touched
   * only places (renames, retirements), four otherwise, for any number of changes.
   */
  async affectedBy(m: EntityManager, changes: Touched[]): Promise<string[][]> {
    if (changes.every((t) => !t.grids?.length && !t.containing?.length)) return this.showing(m, changes);
    return this.affectedByAnyChange(m, changes);
  }

  /** {@link affectedBy} for any changes (grids, containing): public for the spec of the fast path. */
  async affectedByAnyChange(m: EntityManager, changes: Touched[]): Promise<string[][]> {
    const allPlaces = [...new Set(changes.flatMap((t) => t.places ?? []))];
    const gridOf = new Map<string, string>();
    if (allPlaces.length) {
      for (const x of await m.getRepository(GridMember).findBy({ placeId: In(allPlaces) }))
        gridOf.set(x.placeId, x.gridId);
    }
    const gridsOf = changes.map((t) => {
      const grids = new Set(t.grids ?? []);
      for (const p of t.places ?? []) {
        const g = gridOf.get(p);
        if (g) grids.add(g);
      }
      return grids;
    });
    const allGrids = [...new Set(gridsOf.flatMap((g) => [...g]))];
    const keysOf = new Map<string, string[]>();
    if (allGrids.length) {
      for (const x of await m.getRepository(GridMember).findBy({ gridId: In(allGrids) }))
        keysOf.set(x.gridId, [...(keysOf.get(x.gridId) ?? []), x.sortKey]);
    }
    // A scope contains a member when the scope's sort key is the member's or one of its prefixes.
    const prefixesOf = changes.map((t, i) => {
      const keys = new Set(t.containing ?? []);
      for (const g of gridsOf[i] ?? []) for (const k of keysOf.get(g) ?? []) keys.add(k);
      const prefixes = new Set<string>();
      for (const key of keys) {
        const parts = key.split('.');
        for (let j = 1; j <= parts.length; j++) prefixes.add(parts.slice(0, j).join('.'));
      }
      return prefixes;
    });
    const allPrefixes = [...new Set(prefixesOf.flatMap((p) => [...p]))];
    const placeOfKey = new Map<string, string>();
    if (allPrefixes.length) {
      for (const p of await m.getRepository(Place).findBy({ sortKey: In(allPrefixes) }))
        placeOfKey.set(p.sortKey, p.id);
    }
    const atOrOn = changes.map((t, i) => {
      const ids = new Set(t.places ?? []);
      for (const k of prefixesOf[i] ?? []) {
        const id = placeOfKey.get(k);
        if (id) ids.add(id);
      }
      return ids;
    });
    const allScopes = [...new Set(atOrOn.flatMap((s) => [...s]))];
    if (allScopes.length === 0) return changes.map(() => []);
    const qb = m
      .getRepository(Signboard)
      .createQueryBuilder('s')
      .select(['s.id', 's.placeId', 's.scopePlaceId'])
      .where('s.scope_place_id IN (:...scopes)', { scopes: allScopes });
    if (allPlaces.length) qb.orWhere('s.place_id IN (:...places)', { places: allPlaces });
    const boards = await qb.getMany();
    return changes.map((t, i) => {
      const places = new Set(t.places ?? []);
      const scopes = atOrOn[i] as Set<string>;
      return boards.filter((b) => scopes.has(b.scopePlaceId) || places.has(b.placeId)).map((b) => b.id);
    });
  }

  /**
   * {@link affectedBy} for changes that touched only places (renames, retirements: the hot path,
   * ADR 0052), in one plain statement instead of four: the boards standing at or scoped on one of
   * the places, and those whose scope contains a member of a place's grid (the scope's sort key is
   * the member's or one of its prefixes) — the same boards as the general path.
   */
  private async showing(m: EntityManager, changes: Touched[]): Promise<string[][]> {
    const places = [...new Set(changes.flatMap((t) => t.places ?? []))];
    if (places.length === 0) return changes.map(() => []);
    const marks = placeholders(places.length);
    const prefix = isMysqlFamily(m.connection) ? "CONCAT(sc.sort_key, '.%')" : "sc.sort_key || '.%'";
    const rows = (await m.query(
      `SELECT s.id AS board, s.place_id AS place FROM signboard s WHERE s.place_id IN (${marks})
       UNION SELECT s.id, s.scope_place_id FROM signboard s WHERE s.scope_place_id IN (${marks})
       UNION SELECT s.id, mine.place_id FROM grid_member mine
         JOIN grid_member gm ON gm.grid_id = mine.grid_id
         CROSS JOIN signboard s
         JOIN place sc ON sc.id = s.scope_place_id
         WHERE mine.place_id IN (${marks}) AND (gm.sort_key = sc.sort_key OR gm.sort_key LIKE ${prefix})`,
      [...places, ...places, ...places],
    )) as { board: string; place: string }[];
    const boardsOf = new Map<string, Set<string>>();
    for (const { board, place } of rows) {
      const set = boardsOf.get(place) ?? new Set<string>();
      set.add(board);
      boardsOf.set(place, set);
    }
    return changes.map((t) => [...new Set((t.places ?? []).flatMap((p) => [...(boardsOf.get(p) ?? [])]))]);
  }

  /** COMMUNITY_STAFF or TOWN_OFFICER: the board was reprinted with its current content. */
  async markReprinted({ principal }: RequestInfo, id: string): Promise<Signboard> {
    const actor = requireRole(principal, 'COMMUNITY_STAFF', 'TOWN_OFFICER').subject;
    const board = await transaction(
      this.ds,
      async (m) => {
        await this.lockRefresh(m);
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
    await this.lockRefresh(m);
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
