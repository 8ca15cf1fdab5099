import { randomUUID } from 'node:crypto';
import { type DataSource, In } from 'typeorm';
import { hasRole, hasScope, requireRole, type Principal } from '@sc/auth';
import { transaction } from '@sc/db';
import type { Outbox } from '@sc/events';
import { ConflictError, ForbiddenError, NotFoundError } from '@sc/graphql';
import { Patrol, Training, TrainingAttendance, type TrainingTopic } from '../entities/activity.entity';
import { StreetChief } from '../entities/chief.entity';
import { GridMember } from '../entities/grid.entity';
import { Place } from '../entities/place.entity';
import { ActivityEvents } from '@sc/roster-contracts';

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

/** Staff who organise trainings and read every chief's activities. */
const ORGANISERS = ['COMMUNITY_STAFF', 'TOWN_OFFICER'] as const;

/** May this principal read the activities (patrols) of a chief of this grid? */
export function canSeeGridActivities(p: Principal | null, gridId: string | null): boolean {
  return (
    hasRole(p, ...ORGANISERS) ||
    (gridId !== null && hasRole(p, 'STREET_CHIEF') && hasScope(p, `grid:${gridId}`))
  );
}

/** Trainings of the chiefs and their patrol log. */
export class ActivityService {
  constructor(
    private readonly ds: DataSource,
    private readonly outbox: Outbox,
    private readonly committed: () => void = () => undefined,
  ) {}

  /** COMMUNITY_STAFF or TOWN_OFFICER: a session was held, with the chiefs who attended. */
  async recordTraining(principal: Principal | null, input: NewTraining): Promise<Training> {
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
  async recordPatrol(principal: Principal | null, input: NewPatrol): Promise<Patrol> {
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
