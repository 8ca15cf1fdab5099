import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { hasRole, requireRole, type Principal } from '@sc/auth';
import {
  type CountedConnection,
  forUpdate,
  isDeadlock,
  isUniqueViolation,
  type OrderedPage,
  type Page,
  transaction,
} from '@sc/db';
import { type Outbox, pendingEvent, type PendingEvent } from '@sc/events';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '@sc/graphql';
import { activeResident } from '@sc/people-contracts';
import { ChiefNomination, ChiefTransition, StreetChief, type ChiefStatus } from '../entities/chief.entity';
import { ChiefEvents } from '@sc/roster-contracts';
import type { RequestInfo } from '@sc/service';
import type { RosterRequest } from '../context';
import { LISTS } from '../repositories/lists';
import { parseStringList } from '../repositories/json-columns';
import { canSeeCandidates, CHIEF_READERS } from './access';
import { CHIEF_LIFECYCLE, type ChiefAction } from './chief-lifecycle';
import type { GridService } from './grid.service';
import { BOARD_TRANSACTION, type SignboardService } from './signboard.service';

export interface Nomination {
  residentId: string;
  name: string;
  /** Required when community staff record a nomination; a resident nominates as themself. */
  nominatorResidentId?: string | null;
  reason: string;
}
export interface Vetting {
  passed: boolean;
  reason: string;
  visitNotes: string;
  opinions: string[];
}
export interface Filing {
  filedOn: Date;
  documentNumber: string;
  reason: string;
}
export interface Appointment {
  gridId: string;
  badge: string;
  phone: string;
  termStart: Date;
  termEnd: Date;
  reason: string;
}

/** What an action changes on the chief, and the event it writes. */
type ChangeAndEvent = {
  changes: Partial<StreetChief>;
  event: PendingEvent;
};
/** Builds the change of one action from the locked chief and the common event fields. */
export type Apply = (
  m: EntityManager,
  chief: StreetChief,
  base: ChiefEventBase,
) => Promise<ChangeAndEvent> | ChangeAndEvent;
export interface ChiefEventBase {
  id: string;
  residentId: string;
  status: ChiefStatus;
  previousStatus: ChiefStatus | null;
  reason: string;
  actor: string;
}

/** Transitions that change what the signboards show. */
const SHOWN_ON_BOARDS: ChiefAction[] = ['APPOINT', 'SUSPEND', 'RESUME', 'RETIRE'];

/**
 * Street chiefs from nomination to retirement. Each action checks the role first, then locks the
 * chief, asks the state machine whether the action is legal in the current state (CONFLICT naming
 * it otherwise), writes the change, a transition row (who, when, why) and the event in one
 * transaction; appointment rules are enforced by the database (unique held grid and badge).
 */
export class ChiefService {
  constructor(
    private readonly ds: DataSource,
    private readonly outbox: Outbox,
    private readonly grids: GridService,
    private readonly signboards: SignboardService,
    private readonly committed: () => void = () => undefined,
  ) {}

  // ---- reads: the public sees appointed chiefs only; candidates and history need CHIEF_READERS ----

  /** Chiefs in a state, in badge order. Anyone may list APPOINTED chiefs; other states need a reader. */
  list(
    req: RosterRequest,
    status: ChiefStatus,
    page: OrderedPage<StreetChief>,
  ): Promise<CountedConnection<StreetChief>> {
    if (status !== 'APPOINTED') requireRole(req.principal, ...CHIEF_READERS);
    return req.loaders.ordered(StreetChief, { table: 'street_chief', where: { status } }, page);
  }

  /** A chief the caller may see, else null ("not found or no access"). */
  async get(req: RosterRequest, id: string): Promise<StreetChief | null> {
    return this.visible(req, await req.loaders.entities.byId(StreetChief, id));
  }

  /** The chief if the caller may see it: appointed chiefs are public, others only for readers. */
  visible(req: RequestInfo, chief: StreetChief | null): StreetChief | null {
    return chief && (chief.status === 'APPOINTED' || canSeeCandidates(req.principal)) ? chief : null;
  }

  /** The chief's public phone: printed on signboards while appointed; readers see it in every state. */
  phone(req: RequestInfo, chief: StreetChief): string | null {
    return chief.status === 'APPOINTED' || canSeeCandidates(req.principal) ? chief.phone : null;
  }

  /** What the vetting visit found, for readers only (null for everyone else). */
  vettingOf(req: RequestInfo, chief: StreetChief): { notes: string | null; opinions: string[] | null } {
    if (!canSeeCandidates(req.principal)) return { notes: null, opinions: null };
    return {
      notes: chief.vettingNotes,
      opinions: chief.vettingOpinions ? parseStringList(chief.vettingOpinions) : null,
    };
  }

