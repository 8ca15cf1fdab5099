import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { requireRole } from '@sc/auth';
import {
  columnList,
  type CountedConnection,
  forUpdateSql,
  hydrate,
  isUniqueViolation,
  type OrderedPage,
  type Page,
  transaction,
  type TransactionOptions,
  persisted,
  wroteWithSql,
} from '@sc/db';
import type { Outbox } from '@sc/events';
import { ConflictError, NotFoundError } from '@sc/graphql';
import { Place, type PlaceKind, type PlaceStatus } from '../entities/place.entity';
import type { RosterRequest } from '../context';
import type { Via } from '../repositories/lists';
import { RosterEvents } from '@sc/roster-contracts';
import type { RequestInfo } from '@sc/service';

const PARENT_KIND: Record<PlaceKind, PlaceKind | null> = {
  COMMUNITY: null,
  RESIDENT_GROUP: 'COMMUNITY',
  STREET: 'RESIDENT_GROUP',
  COURTYARD: 'STREET',
};
const CHILD_KIND: Record<PlaceKind, PlaceKind | null> = {
  COMMUNITY: 'RESIDENT_GROUP',
  RESIDENT_GROUP: 'STREET',
  STREET: 'COURTYARD',
  COURTYARD: null,
};
export const KIND_LABEL: Record<PlaceKind, string> = {
  COMMUNITY: 'Community',
  RESIDENT_GROUP: 'Resident group',
  STREET: 'Street',
  COURTYARD: 'Courtyard',
};
const EVENTS = {
  COMMUNITY: [RosterEvents.communityCreated, RosterEvents.communityRenamed, RosterEvents.communityRetired],
  RESIDENT_GROUP: [
    RosterEvents.residentGroupCreated,
    RosterEvents.residentGroupRenamed,
    RosterEvents.residentGroupRetired,
  ],
  STREET: [RosterEvents.streetCreated, RosterEvents.streetRenamed, RosterEvents.streetRetired],
  COURTYARD: [RosterEvents.courtyardCreated, RosterEvents.courtyardRenamed, RosterEvents.courtyardRetired],
} as const;

/** Data derived from places that must follow their renames and retirements. */
export interface PlaceDependents {
  /** Records, in the change's transaction, that the place's dependents may have changed. */
  refresh(m: EntityManager, actor: string, now: Date, touched: { places: string[] }): Promise<boolean>;
  /** After the commit: brings them up to date (ADR 0026). */
  settle(): Promise<unknown>;
}
const NO_DEPENDENTS: PlaceDependents = {
  refresh: () => Promise.resolve(false),
  settle: () => Promise.resolve(),
};
/** Renames and retirements lock only their own place (ADR 0026); see `BOARD_TRANSACTION`. */
const LOCK_NARROW: TransactionOptions = { isolation: 'READ COMMITTED' };

/** Ordinals are zero-padded so that the materialised path sorts as text. */
const ORDINAL_WIDTH = 4;

export interface CreatePlace {
  kind: PlaceKind;
  name: string;
  parentId?: string;
  code?: string;
  /** Fixed id for the demo seed; a random UUID otherwise. */
  id?: string;
}

/**
 * Rules for the places: only ADMIN changes them; names are unique among active siblings; a place
 * is created under an active parent and retired only after its children; nothing is deleted.
 * Every change writes its event to the outbox in the same transaction.
 */
export class PlaceService {
  constructor(
    private readonly ds: DataSource,
    private readonly outbox: Outbox,
    /** Called after a change committed, so the outbox relay publishes without waiting to poll. */
    private readonly committed: () => void = () => undefined,
    /**
     * What else a rename or retirement changes: the signboards print place names. `refresh` runs
     * in the change's transaction, `settle` after its commit.
     */
    private readonly dependents: PlaceDependents = NO_DEPENDENTS,
  ) {}

  // ---- reads: places are public ----

  /** The community with this code (`caichang`), or null. */
  community(req: RosterRequest, code: string): Promise<Place | null> {
    return req.loaders.communityByCode(code.trim().toLowerCase());
  }

  /** The place with this id and kind, or null (a street id never resolves as a courtyard). */
  get(req: RosterRequest, kind: PlaceKind, id: string): Promise<Place | null> {
    return req.loaders.place(id, kind);
  }

