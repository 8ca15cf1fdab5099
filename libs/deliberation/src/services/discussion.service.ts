import { randomUUID } from 'node:crypto';
import { In, type DataSource, type EntityManager } from 'typeorm';
import { hasRole, requireAuthenticated, requireRole } from '@sc/auth';
import { isMysqlFamily, isUniqueViolation, transaction } from '@sc/db';
import type { Outbox } from '@sc/events';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '@sc/graphql';
import { DeliberationEvents } from '@sc/deliberation-contracts';
import { PeopleVoter } from '@sc/people-contracts';
import {
  ElectorateMember,
  InPersonEntry,
  Matter,
  Meeting,
  MeetingAttendance,
  Opinion,
  Participation,
  type MeetingKind,
} from '../entities';
import { validChoices, type MatterService, type RequestInfo } from './matter.service';
import { mayActAsChief, OUTSIDE_GRID, requireChiefGrid, residentOf, streetsOf, voterInScope } from './scope';

/** States in which a matter takes opinions and meetings (民议 goes on while the vote is open). */
const DISCUSSABLE = new Set(['DISCUSSION', 'VOTING']);

/** The residents' committee law's meeting quorum (§9; ADR 0021): >1/2 of adults or ≥2/3 of households. */
export function meetingQuorumMet(q: {
  adults: number;
  adultsPresent: number;
  households: number;
  householdsPresent: number;
}): boolean {
  const byAdults = q.adults > 0 && q.adultsPresent * 2 > q.adults;
  const byHouseholds = q.households > 0 && q.householdsPresent * 3 >= q.households * 2;
  return byAdults || byHouseholds;
}

export interface ScheduleMeetingInput {
  matterId: string;
  kind: MeetingKind;
  startsAt: Date;
  place: string;
  agenda: string;
}

/**
 * 民议: opinions and replies with moderation, meetings with attendance and minutes, and the in-person
 * ballots of a meeting (two-person entry). Ballots go through the matter service, so online and in
 * person share the one-ballot-per-voter keys.
 */