  nominations(
    req: RosterRequest,
    chief: StreetChief,
    page: Page,
  ): Promise<CountedConnection<ChiefNomination>> {
    requireRole(req.principal, ...CHIEF_READERS);
    return req.loaders.lists.page(LISTS.nominations, chief.id, page, (id) =>
      req.loaders.entities.byId(ChiefNomination, id),
    );
  }

  transitions(
    req: RosterRequest,
    chief: StreetChief,
    page: Page,
  ): Promise<CountedConnection<ChiefTransition>> {
    requireRole(req.principal, ...CHIEF_READERS);
    return req.loaders.lists.page(LISTS.transitions, chief.id, page, (id) =>
      req.loaders.entities.byId(ChiefTransition, id),
    );
  }

  /** The appointed chief of a grid, null while it has none. */
  async ofGrid(req: RosterRequest, gridId: string): Promise<StreetChief | null> {
    const holder = await req.loaders.chiefByGrid.load(gridId);
    return holder?.status === 'APPOINTED' ? holder : null;
  }

  // ---- writes ----

  async nominate({ principal }: RequestInfo, input: Nomination): Promise<StreetChief> {
    const p = CHIEF_LIFECYCLE.requireActor(principal, 'NOMINATE');
    let nominator = input.nominatorResidentId ?? null;
    if (!hasRole(p, 'COMMUNITY_STAFF')) {
      // A resident nominates as themself (their token's subject is their resident id).
      if (nominator !== null && nominator !== p.subject) {
        throw new ForbiddenError('a resident nominates only in their own name');
      }
      nominator = p.subject;
    } else if (nominator === null) {
      throw new BadUserInputError('nominatorResidentId is required when staff record a nomination', [
        { field: 'input.nominatorResidentId', message: 'is required when staff record a nomination' },
      ]);
    }
    // Two first nominations of one resident may race to create the candidacy; the unique index
    // lets one win and the other retry as a second nomination. First nominations of different
    // residents at once can deadlock on the gap lock of the `FOR UPDATE` look-up (both find no open
    // candidacy, both insert): the database rolls one back whole, and it runs again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.commit(() =>
          transaction(this.ds, async (m) => {
            await this.checkResidents(m, input.residentId, nominator);
            return this.nominateIn(m, p.subject, { ...input, nominatorResidentId: nominator });
          }),
        );
      } catch (error) {
        if (
          attempt < 3 &&
          isUniqueViolation(error, {
            index: 'uq_street_chief_active_resident',
            columns: 'active_resident_id',
          })
        )
          continue;
        if (attempt < 10 && isDeadlock(error)) {
          // A short random pause, so the retries do not meet on the same gap again in lockstep.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
          continue;
        }
        if (isUniqueViolation(error, { index: 'uq_chief_nomination', columns: 'chief_nomination.' }))
          throw this.alreadyNominated();
        throw error;
      }
    }
  }

  /**
   * The candidate and the nominator must be residents living in the community, as the people
   * service's events told us (`people_resident`): NOT_FOUND naming the field otherwise, before
   * anything is written.
   */
  private async checkResidents(m: EntityManager, residentId: string, nominatorResidentId: string) {
    if (!(await activeResident(m, residentId))) {
      throw new NotFoundError('Resident', residentId, 'input.residentId');
    }
    if (nominatorResidentId !== residentId && !(await activeResident(m, nominatorResidentId))) {
      throw new NotFoundError('Resident', nominatorResidentId, 'input.nominatorResidentId');
    }
  }

  /**
   * Used by the demo seed inside its own transaction, with fixed ids and a creation time that
   * keeps the demo chiefs listed in badge order.
   */
  async nominateIn(
    m: EntityManager,
    actor: string,
    input: Nomination & { id?: string; at?: Date },
  ): Promise<StreetChief> {
    const nominator = input.nominatorResidentId;
    if (!nominator) throw new Error('nominateIn needs the nominator resident id');
    const repo = m.getRepository(StreetChief);
    const qb = repo.createQueryBuilder('c').where('c.active_resident_id = :r', { r: input.residentId });
    const open = await forUpdate(qb).getOne();
    const now = input.at ?? new Date();
    let chief: StreetChief;
    if (open) {
      CHIEF_LIFECYCLE.next(open.status, 'NOMINATE');
      if (
        await m.getRepository(ChiefNomination).existsBy({ chiefId: open.id, nominatorResidentId: nominator })
      )
        throw this.alreadyNominated();
      chief = {
        ...open,
        nominationCount: open.nominationCount + 1,
        version: open.version + 1,
        updatedAt: now,
      };
      await repo.update(
        { id: open.id },
        { nominationCount: chief.nominationCount, version: chief.version, updatedAt: now },
      );
    } else {
      const id = input.id ?? randomUUID();
      chief = {
        id,
        residentId: input.residentId,
        activeResidentId: input.residentId,
        name: input.name,
        status: 'NOMINATED',
        nominationCount: 1,
        vettingNotes: null,
        vettingOpinions: null,
        vettingPassed: null,
        filedOn: null,
        filingDocument: null,
        gridId: null,
        heldGridId: null,
        badge: null,
        activeBadge: null,
        phone: null,
        termStart: null,
        termEnd: null,
        sortKey: `${now.toISOString()}|${id}`,
        version: 1,
        createdAt: now,
        updatedAt: now,
      };
      await repo.insert(chief);
      await m
        .getRepository(ChiefTransition)
        .insert(this.transitionRow(chief, 'NOMINATE', null, chief.status, actor, input.reason, now));
    }
    await m.getRepository(ChiefNomination).insert({
      id: randomUUID(),
      chiefId: chief.id,
      nominatorResidentId: nominator,
      actor,
      reason: input.reason,
      at: now,
    });
    await this.outbox.add(
      m,
      ChiefEvents.chiefNominated,
      chief.id,
      {
        ...this.base(chief, open ? 'NOMINATED' : null, input.reason, actor),
        nominatorResidentId: nominator,
        nominationCount: chief.nominationCount,
      },
      { time: now },
    );
    return chief;
  }

  vet({ principal }: RequestInfo, id: string, input: Vetting): Promise<StreetChief> {
    return this.transition(
      principal,
      id,
      input.passed ? 'VET_PASS' : 'VET_FAIL',
      input.reason,
      this.vetting(input),
    );
  }

  /** The change and event of a vetting (pass: VETTED, fail: REJECTED). */
  vetting(input: Vetting): Apply {
    return (_m, _chief, base) => ({
      changes: {
        vettingPassed: input.passed,
        vettingNotes: input.visitNotes,
        vettingOpinions: JSON.stringify(input.opinions),
        ...(input.passed ? {} : { activeResidentId: null }),
      },
      event: input.passed
        ? pendingEvent(ChiefEvents.chiefVetted, { ...base, passed: true })
        : pendingEvent(ChiefEvents.chiefRejected, { ...base, gridId: null }),
    });
  }

  file({ principal }: RequestInfo, id: string, input: Filing): Promise<StreetChief> {
    return this.transition(principal, id, 'FILE', input.reason, this.filing(input));
  }

  /** The change and event of a party-committee filing. */
  filing(input: Filing): Apply {
    return (_m, _chief, base) => ({
      changes: { filedOn: input.filedOn, filingDocument: input.documentNumber },
      event: pendingEvent(ChiefEvents.chiefFiled, {
        ...base,
        filedOn: input.filedOn.toISOString(),
        documentNumber: input.documentNumber,
      }),
    });
  }

  appoint({ principal }: RequestInfo, id: string, input: Appointment): Promise<StreetChief> {
    return this.transition(principal, id, 'APPOINT', input.reason, this.appointment(input));
  }

  /** The change and event of an appointment: the grid is locked and must have no chief. */
  appointment(input: Appointment): Apply {
    return async (m, _chief, base) => {
      if (input.termEnd.getTime() <= input.termStart.getTime()) {
        throw new BadUserInputError('termEnd must be after termStart', [
          { field: 'input.termEnd', message: 'must be after termStart' },
        ]);
      }
      const grid = await this.grids.lock(m, input.gridId);
      // The grid row lock (and before it the signboard lock) orders appointments to one grid, and
      // this is the transaction's first plain read, so it sees the winner's commit; the unique
      // index on held_grid_id is the last word if anything slips past.
      const holder = await m.getRepository(StreetChief).findOneBy({ heldGridId: grid.id });
      if (holder) throw this.gridTaken(grid.name, holder.status);
      if (await m.getRepository(StreetChief).existsBy({ activeBadge: input.badge }))
        throw this.badgeTaken(input.badge);
      return {
        changes: {
          gridId: grid.id,
          heldGridId: grid.id,
          badge: input.badge,
          activeBadge: input.badge,
          phone: input.phone,
          termStart: input.termStart,
          termEnd: input.termEnd,
        },
        event: pendingEvent(ChiefEvents.chiefAppointed, {
          ...base,
          gridId: grid.id,
          badge: input.badge,
          phone: input.phone,
          termStart: input.termStart.toISOString(),
          termEnd: input.termEnd.toISOString(),
        }),
      };
    };
  }

  suspend({ principal }: RequestInfo, id: string, reason: string): Promise<StreetChief> {
    return this.transition(principal, id, 'SUSPEND', reason, (_m, chief, base) => ({
      changes: {},
      event: pendingEvent(ChiefEvents.chiefSuspended, { ...base, gridId: chief.gridId }),
    }));
  }

  resume({ principal }: RequestInfo, id: string, reason: string): Promise<StreetChief> {
    return this.transition(principal, id, 'RESUME', reason, (_m, chief, base) => ({
      changes: {},
      event: pendingEvent(ChiefEvents.chiefResumed, { ...base, gridId: chief.gridId }),
    }));
  }

  retire({ principal }: RequestInfo, id: string, reason: string): Promise<StreetChief> {
    return this.transition(principal, id, 'RETIRE', reason, (_m, chief, base) => ({
      changes: { heldGridId: null, activeBadge: null, activeResidentId: null },
      event: pendingEvent(ChiefEvents.chiefRetired, { ...base, gridId: chief.gridId }),
    }));
  }

  reject({ principal }: RequestInfo, id: string, reason: string): Promise<StreetChief> {
    return this.transition(principal, id, 'REJECT', reason, (_m, _chief, base) => ({
      changes: { activeResidentId: null },
      event: pendingEvent(ChiefEvents.chiefRejected, { ...base, gridId: null }),
    }));
  }

  /** Role check, lock, state machine, change, transition row, event and board refresh in one transaction. */
  private async transition(
    principal: Principal | null,
    id: string,
    action: ChiefAction,
    reason: string,
    apply: Apply,
  ): Promise<StreetChief> {
    const actor = CHIEF_LIFECYCLE.requireActor(principal, action).subject;
    try {
      return await this.commit(() =>
        transaction(
          this.ds,
          (m) => this.transitionIn(m, actor, id, action, reason, apply),
          BOARD_TRANSACTION,
        ),
      );
    } catch (error) {
      if (
        isUniqueViolation(error, { index: 'uq_street_chief_held_grid', columns: 'street_chief.held_grid_id' })
      )
        throw this.gridTaken(null, 'APPOINTED');
      if (
        isUniqueViolation(error, {
          index: 'uq_street_chief_active_badge',
          columns: 'street_chief.active_badge',
        })
      )
        throw this.badgeTaken(null);
      throw error;
    }
  }

  /** The transition inside a given transaction (the demo seed uses it with actor `seed`). */
  async transitionIn(
    m: EntityManager,
    actor: string,
    id: string,
    action: ChiefAction,
    reason: string,
    apply: Apply,
  ): Promise<StreetChief> {
    const now = new Date();
    const shown = SHOWN_ON_BOARDS.includes(action);
    let heldBefore: string | null = null;
    const updated = await CHIEF_LIFECYCLE.transition(m, {
      entity: StreetChief,
      id,
      action,
      actor,
      reason,
      at: now,
      outbox: this.outbox,
      apply: async (tx, chief, status) => {
        heldBefore = chief.heldGridId;
        const base = this.base({ ...chief, status }, chief.status, reason, actor);
        const { changes, event } = await apply(tx, chief, base);
        return { changes: { ...changes, updatedAt: now }, event };
      },
      history: (chief, from, to, at) => ({
        entity: ChiefTransition,
        row: this.transitionRow(chief, action, from, to, actor, reason, at),
      }),
    });
    if (shown) {
      // The boards follow after the commit (ADR 0026): only the chief's row is locked here.
      const grids = [heldBefore, updated.heldGridId];
      await this.signboards.refresh(m, actor, now, {
        grids: grids.filter((g): g is string => g !== null),
      });
    }
    return updated;
  }

  /** The history row of one transition: who, when, why (nothing is ever deleted). */
  private transitionRow(
    chief: StreetChief,
    action: ChiefAction,
    from: ChiefStatus | null,
    to: ChiefStatus,
    actor: string,
    reason: string,
    at: Date,
  ): ChiefTransition {
    return {
      id: randomUUID(),
      chiefId: chief.id,
      seq: chief.version,
      action,
      fromStatus: from,
      toStatus: to,
      actor,
      reason,
      at,
    };
  }

  private base(
    chief: StreetChief,
    previous: ChiefStatus | null,
    reason: string,
    actor: string,
  ): ChiefEventBase {
    return {
      id: chief.id,
      residentId: chief.residentId,
      status: chief.status,
      previousStatus: previous,
      reason,
      actor,
    };
  }

  private async commit(work: () => Promise<StreetChief>): Promise<StreetChief> {
    const chief = await work();
    this.committed();
    await this.signboards.settle();
    return chief;
  }

  private alreadyNominated(): ConflictError {
    return new ConflictError('This resident has already nominated this candidate', {
      field: 'input.nominatorResidentId',
    });
  }

  private gridTaken(name: string | null, holderState: ChiefStatus): ConflictError {
    const grid = name ? `Grid ${name}` : 'The grid';
    return new ConflictError(`${grid} already has a chief (${holderState}); retire them first`, {
      field: 'input.gridId',
      holderState,
    });
  }

  private badgeTaken(badge: string | null): ConflictError {
    const which = badge ? `Badge ${badge}` : 'The badge';
    return new ConflictError(`${which} is already worn by another chief`, { field: 'input.badge' });
  }
}