  /**
   * A place another one points at (a street's resident group, a courtyard's street). Its absence is
   * a broken roster, not a user error: the fault is reported with what is missing.
   */
  async required(req: RosterRequest, kind: PlaceKind | null, id: string | null): Promise<Place> {
    const place = id === null ? null : await req.loaders.place(id, kind ?? undefined);
    if (!place)
      throw new Error(`the roster refers to a ${kind ?? 'place'} ${id ?? '(none)'} that does not exist`);
    return place;
  }

  /** Every place of a kind, in official order. */
  list(
    req: RosterRequest,
    kind: PlaceKind,
    status: PlaceStatus,
    page: OrderedPage<Place>,
    owner?: { via: Via; id: string },
  ): Promise<CountedConnection<Place>> {
    return req.loaders.places(kind, status, page, owner);
  }

  /** The places of a kind under an owner (its parent, or its community at any depth). */
  children(
    req: RosterRequest,
    kind: PlaceKind,
    via: Via,
    ownerId: string,
    status: PlaceStatus,
    page: Page,
  ): Promise<CountedConnection<Place>> {
    return req.loaders.placeChildren(kind, via, ownerId, status, page);
  }

  // ---- writes: ADMIN only ----

  async create({ principal }: RequestInfo, input: CreatePlace): Promise<Place> {
    const actor = requireRole(principal, 'ADMIN');
    // Two concurrent creations under one parent may pick the same ordinal; the unique sort key
    // catches it and the loser retries with the next one.
    for (let attempt = 1; ; attempt++) {
      try {
        const place = await transaction(this.ds, (m) => this.createIn(m, actor.subject, input));
        this.committed();
        return place;
      } catch (error) {
        if (
          attempt < 5 &&
          isUniqueViolation(error, { index: 'uq_place_sort_key', columns: 'place.sort_key' })
        )
          continue;
        throw this.translate(error, input.kind, input.name);
      }
    }
  }

  /** Used by the demo seed inside its own transaction. */
  async createIn(m: EntityManager, actor: string, input: CreatePlace): Promise<Place> {
    const repo = m.getRepository(Place);
    const parentKind = PARENT_KIND[input.kind];
    let parent: Place | null = null;
    if (parentKind) {
      parent = input.parentId ? await repo.findOneBy({ id: input.parentId, kind: parentKind }) : null;
      if (!parent) throw new NotFoundError(KIND_LABEL[parentKind], input.parentId);
      if (parent.status !== 'ACTIVE') {
        throw new ConflictError(
          `${KIND_LABEL[parentKind]} ${parent.name} is retired; nothing can be added to it`,
          {
            currentState: parent.status,
          },
        );
      }
    }
    const parentKey = parent?.id ?? 'root';
    if (await repo.existsBy({ parentKey, kind: input.kind, activeName: input.name })) {
      throw this.nameTaken(input.kind, input.name);
    }
    if (input.code && (await repo.existsBy({ code: input.code }))) {
      throw new ConflictError(`Community code ${input.code} is already taken`, { field: 'input.code' });
    }
    const siblings = await repo.countBy({ parentKey, kind: input.kind });
    const ordinal = String(siblings + 1).padStart(ORDINAL_WIDTH, '0');
    const now = new Date();
    const id = input.id ?? randomUUID();
    const place = repo.create({
      id,
      kind: input.kind,
      code: input.kind === 'COMMUNITY' ? (input.code ?? null) : null,
      name: input.name,
      activeName: input.name,
      parentId: parent?.id ?? null,
      parentKey,
      communityId: parent?.communityId ?? id,
      sortKey: parent ? `${parent.sortKey}.${ordinal}` : ordinal,
      status: 'ACTIVE',
      version: 1,
      createdAt: now,
      updatedAt: now,
      retiredAt: null,
      retiredReason: null,
    });
    await repo.insert(place);
    await this.outbox.add(
      m,
      EVENTS[input.kind][0],
      place.id,
      {
        id: place.id,
        kind: place.kind,
        name: place.name,
        code: place.code,
        parentId: place.parentId,
        communityId: place.communityId,
        sortKey: place.sortKey,
        actor,
      },
      { time: now },
    );
    return place;
  }

