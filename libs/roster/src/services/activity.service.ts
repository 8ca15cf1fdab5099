import { randomUUID } from 'node:crypto';
import { type DataSource, In } from 'typeorm';
import { hasScope, requireAuthenticated, requireRole } from '@sc/auth';
import { type CountedConnection, type Page, transaction } from '@sc/db';
import type { Outbox } from '@sc/events';
import { ConflictError, ForbiddenError, NotFoundError } from '@sc/graphql';
import { Patrol, Training, TrainingAttendance, type TrainingTopic } from '../entities/activity.entity';
import { StreetChief } from '../entities/chief.entity';
import { Grid, GridMember } from '../entities/grid.entity';
import { Place } from '../entities/place.entity';
import { ActivityEvents } from '@sc/roster-contracts';
import type { RosterRequest } from '../context';
import { LISTS } from '../repositories/lists';
import { canSeeGridActivities, ORGANISERS } from './access';
import type { RequestInfo } from '@sc/service';

export interface NewTraining {
  topic: TrainingTopic;
  title: string;
  heldAt: Date;
  trainer: string;
  chiefIds: string[];
}
export interface NewPatrol {
  streetId: string;
  patrolledAt: Date;
  route: string;
  findings: string;
  hazardCount: number;
  requestCount: number;
  needsAction: boolean;
}

/** Trainings of the chiefs and their patrol log. */
export class ActivityService {
  constructor(
    private readonly ds: DataSource,
    private readonly outbox: Outbox,
    private readonly committed: () => void = () => undefined,
  ) {}

  // ---- reads: trainings for any signed-in caller; patrols for organisers and the grid's chief ----

  trainings(req: RosterRequest, page: Page): Promise<CountedConnection<Training>> {
    requireAuthenticated(req.principal);
    return req.loaders.top(Training, { table: 'training', sortColumn: 'sort_key' }, page, (t) => t.sortKey);
  }

  /** The trainings a chief attended, newest last. */
  chiefTrainings(req: RosterRequest, chief: StreetChief, page: Page): Promise<CountedConnection<Training>> {
    requireAuthenticated(req.principal);
    return req.loaders.lists.page(LISTS.chiefTrainings, chief.id, page, (id) =>
      req.loaders.entities.byId(Training, id),
    );
  }

  /** A chief's patrols: FORBIDDEN unless the caller organises or is the chief of that grid. */
  patrols(req: RosterRequest, chief: StreetChief, page: Page): Promise<CountedConnection<Patrol>> {
    requireAuthenticated(req.principal);
    if (!canSeeGridActivities(req.principal, chief.gridId))
      throw new ForbiddenError('no access to these patrols');
    return req.loaders.lists.page(LISTS.chiefPatrols, chief.id, page, (id) =>
      req.loaders.entities.byId(Patrol, id),
    );
  }

  /** The chief a patrol was recorded for (patrols never lose their chief: nothing is deleted). */
  chiefOf(req: RosterRequest, patrol: Patrol): Promise<StreetChief> {
    return req.loaders.entities.required(StreetChief, patrol.chiefId);
  }

  gridOf(req: RosterRequest, patrol: Patrol): Promise<Grid> {
    return req.loaders.entities.required(Grid, patrol.gridId);
  }

  /** The chiefs who attended a training, as far as the caller may see them. */
  attendees(
    req: RosterRequest,
    training: Training,
    page: Page,
    visible: (c: StreetChief | null) => StreetChief | null,
  ): Promise<CountedConnection<StreetChief>> {
    return req.loaders.lists.page(LISTS.attendees, training.id, page, async (id) =>
      visible(await req.loaders.entities.byId(StreetChief, id)),
    );
  }