export class DiscussionService {
  constructor(
    private readonly ds: DataSource,
    private readonly outbox: Outbox,
    private readonly matters: MatterService,
    private readonly committed: () => void,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  // ---- opinions -------------------------------------------------------------------------------

  /**
   * Posts an opinion, or a reply (to a top-level opinion; a reply to a reply joins its thread).
   * RESIDENT of the matter's scope, STREET_CHIEF or COMMUNITY_STAFF, while the matter is discussed
   * or voted on.
   */
  async postOpinion(
    req: RequestInfo,
    input: { matterId: string; body: string; replyTo: string | null },
  ): Promise<Opinion> {
    const principal = requireAuthenticated(req.principal);
    const residentId = residentOf(principal);
    const asked = hasRole(principal, 'COMMUNITY_STAFF')
      ? 'COMMUNITY_STAFF'
      : hasRole(principal, 'STREET_CHIEF')
        ? 'STREET_CHIEF'
        : residentId
          ? 'RESIDENT'
          : null;
    if (!asked) throw new ForbiddenError('requires RESIDENT, STREET_CHIEF or COMMUNITY_STAFF');
    let role: NonNullable<typeof asked> = asked;
    const row = await transaction(this.ds, async (m) => {
      const matter = await this.matterOf(m, input.matterId, 'input.matterId');
      // A chief posts as chief in own grid (ADR 0047); elsewhere only as a resident of the scope.
      if (role === 'STREET_CHIEF' && !(await mayActAsChief(m, principal, matter))) {
        if (!residentId) throw new ForbiddenError(OUTSIDE_GRID);
        role = 'RESIDENT';
      }
      if (!DISCUSSABLE.has(matter.status))
        throw new ConflictError(`A matter in state ${matter.status} takes no opinions`, {
          currentState: matter.status,
        });
      if (role === 'RESIDENT' && !(await this.mayTakePart(m, matter, residentId as string)))
        throw new ForbiddenError('only residents of the matter’s scope post opinions on it');
      let parentId: string | null = null;
      if (input.replyTo) {
        const parent = await m.getRepository(Opinion).findOneBy({ id: input.replyTo });
        if (!parent || parent.matterId !== matter.id)
          throw new NotFoundError('Opinion', input.replyTo, 'input.replyTo');
        parentId = parent.parentId ?? parent.id;
      }
      const now = this.clock();
      const opinion: Opinion = {
        id: randomUUID(),
        matterId: matter.id,
        parentId,
        depth: parentId ? 1 : 0,
        author: principal.subject,
        authorRole: role,
        authorResidentId: role === 'RESIDENT' ? residentId : null,
        body: input.body,
        hidden: false,
        hiddenReason: null,
        hiddenBy: null,
        hiddenAt: null,
        createdAt: now,
      };
      await m.getRepository(Opinion).insert(opinion);
      await this.outbox.add(
        m,
        DeliberationEvents.opinionPosted,
        matter.id,
        {
          id: matter.id,
          opinionId: opinion.id,
          replyTo: parentId,
          authorRole: role,
          actor: principal.subject,
        },
        { time: now },
      );
      return opinion;
    });
    this.committed();
    return row;
  }

  /** Hides an opinion with a reason (COMMUNITY_STAFF). Kept: staff still read it. */
  async hideOpinion(req: RequestInfo, id: string, reason: string): Promise<Opinion> {
    const principal = requireRole(req.principal, 'COMMUNITY_STAFF');
    const row = await transaction(this.ds, async (m) => {
      const q = m.getRepository(Opinion).createQueryBuilder('o').where('o.id = :id', { id });
      if (isMysqlFamily(this.ds)) q.setLock('pessimistic_write');
      const opinion = await q.getOne();
      if (!opinion) throw new NotFoundError('Opinion', id, 'id');
      if (opinion.hidden)
        throw new ConflictError('The opinion is already HIDDEN', { currentState: 'HIDDEN' });
      const now = this.clock();
      const changes = { hidden: true, hiddenReason: reason, hiddenBy: principal.subject, hiddenAt: now };
      await m.getRepository(Opinion).update({ id }, changes);
      await this.outbox.add(
        m,
        DeliberationEvents.opinionHidden,
        opinion.matterId,
        { id: opinion.matterId, opinionId: id, actor: principal.subject, reason },
        { time: now },
      );
      return { ...opinion, ...changes };
    });
    this.committed();
    return row;
  }

  // ---- meetings -------------------------------------------------------------------------------

  /** Schedules a meeting on a matter in discussion or voting (STREET_CHIEF, COMMUNITY_STAFF). */
  async scheduleMeeting(req: RequestInfo, input: ScheduleMeetingInput): Promise<Meeting> {
    const principal = requireRole(req.principal, 'STREET_CHIEF', 'COMMUNITY_STAFF');
    const row = await transaction(this.ds, async (m) => {
      const matter = await this.matterOf(m, input.matterId, 'input.matterId');
      await requireChiefGrid(m, principal, matter);
      if (!DISCUSSABLE.has(matter.status))
        throw new ConflictError(`A matter in state ${matter.status} takes no meetings`, {
          currentState: matter.status,
        });
      const now = this.clock();
      const meeting: Meeting = {
        id: randomUUID(),
        matterId: matter.id,
        kind: input.kind,
        startsAt: input.startsAt,
        place: input.place,
        agenda: input.agenda,
        status: 'SCHEDULED',
        minutes: null,
        minutesBy: null,
        minutesAt: null,
        adults: null,
        households: null,
        createdBy: principal.subject,
        createdAt: now,
      };
      await m.getRepository(Meeting).insert(meeting);
      await this.outbox.add(
        m,
        DeliberationEvents.meetingScheduled,
        matter.id,
        {
          id: matter.id,
          meetingId: meeting.id,
          kind: meeting.kind,
          startsAt: meeting.startsAt.toISOString(),
          place: meeting.place,
          actor: principal.subject,
        },
        { time: now },
      );
      return meeting;
    });
    this.committed();
    return row;
  }

  /**
   * Records residents present (STREET_CHIEF, COMMUNITY_STAFF) while the meeting is SCHEDULED. Each
   * id must be a resident the people read model knows (NOT_FOUND) living in the scope, or a caster
   * of the electorate frozen for the open vote (BAD_USER_INPUT otherwise). Already recorded ids are
   * kept as they are; the scope's adult and household counts are taken again.
   */
  async recordAttendance(req: RequestInfo, meetingId: string, residentIds: string[]): Promise<Meeting> {
    const principal = requireRole(req.principal, 'STREET_CHIEF', 'COMMUNITY_STAFF');
    for (let attempt = 1; ; attempt++) {
      try {
        const row = await transaction(this.ds, async (m) => {
          const meeting = await this.lockMeeting(m, meetingId);
          const matter = await this.matterOf(m, meeting.matterId, 'meetingId');
          await requireChiefGrid(m, principal, matter);
          if (meeting.status !== 'SCHEDULED')
            throw new ConflictError(`A meeting in state ${meeting.status} takes no attendance`, {
              currentState: meeting.status,
            });
          const ids = [...new Set(residentIds)];
          const voters = new Map(
            (await m.getRepository(PeopleVoter).findBy({ id: In(ids) })).map((v) => [v.id, v]),
          );
          const missing = ids.find((id) => !voters.has(id));
          if (missing) throw new NotFoundError('Resident', missing, 'residentIds');
          const now = this.clock();
          const year = now.getUTCFullYear();
          const known = new Set(
            (await m.getRepository(MeetingAttendance).findBy({ meetingId, residentId: In(ids) })).map(
              (a) => a.residentId,
            ),
          );
          const rows: MeetingAttendance[] = [];
          for (const [i, id] of ids.entries()) {
            if (known.has(id)) continue;
            if (!(await this.mayTakePart(m, matter, id)))
              throw new BadUserInputError('Not a resident of the matter’s scope', [
                {
                  field: `residentIds.${i}`,
                  message: 'neither living in the scope nor in the frozen electorate',
                },
              ]);
            const v = voters.get(id) as PeopleVoter;
            rows.push({
              meetingId,
              residentId: id,
              householdId: v.householdId,
              adult: v.birthYear !== null && v.birthYear <= year - 18,
              recordedBy: principal.subject,
              recordedAt: now,
            });
          }
          if (rows.length) await m.getRepository(MeetingAttendance).insert(rows);
          const scope = await this.scopeCounts(m, matter, year);
          await m.getRepository(Meeting).update({ id: meetingId }, scope);
          return { ...meeting, ...scope };
        });
        this.committed();
        return row;
      } catch (error) {
        if (attempt < 4 && isUniqueViolation(error)) continue;
        throw error;
      }
    }
  }

  /** The chief records the minutes (STREET_CHIEF): the meeting is HELD, its quorum is published. */
  async recordMinutes(req: RequestInfo, meetingId: string, minutes: string): Promise<Meeting> {
    const principal = requireRole(req.principal, 'STREET_CHIEF');
    const row = await transaction(this.ds, async (m) => {
      const meeting = await this.lockMeeting(m, meetingId);
      const matter = await this.matterOf(m, meeting.matterId, 'meetingId');
      await requireChiefGrid(m, principal, matter);
      if (meeting.status !== 'SCHEDULED')
        throw new ConflictError(`A meeting in state ${meeting.status} already has its minutes`, {
          currentState: meeting.status,
        });
      const now = this.clock();
      const scope = await this.scopeCounts(m, matter, now.getUTCFullYear());
      const changes = {
        ...scope,
        status: 'HELD' as const,
        minutes,
        minutesBy: principal.subject,
        minutesAt: now,
      };
      await m.getRepository(Meeting).update({ id: meetingId }, changes);
      const present = (await this.presence(m, [meetingId])).get(meetingId) ?? EMPTY_PRESENCE;
      const q = { ...scope, ...present };
      await this.outbox.add(
        m,
        DeliberationEvents.meetingHeld,
        matter.id,
        { id: matter.id, meetingId, ...q, quorumMet: meetingQuorumMet(q), actor: principal.subject },
        { time: now },
      );
      return { ...meeting, ...changes };
    });
    this.committed();
    return row;
  }

  /** Present, adults present and households present per meeting (one grouped statement). */
  async presence(
    m: EntityManager,
    meetingIds: readonly string[],
  ): Promise<Map<string, { present: number; adultsPresent: number; householdsPresent: number }>> {
    const out = new Map(meetingIds.map((id) => [id, { ...EMPTY_PRESENCE }]));
    if (meetingIds.length === 0) return out;
    const rows: { meeting_id: string; n: string | number; a: string | number | null; h: string | number }[] =
      await m.query(
        `SELECT meeting_id, COUNT(*) AS n, SUM(CASE WHEN adult THEN 1 ELSE 0 END) AS a,
                COUNT(DISTINCT household_id) AS h
         FROM meeting_attendance WHERE meeting_id IN (${meetingIds.map(() => '?').join(',')})
         GROUP BY meeting_id`,
        [...meetingIds],
      );
    for (const r of rows)
      out.set(String(r.meeting_id), {
        present: Number(r.n),
        adultsPresent: Number(r.a ?? 0),
        householdsPresent: Number(r.h),
      });
    return out;
  }

  // ---- in-person ballots (two-person entry) ------------------------------------------------------

  /**
   * The first person (STREET_CHIEF, COMMUNITY_STAFF) enters a ballot cast in person at a meeting,
   * for a resident on its attendance list who casts for a voter of the frozen electorate. PENDING
   * until a second person confirms it; one pending entry per voter.
   */
  async enterInPersonBallot(
    req: RequestInfo,
    input: { meetingId: string; residentId: string; choices: string[] },
  ): Promise<InPersonEntry> {
    const principal = requireRole(req.principal, 'STREET_CHIEF', 'COMMUNITY_STAFF');
    try {
      const row = await transaction(this.ds, async (m) => {
        const meeting = await m.getRepository(Meeting).findOneBy({ id: input.meetingId });
        if (!meeting) throw new NotFoundError('Meeting', input.meetingId, 'input.meetingId');
        await requireChiefGrid(m, principal, await this.matterOf(m, meeting.matterId, 'input.meetingId'));
        const { matter, now } = await this.matters.lockOpenVote(m, meeting.matterId);
        const choices = validChoices(matter, input.choices, 'input.choices');
        const attended = await m
          .getRepository(MeetingAttendance)
          .existsBy({ meetingId: meeting.id, residentId: input.residentId });
        if (!attended)
          throw new BadUserInputError('Not on the attendance list', [
            { field: 'input.residentId', message: 'not recorded as present at this meeting' },
          ]);
        const member = await m
          .getRepository(ElectorateMember)
          .findOneBy({ matterId: matter.id, casterResidentId: input.residentId });
        if (!member)
          throw new BadUserInputError('Not in the electorate', [
            { field: 'input.residentId', message: 'casts for no voter of the electorate frozen at opening' },
          ]);
        const online = await m
          .getRepository(Participation)
          .existsBy({ matterId: matter.id, voterId: member.voterId, channel: 'ONLINE' });
        if (online) throw new ConflictError('This voter voted online', { currentState: matter.status });
        const entry: InPersonEntry = {
          id: randomUUID(),
          meetingId: meeting.id,
          matterId: matter.id,
          voterId: member.voterId,
          casterResidentId: input.residentId,
          pendingSlot: member.voterId,
          choices,
          status: 'PENDING',
          enteredBy: principal.subject,
          enteredAt: now,
          decidedBy: null,
          decidedAt: null,
          note: null,
        };
        await m.getRepository(InPersonEntry).insert(entry);
        return entry;
      });
      this.committed();
      return row;
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ConflictError('An in-person entry for this voter awaits confirmation', {
          currentState: 'PENDING',
        });
      throw error;
    }
  }

  /**
   * A second person (COMMUNITY_STAFF, not the one who entered it) confirms a PENDING entry: the
   * ballot is stored like an online one (channel IN_PERSON; a later entry replaces it) and, on a secret
   * ballot, the entry forgets the choice. Returns the receipt for the voter.
   */
  async confirmInPersonBallot(
    req: RequestInfo,
    entryId: string,
  ): Promise<{ entry: InPersonEntry; receipt: string }> {
    const principal = requireRole(req.principal, 'COMMUNITY_STAFF');
    const result = await transaction(this.ds, async (m) => {
      const entry = await this.lockEntry(m, entryId);
      if (entry.enteredBy === principal.subject)
        throw new ForbiddenError('two-person entry: a second person confirms an in-person ballot');
      const { matter, now } = await this.matters.lockOpenVote(m, entry.matterId);
      const member = await m
        .getRepository(ElectorateMember)
        .findOneByOrFail({ matterId: matter.id, voterId: entry.voterId });
      const receipt = await this.matters.writeBallot(
        m,
        matter,
        member,
        entry.casterResidentId,
        'IN_PERSON',
        entry.choices ?? [],
        now,
      );
      const changes = {
        status: 'CONFIRMED' as const,
        pendingSlot: null,
        choices: matter.secret ? null : entry.choices,
        decidedBy: principal.subject,
        decidedAt: now,
      };
      await m.getRepository(InPersonEntry).update({ id: entryId }, changes);
      return { entry: { ...entry, ...changes }, receipt };
    });
    this.committed();
    return result;
  }

  /** The second person (or the one who entered it) rejects a PENDING entry, with a reason. */
  async rejectInPersonBallot(req: RequestInfo, entryId: string, reason: string): Promise<InPersonEntry> {
    const principal = requireRole(req.principal, 'STREET_CHIEF', 'COMMUNITY_STAFF');
    const row = await transaction(this.ds, async (m) => {
      const entry = await this.lockEntry(m, entryId, async (e) =>
        requireChiefGrid(m, principal, await this.matterOf(m, e.matterId, 'id')),
      );
      const changes = {
        status: 'REJECTED' as const,
        pendingSlot: null,
        choices: null,
        decidedBy: principal.subject,
        decidedAt: this.clock(),
        note: reason,
      };
      await m.getRepository(InPersonEntry).update({ id: entryId }, changes);
      return { ...entry, ...changes };
    });
    this.committed();
    return row;
  }

  // ---- helpers --------------------------------------------------------------------------------

  private async matterOf(m: EntityManager, id: string, field: string): Promise<Matter> {
    const matter = await m.getRepository(Matter).findOneBy({ id });
    if (!matter) throw new NotFoundError('Matter', id, field);
    return matter;
  }

  /** Lives in the scope today, or casts for a voter of the electorate frozen for this matter's vote. */
  private async mayTakePart(m: EntityManager, matter: Matter, residentId: string): Promise<boolean> {
    if (await voterInScope(m, matter, residentId)) return true;
    return (
      matter.electorateSize !== null &&
      m.getRepository(ElectorateMember).existsBy({ matterId: matter.id, casterResidentId: residentId })
    );
  }

  private async lockMeeting(m: EntityManager, id: string): Promise<Meeting> {
    const q = m.getRepository(Meeting).createQueryBuilder('x').where('x.id = :id', { id });
    if (isMysqlFamily(this.ds)) q.setLock('pessimistic_write');
    const meeting = await q.getOne();
    if (!meeting) throw new NotFoundError('Meeting', id, 'meetingId');
    return meeting;
  }

  /** The entry, locked; `check` (a chief's grid) runs before its state is looked at. */
  private async lockEntry(
    m: EntityManager,
    id: string,
    check?: (entry: InPersonEntry) => Promise<void>,
  ): Promise<InPersonEntry> {
    const q = m.getRepository(InPersonEntry).createQueryBuilder('e').where('e.id = :id', { id });
    if (isMysqlFamily(this.ds)) q.setLock('pessimistic_write');
    const entry = await q.getOne();
    if (!entry) throw new NotFoundError('In-person entry', id, 'id');
    await check?.(entry);
    if (entry.status !== 'PENDING')
      throw new ConflictError(`An in-person entry in state ${entry.status} cannot be decided again`, {
        currentState: entry.status,
      });
    return entry;
  }

  /** Adults and households of the matter's scope today (people read model): the quorum's bases. */
  private async scopeCounts(
    m: EntityManager,
    matter: Matter,
    year: number,
  ): Promise<{ adults: number; households: number }> {
    const q = m
      .getRepository(PeopleVoter)
      .createQueryBuilder('v')
      .select('COUNT(CASE WHEN v.birth_year <= :adult THEN 1 END)', 'adults')
      .addSelect('COUNT(DISTINCT v.household_id)', 'households')
      .where('v.status = :s', { s: 'ACTIVE', adult: year - 18 });
    if (matter.scopeKind === 'COURTYARD') q.andWhere('v.courtyard_id = :c', { c: matter.scopeId });
    else {
      const streets = await streetsOf(m, matter.scopeKind, matter.scopeId);
      if (streets.length === 0) return { adults: 0, households: 0 };
      q.andWhere('v.street_id IN (:...streets)', { streets });
    }
    const r = (await q.getRawOne<{ adults: string | number; households: string | number }>()) ?? {
      adults: 0,
      households: 0,
    };
    return { adults: Number(r.adults), households: Number(r.households) };
  }
}

const EMPTY_PRESENCE = { present: 0, adultsPresent: 0, householdsPresent: 0 };