  async rename({ principal }: RequestInfo, kind: PlaceKind, id: string, name: string): Promise<Place> {
    const actor = requireRole(principal, 'ADMIN').subject;
    let recorded = false;
    try {
      const renamed = await transaction(
        this.ds,
        async (m) => {
          const place = await this.lockActive(m, kind, id);
          if (place.name === name) return place;
          // No sibling lookup: the unique index uq_place_active_name refuses a taken name, and
          // `translate` turns that refusal into CONFLICT on input.name (ADR 0052). A plain statement
          // (ADR 0052): the read generation is told of it, as the subscriber does not see it.
          const previousName = place.name;
          const now = new Date();
          const set = persisted(m, Place, {
            name,
            activeName: name,
            version: place.version + 1,
            updatedAt: now,
          });
          await m.query(`UPDATE place SET ${set.columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`, [
            ...set.params,
            id,
          ]);
          await wroteWithSql(m, 'place');
          await this.outbox.add(
            m,
            EVENTS[kind][1],
            id,
            { id, kind, name, previousName, actor },
            { time: now },
          );
          recorded = await this.dependents.refresh(m, actor, now, { places: [id] });
          return { ...place, name, activeName: name, version: place.version + 1, updatedAt: now };
        },
        LOCK_NARROW,
      );
      this.committed();
      if (recorded) await this.dependents.settle();
      return renamed;
    } catch (error) {
      throw this.translate(error, kind, name);
    }
  }

  async retire({ principal }: RequestInfo, kind: PlaceKind, id: string, reason: string): Promise<Place> {
    const actor = requireRole(principal, 'ADMIN').subject;
    let recorded = false;
    const retired = await transaction(
      this.ds,
      async (m) => {
        const repo = m.getRepository(Place);
        const place = await this.lockActive(m, kind, id);
        const childKind = CHILD_KIND[kind];
        if (childKind && (await repo.existsBy({ parentId: id, kind: childKind, status: 'ACTIVE' }))) {
          throw new ConflictError(
            `${KIND_LABEL[kind]} ${place.name} still has active ${KIND_LABEL[childKind].toLowerCase()}s; retire them first`,
            { currentState: place.status },
          );
        }
        const now = new Date();
        const changes = {
          status: 'RETIRED' as const,
          activeName: null,
          retiredAt: now,
          retiredReason: reason,
          updatedAt: now,
          version: place.version + 1,
        };
        await repo.update({ id }, changes);
        await this.outbox.add(m, EVENTS[kind][2], id, { id, kind, reason, actor }, { time: now });
        recorded = await this.dependents.refresh(m, actor, now, { places: [id] });
        return { ...place, ...changes };
      },
      LOCK_NARROW,
    );
    this.committed();
    if (recorded) await this.dependents.settle();
    return retired;
  }

  /**
   * Loads the place for a change, locking its row (MySQL) so concurrent changes serialize. A plain
   * statement: the hot path of every rename (ADR 0052).
   */
  private async lockActive(m: EntityManager, kind: PlaceKind, id: string): Promise<Place> {
    const [row] = (await m.query(
      `SELECT ${columnList(m, Place)} FROM place WHERE id = ? AND kind = ?${forUpdateSql(m)}`,
      [id, kind],
    )) as Record<string, unknown>[];
    const place = row ? hydrate(m, Place, row) : null;
    if (!place) throw new NotFoundError(KIND_LABEL[kind], id);
    if (place.status !== 'ACTIVE') {
      throw new ConflictError(`${KIND_LABEL[kind]} ${place.name} is retired`, { currentState: place.status });
    }
    return place;
  }

  private nameTaken(kind: PlaceKind, name: string): ConflictError {
    return new ConflictError(
      `An active ${KIND_LABEL[kind].toLowerCase()} named ${name} already exists here`,
      {
        field: 'input.name',
      },
    );
  }

  private translate(error: unknown, kind: PlaceKind, name: string): unknown {
    if (isUniqueViolation(error, { index: 'uq_place_active_name', columns: 'place.active_name' }))
      return this.nameTaken(kind, name);
    if (isUniqueViolation(error, { index: 'uq_place_code', columns: 'place.code' })) {
      return new ConflictError('Community code is already taken', { field: 'input.code' });
    }
    return error;
  }
}
