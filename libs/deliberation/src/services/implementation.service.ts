import { randomUUID } from 'node:crypto';
import { In, type DataSource, type EntityManager } from 'typeorm';
import { hasRole, requireAuthenticated, requireRole } from '@sc/auth';
import { isMysqlFamily, transaction } from '@sc/db';
import type { Outbox } from '@sc/events';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '@sc/graphql';
import { DeliberationEvents } from '@sc/deliberation-contracts';
import { PeopleVoter } from '@sc/people-contracts';
import { Matter, MatterSupervisor, MatterTask, TaskReport } from '../entities';
import type { RequestInfo } from './matter.service';
import { mayActAsChief, OUTSIDE_GRID, requireChiefGrid, residentOf, voterInScope } from './scope';

/** States whose tasks may be added to and reported on. */
const CARRIED_OUT = new Set(['ADOPTED', 'IMPLEMENTING']);

/**
 * 民定 → 共治: supervisors chosen at adoption (the chief and resident representatives), tasks with
 * owners and due times, progress reports with percent and evidence, supervision notes. Everything is
 * public (两公开); completing the matter needs every task done (MatterService.move).
 */
export class ImplementationService {
  constructor(
    private readonly ds: DataSource,
    private readonly outbox: Outbox,
    private readonly committed: () => void,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * The chief (the caller, STREET_CHIEF) and the resident representatives supervise the adopted
   * matter; chosen while it is ADOPTED (CONFLICT after). Residents are checked against the people read
   * model (NOT_FOUND) and must live in the scope (BAD_USER_INPUT). Replaces an earlier choice.
   */
  async chooseSupervisors(req: RequestInfo, matterId: string, residentIds: string[]): Promise<Matter> {
    const principal = requireRole(req.principal, 'STREET_CHIEF');
    const matter = await transaction(this.ds, async (m) => {
      const matter = await this.lockMatter(m, matterId);
      await requireChiefGrid(m, principal, matter);
      if (matter.status !== 'ADOPTED')
        throw new ConflictError(`Supervisors are chosen at adoption, not in state ${matter.status}`, {
          currentState: matter.status,
        });
      const ids = [...new Set(residentIds)];
      const known = new Set((await m.getRepository(PeopleVoter).findBy({ id: In(ids) })).map((v) => v.id));
      const missing = ids.find((id) => !known.has(id));
      if (missing) throw new NotFoundError('Resident', missing, 'residentIds');
      for (const [i, id] of ids.entries())
        if (!(await voterInScope(m, matter, id)))
          throw new BadUserInputError('Not a resident of the matter’s scope', [
            { field: `residentIds.${i}`, message: 'a resident representative lives in the scope' },
          ]);
      const now = this.clock();
      await m.getRepository(MatterSupervisor).delete({ matterId });
      await m.getRepository(MatterSupervisor).insert([
        { matterId, kind: 'CHIEF', ref: principal.subject, chosenBy: principal.subject, chosenAt: now },
        ...ids.map((ref) => ({
          matterId,
          kind: 'RESIDENT' as const,
          ref,
          chosenBy: principal.subject,
          chosenAt: now,
        })),
      ]);
      return matter;
    });
    this.committed();
    return matter;
  }

  /** Adds a task (STREET_CHIEF, COMMUNITY_STAFF) to an ADOPTED or IMPLEMENTING matter. */
  async addTask(
    req: RequestInfo,
    input: { matterId: string; title: string; owner: string; dueAt: Date },
  ): Promise<MatterTask> {
    const principal = requireRole(req.principal, 'STREET_CHIEF', 'COMMUNITY_STAFF');
    const task = await transaction(this.ds, async (m) => {
      const matter = await this.lockMatter(m, input.matterId);
      await requireChiefGrid(m, principal, matter);
      if (!CARRIED_OUT.has(matter.status))
        throw new ConflictError(`A matter in state ${matter.status} takes no tasks`, {
          currentState: matter.status,
        });
      const now = this.clock();
      const row: MatterTask = {
        id: randomUUID(),
        matterId: matter.id,
        title: input.title,
        owner: input.owner,
        dueAt: input.dueAt,
        status: 'OPEN',
        percent: 0,
        createdBy: principal.subject,
        createdAt: now,
        doneAt: null,
      };
      await m.getRepository(MatterTask).insert(row);
      return row;
    });
    this.committed();
    return task;
  }

  /**
   * A progress report (STREET_CHIEF, COMMUNITY_STAFF) on a task of an IMPLEMENTING matter: percent
   * (never below the last one), a note and evidence; 100 % makes the task DONE. Emits task.reported.
   */
  async reportProgress(
    req: RequestInfo,
    input: { taskId: string; percent: number; note: string; evidence: string[] },
  ): Promise<MatterTask> {
    const principal = requireRole(req.principal, 'STREET_CHIEF', 'COMMUNITY_STAFF');
    const task = await transaction(this.ds, async (m) => {
      const task = await this.lockTask(m, input.taskId);
      const matter = await this.lockMatter(m, task.matterId);
      await requireChiefGrid(m, principal, matter);
      if (matter.status !== 'IMPLEMENTING')
        throw new ConflictError(`A matter in state ${matter.status} takes no progress reports`, {
          currentState: matter.status,
        });
      if (task.status === 'DONE') throw new ConflictError('The task is DONE', { currentState: 'DONE' });
      if (input.percent < task.percent)
        throw new BadUserInputError('Progress cannot go back', [
          { field: 'input.percent', message: `must be at least ${task.percent}` },
        ]);
      const now = this.clock();
      const done = input.percent === 100;
      await m.getRepository(TaskReport).insert({
        id: randomUUID(),
        taskId: task.id,
        matterId: task.matterId,
        kind: 'PROGRESS',
        percent: input.percent,
        note: input.note,
        evidence: input.evidence,
        author: principal.subject,
        authorRole: hasRole(principal, 'COMMUNITY_STAFF') ? 'COMMUNITY_STAFF' : 'STREET_CHIEF',
        at: now,
      });
      const changes = {
        percent: input.percent,
        status: done ? ('DONE' as const) : ('OPEN' as const),
        doneAt: done ? now : null,
      };
      await m.getRepository(MatterTask).update({ id: task.id }, changes);
      await this.outbox.add(
        m,
        DeliberationEvents.taskReported,
        task.matterId,
        {
          id: task.matterId,
          taskId: task.id,
          percent: input.percent,
          done,
          dueAt: task.dueAt.toISOString(),
          overdue: now.getTime() > task.dueAt.getTime(),
          actor: principal.subject,
        },
        { time: now },
      );
      return { ...task, ...changes };
    });
    this.committed();
    return task;
  }

  /**
   * A supervision note (监督) on a task: by a supervisor of the matter (its chief or a resident
   * representative) or COMMUNITY_STAFF, while the matter is IMPLEMENTING or IMPLEMENTED.
   */
  async addSupervisionNote(
    req: RequestInfo,
    input: { taskId: string; note: string; evidence: string[] },
  ): Promise<TaskReport> {
    const principal = requireAuthenticated(req.principal);
    const report = await transaction(this.ds, async (m) => {
      const task = await m.getRepository(MatterTask).findOneBy({ id: input.taskId });
      if (!task) throw new NotFoundError('Task', input.taskId, 'input.taskId');
      const matter = await m.getRepository(Matter).findOneByOrFail({ id: task.matterId });
      if (matter.status !== 'IMPLEMENTING' && matter.status !== 'IMPLEMENTED')
        throw new ConflictError(`A matter in state ${matter.status} takes no supervision notes`, {
          currentState: matter.status,
        });
      const residentId = residentOf(principal);
      const supervisors = m.getRepository(MatterSupervisor);
      // The chief supervisor notes while the matter lies in the token's grids (ADR 0047).
      const chiefSupervisor =
        !hasRole(principal, 'COMMUNITY_STAFF') &&
        hasRole(principal, 'STREET_CHIEF') &&
        (await supervisors.existsBy({ matterId: matter.id, kind: 'CHIEF', ref: principal.subject }));
      const inGrid = chiefSupervisor && (await mayActAsChief(m, principal, matter));
      const role = hasRole(principal, 'COMMUNITY_STAFF')
        ? 'COMMUNITY_STAFF'
        : inGrid
          ? 'STREET_CHIEF'
          : residentId &&
              (await supervisors.existsBy({ matterId: matter.id, kind: 'RESIDENT', ref: residentId }))
            ? 'RESIDENT'
            : null;
      if (!role && chiefSupervisor) throw new ForbiddenError(OUTSIDE_GRID);
      if (!role)
        throw new ForbiddenError('only the matter’s supervisors and community staff note on its tasks');
      const row: TaskReport = {
        id: randomUUID(),
        taskId: task.id,
        matterId: task.matterId,
        kind: 'SUPERVISION',
        percent: null,
        note: input.note,
        evidence: input.evidence,
        author: principal.subject,
        authorRole: role,
        at: this.clock(),
      };
      await m.getRepository(TaskReport).insert(row);
      return row;
    });
    this.committed();
    return report;
  }

  /** Tasks not DONE (completing the matter waits for them). */
  openTasks(m: EntityManager, matterId: string): Promise<number> {
    return m.getRepository(MatterTask).countBy({ matterId, status: 'OPEN' });
  }

  private async lockMatter(m: EntityManager, id: string): Promise<Matter> {
    const q = m.getRepository(Matter).createQueryBuilder('x').where('x.id = :id', { id });
    if (isMysqlFamily(this.ds)) q.setLock('pessimistic_write');
    const matter = await q.getOne();
    if (!matter) throw new NotFoundError('Matter', id, 'matterId');
    return matter;
  }

  private async lockTask(m: EntityManager, id: string): Promise<MatterTask> {
    const q = m.getRepository(MatterTask).createQueryBuilder('x').where('x.id = :id', { id });
    if (isMysqlFamily(this.ds)) q.setLock('pessimistic_write');
    const task = await q.getOne();
    if (!task) throw new NotFoundError('Task', id, 'input.taskId');
    return task;
  }
}