  /** COMMUNITY_STAFF or TOWN_OFFICER: a session was held, with the chiefs who attended. */
  async recordTraining({ principal }: RequestInfo, input: NewTraining): Promise<Training> {
    const actor = requireRole(principal, ...ORGANISERS).subject;
    const training = await transaction(this.ds, async (m) => {
      const chiefIds = [...new Set(input.chiefIds)];
      const chiefs = chiefIds.length ? await m.getRepository(StreetChief).findBy({ id: In(chiefIds) }) : [];
      const missing = chiefIds.find((id) => !chiefs.some((c) => c.id === id));
      if (missing) throw new NotFoundError('Chief', missing);
      const now = new Date();
      const id = randomUUID();
      const row: Training = {
        id,
        topic: input.topic,
        title: input.title,
        heldAt: input.heldAt,
        trainer: input.trainer,
        sortKey: `${input.heldAt.toISOString()}|${id}`,
        actor,
        createdAt: now,
      };
      await m.getRepository(Training).insert(row);
      for (const chiefId of chiefIds)
        await m.getRepository(TrainingAttendance).insert({ trainingId: id, chiefId, sortKey: row.sortKey });
      await this.outbox.add(
        m,
        ActivityEvents.trainingHeld,
        id,
        {
          id,
          topic: row.topic,
          title: row.title,
          heldAt: row.heldAt.toISOString(),
          attendeeChiefIds: chiefIds,
          actor,
        },
        { time: now },
      );
      return row;
    });
    this.committed();
    return training;
  }

  /**
   * A chief records a patrol of a street of their own grid (token scope `grid:<id>`); ADMIN may
   * record for any grid. The patrol is the grid's appointed chief's; findings that need action
   * also produce `patrol.finding-recorded` for the cases service.
   */
  async recordPatrol({ principal }: RequestInfo, input: NewPatrol): Promise<Patrol> {
    const p = requireRole(principal, 'STREET_CHIEF');
    const patrol = await transaction(this.ds, async (m) => {
      const street = await m.getRepository(Place).findOneBy({ id: input.streetId, kind: 'STREET' });
      const member = street ? await m.getRepository(GridMember).findOneBy({ placeId: street.id }) : null;
      // Not found, in no grid, or in another grid: the same answer, so nothing is revealed.
      if (!street || !member || !hasScope(p, `grid:${member.gridId}`)) {
        throw new ForbiddenError('You may record patrols only for the streets of your own grid');
      }
      const chief = await m.getRepository(StreetChief).findOneBy({ heldGridId: member.gridId });
      if (!chief || chief.status !== 'APPOINTED') {
        throw new ConflictError('The grid has no appointed chief to record the patrol for', {
          currentState: chief?.status ?? 'NONE',
        });
      }
      const now = new Date();
      const id = randomUUID();
      const row: Patrol = {
        id,
        chiefId: chief.id,
        gridId: member.gridId,
        streetId: street.id,
        patrolledAt: input.patrolledAt,
        route: input.route,
        findings: input.findings,
        hazardCount: input.hazardCount,
        requestCount: input.requestCount,
        needsAction: input.needsAction,
        sortKey: `${input.patrolledAt.toISOString()}|${id}`,
        actor: p.subject,
        createdAt: now,
      };
      await m.getRepository(Patrol).insert(row);
      const common = {
        chiefId: row.chiefId,
        gridId: row.gridId,
        streetId: row.streetId,
        patrolledAt: row.patrolledAt.toISOString(),
        hazardCount: row.hazardCount,
        requestCount: row.requestCount,
        actor: p.subject,
      };
      await this.outbox.add(
        m,
        ActivityEvents.patrolRecorded,
        id,
        { id, ...common, needsAction: row.needsAction },
        { time: now },
      );
      if (row.needsAction) {
        await this.outbox.add(
          m,
          ActivityEvents.patrolFindingRecorded,
          id,
          {
            patrolId: id,
            ...common,
            findings: row.findings,
          },
          { time: now },
        );
      }
      return row;
    });
    this.committed();
    return patrol;
  }
}
