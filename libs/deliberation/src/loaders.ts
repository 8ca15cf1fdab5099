import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import {
  alignById,
  ChildLists,
  type ChildListSpec,
  type CountedConnection,
  inOriginalOrder,
  type OrderedPage,
  type Page,
} from '@sc/db';
import { hasRole, type Principal } from '@sc/auth';
import { PeopleVoter } from '@sc/people-contracts';
import { GridPlace } from '@sc/roster-contracts';
import {
  Ballot,
  ElectorateMember,
  InPersonEntry,
  Matter,
  MatterSupervisor,
  MatterTask,
  MatterTransition,
  TaskReport,
  Meeting,
  MeetingAttendance,
  Opinion,
  Participation,
  VoteProxy,
} from './entities';
import { MEETING_ORDERS, OPINION_ORDERS } from './orders';
import type { DiscussionService } from './services/discussion.service';
import { chiefGridsOf, scopeInGrids } from './services/scope';

const BY_STREET: ChildListSpec = {
  table: 'matter',
  parentColumn: 'street_id',
  refColumn: 'id',
  sortColumn: 'id',
  direction: 'ASC',
  cursor: 'value',
};
const BY_COURTYARD: ChildListSpec = { ...BY_STREET, parentColumn: 'courtyard_id' };
const OPINIONS: ChildListSpec = {
  table: 'opinion',
  parentColumn: 'matter_id',
  refColumn: 'id',
  sortColumn: 'created_at',
  direction: 'ASC',
  cursor: 'row',
  where: { depth: 0 },
};
const REPLIES: ChildListSpec = { ...OPINIONS, parentColumn: 'parent_id', where: undefined };
const MEETINGS: ChildListSpec = { ...OPINIONS, table: 'meeting', sortColumn: 'starts_at', where: undefined };
const PROXIES: ChildListSpec = {
  table: 'proxy',
  parentColumn: 'matter_id',
  refColumn: 'id',
  sortColumn: 'voter_id',
  direction: 'ASC',
  cursor: 'value',
  where: { status: 'ACTIVE' },
};
const TASKS: ChildListSpec = { ...OPINIONS, table: 'matter_task', sortColumn: 'due_at', where: undefined };
const TASK_REPORTS: ChildListSpec = {
  ...OPINIONS,
  table: 'task_report',
  parentColumn: 'task_id',
  sortColumn: 'at',
  where: undefined,
};
const ATTENDANCE: ChildListSpec = {
  table: 'meeting_attendance',
  parentColumn: 'meeting_id',
  refColumn: 'resident_id',
  sortColumn: 'resident_id',
  direction: 'ASC',
  cursor: 'value',
};
const ENTRIES: ChildListSpec = {
  ...OPINIONS,
  table: 'in_person_entry',
  parentColumn: 'meeting_id',
  sortColumn: 'entered_at',
  where: undefined,
};

/** Per-request loaders: matters by id, transitions per matter, matter pages per street/courtyard. */
export class DeliberationLoaders {
  private readonly lists: ChildLists;

  constructor(
    private readonly ds: DataSource,
    private readonly discussion?: DiscussionService,
    private readonly now: () => Date = () => new Date(),
    /** Who asks: `seesDetails` checks a chief's grid against it. */
    private readonly principal: Principal | null = null,
  ) {
    // Here, not as a field initializer: those run before parameter properties are assigned.
    this.lists = new ChildLists(ds);
  }

  readonly matter = new DataLoader<string, Matter | null>(async (ids) =>
    alignById(ids, await this.ds.getRepository(Matter).findBy({ id: In([...ids]) })),
  );

  /** Grid read-model rows by place id (a chief's grid, ADR 0047): one statement per batch. */
  private readonly gridRows = new DataLoader<string, GridPlace[]>(async (placeIds) => {
    const rows = await this.ds.getRepository(GridPlace).findBy({ placeId: In([...placeIds]) });
    return placeIds.map((id) => rows.filter((r) => r.placeId === id));
  });

  /** Per matter: whether its scope lies in the grids of this request's chief. */
  private readonly inChiefGrids = new DataLoader<string, boolean>(async (matterIds) => {
    const grids = new Set(chiefGridsOf(this.principal));
    const gridsOf = async (placeId: string, kind: 'STREET' | 'COURTYARD') =>
      (await this.gridRows.load(placeId)).filter((r) => r.kind === kind).map((r) => r.gridId);
    return Promise.all(
      matterIds.map(async (id) => {
        const m = await this.matter.load(id);
        return !!m && (await scopeInGrids(this.ds.manager, m, grids, gridsOf));
      }),
    );
  });

  /**
   * Whether the caller reads a matter's details beyond the public view (hidden opinions' text,
   * attendance, in-person entries, households' ballot status): COMMUNITY_STAFF and ADMIN everywhere,
   * a STREET_CHIEF only for matters whose scope lies in the grids of the token (ADR 0047).
   */
  async seesDetails(matterId: string): Promise<boolean> {
    if (hasRole(this.principal, 'COMMUNITY_STAFF')) return true;
    if (!this.principal?.roles.includes('STREET_CHIEF')) return false;
    return this.inChiefGrids.load(matterId);
  }

  readonly transitions = new DataLoader<string, MatterTransition[]>(async (ids) => {
    const rows = await this.ds
      .getRepository(MatterTransition)
      .find({ where: { matterId: In([...ids]) }, order: { at: 'ASC', id: 'ASC' } });
    return ids.map((id) => rows.filter((r) => r.matterId === id));
  });

  streetMatters(streetId: string, page: Page): Promise<CountedConnection<Matter>> {
    return this.lists.page(BY_STREET, streetId, page, (id) => this.matter.load(id));
  }

  courtyardMatters(courtyardId: string, page: Page): Promise<CountedConnection<Matter>> {
    return this.lists.page(BY_COURTYARD, courtyardId, page, (id) => this.matter.load(id));
  }

  readonly opinion = new DataLoader<string, Opinion | null>(async (ids) =>
    alignById(ids, await this.ds.getRepository(Opinion).findBy({ id: In([...ids]) })),
  );

  readonly meeting = new DataLoader<string, Meeting | null>(async (ids) =>
    alignById(ids, await this.ds.getRepository(Meeting).findBy({ id: In([...ids]) })),
  );

  readonly entry = new DataLoader<string, InPersonEntry | null>(async (ids) =>
    alignById(ids, await this.ds.getRepository(InPersonEntry).findBy({ id: In([...ids]) })),
  );

  /** Attendance rows by `meetingId\u0000residentId`. */
  private readonly attendee = new DataLoader<string, MeetingAttendance | null>(async (keys) => {
    const pairs = keys.map((k) => k.split('\u0000') as [string, string]);
    const rows = await this.ds
      .getRepository(MeetingAttendance)
      .findBy(pairs.map(([meetingId, residentId]) => ({ meetingId, residentId })));
    const byKey = new Map(rows.map((r) => [`${r.meetingId}\u0000${r.residentId}`, r]));
    return keys.map((k) => byKey.get(k) ?? null);
  });

  /** Present / adults present / households present per meeting, batched. */
  readonly presence = new DataLoader<
    string,
    { present: number; adultsPresent: number; householdsPresent: number }
  >(async (ids) => {
    if (!this.discussion) throw new Error('no discussion service');
    const map = await this.discussion.presence(this.ds.manager, ids);
    return ids.map((id) => map.get(id) ?? { present: 0, adultsPresent: 0, householdsPresent: 0 });
  });

  matterOpinions(matterId: string, page: Page | OrderedPage<Opinion>): Promise<CountedConnection<Opinion>> {
    return this.lists.orderedPage(OPINIONS, matterId, inOriginalOrder(page, OPINION_ORDERS), (id) =>
      this.opinion.load(id),
    );
  }

  opinionReplies(opinionId: string, page: Page | OrderedPage<Opinion>): Promise<CountedConnection<Opinion>> {
    return this.lists.orderedPage(REPLIES, opinionId, inOriginalOrder(page, OPINION_ORDERS), (id) =>
      this.opinion.load(id),
    );
  }

  matterMeetings(matterId: string, page: Page | OrderedPage<Meeting>): Promise<CountedConnection<Meeting>> {
    return this.lists.orderedPage(MEETINGS, matterId, inOriginalOrder(page, MEETING_ORDERS), (id) =>
      this.meeting.load(id),
    );
  }

  meetingAttendance(meetingId: string, page: Page): Promise<CountedConnection<MeetingAttendance>> {
    return this.lists.page(ATTENDANCE, meetingId, page, (residentId) =>
      this.attendee.load(`${meetingId}\u0000${residentId}`),
    );
  }

  meetingEntries(meetingId: string, page: Page): Promise<CountedConnection<InPersonEntry>> {
    return this.lists.page(ENTRIES, meetingId, page, (id) => this.entry.load(id));
  }

  readonly proxy = new DataLoader<string, VoteProxy | null>(async (ids) =>
    alignById(ids, await this.ds.getRepository(VoteProxy).findBy({ id: In([...ids]) })),
  );

  matterProxies(matterId: string, page: Page): Promise<CountedConnection<VoteProxy>> {
    return this.lists.page(PROXIES, matterId, page, (id) => this.proxy.load(id));
  }

  /** Voters of the people read model by resident id (access checks). */
  readonly voter = new DataLoader<string, PeopleVoter | null>(async (ids) =>
    alignById(ids, await this.ds.getRepository(PeopleVoter).findBy({ id: In([...ids]) })),
  );

  /** Household.ballotStatus by `householdId\u0000matterId`: a handful of statements per batch. */
  readonly ballotStatus = new DataLoader<string, BallotStatusView | null>(async (keys) => {
    const pairs = keys.map((k) => k.split('\u0000') as [string, string]);
    const matters = await this.matter.loadMany([...new Set(pairs.map(([, m]) => m))]);
    const byId = new Map(
      matters.filter((m): m is Matter => !!m && !(m instanceof Error)).map((m) => [m.id, m]),
    );
    const households = [...new Set(pairs.map(([h]) => h))];
    const members = await this.ds
      .getRepository(PeopleVoter)
      .find({ where: { householdId: In(households) }, select: { id: true, householdId: true } });
    const memberIds = new Map<string, string[]>();
    for (const v of members) {
      const list = memberIds.get(v.householdId as string) ?? [];
      list.push(v.id);
      memberIds.set(v.householdId as string, list);
    }
    // The voter ids each key stands for: the household itself, or its members.
    const voterIds = (h: string, m: Matter) =>
      m.electorateKind === 'HOUSEHOLDS' ? [h] : (memberIds.get(h) ?? []);
    const wanted = pairs.flatMap(([h, mid]) => {
      const m = byId.get(mid);
      return m ? voterIds(h, m).map((voterId) => ({ matterId: mid, voterId })) : [];
    });
    const [electorate, participation, proxies] = wanted.length
      ? await Promise.all([
          this.ds.getRepository(ElectorateMember).findBy(wanted),
          this.ds.getRepository(Participation).findBy(wanted),
          this.ds
            .getRepository(VoteProxy)
            .findBy(wanted.map((w) => ({ matterId: w.matterId, activeSlot: w.voterId }))),
        ])
      : [[], [], []];
    const key = (matterId: string, voterId: string) => `${matterId}\u0000${voterId}`;
    const inElectorate = new Map(electorate.map((e) => [key(e.matterId, e.voterId), e]));
    const took = new Map(participation.map((p) => [key(p.matterId, p.voterId), p]));
    const proxy = new Map(proxies.map((p) => [key(p.matterId, p.voterId), p]));
    return pairs.map(([h, mid]) => {
      const m = byId.get(mid);
      if (!m) return null;
      const ids = voterIds(h, m).filter((v) => inElectorate.has(key(mid, v)));
      const own = m.electorateKind === 'HOUSEHOLDS' ? h : null;
      const p = own ? took.get(key(mid, own)) : undefined;
      const x = own ? (proxy.get(key(mid, own)) ?? null) : null;
      return {
        matterId: mid,
        matterStatus: m.status,
        inElectorate: ids.length > 0,
        voters: ids.length,
        voted: ids.filter((v) => took.has(key(mid, v))).length,
        channel: p?.channel ?? null,
        casterResidentId: own
          ? (p?.casterResidentId ??
            x?.proxyResidentId ??
            inElectorate.get(key(mid, own))?.casterResidentId ??
            null)
          : null,
        proxy: x,
      };
    });
  });

  readonly supervisors = new DataLoader<string, MatterSupervisor[]>(async (ids) => {
    const rows = await this.ds
      .getRepository(MatterSupervisor)
      .find({ where: { matterId: In([...ids]) }, order: { kind: 'ASC', ref: 'ASC' } });
    return ids.map((id) => rows.filter((r) => r.matterId === id));
  });

  readonly task = new DataLoader<string, MatterTask | null>(async (ids) =>
    alignById(ids, await this.ds.getRepository(MatterTask).findBy({ id: In([...ids]) })),
  );

  readonly report = new DataLoader<string, TaskReport | null>(async (ids) =>
    alignById(ids, await this.ds.getRepository(TaskReport).findBy({ id: In([...ids]) })),
  );

  /** Progress per matter: one statement for all matters of a request (tasks per matter are few). */
  readonly progress = new DataLoader<string, ProgressView | null>(async (ids) => {
    const tasks = await this.ds.getRepository(MatterTask).find({
      where: { matterId: In([...ids]) },
      select: { matterId: true, status: true, dueAt: true, percent: true },
    });
    const now = this.now().getTime();
    return ids.map((id) => {
      const mine = tasks.filter((t) => t.matterId === id);
      if (mine.length === 0) return null;
      return {
        tasks: mine.length,
        done: mine.filter((t) => t.status === 'DONE').length,
        overdue: mine.filter((t) => t.status === 'OPEN' && t.dueAt.getTime() < now).length,
        percent: Math.floor(mine.reduce((sum, t) => sum + t.percent, 0) / mine.length),
      };
    });
  });

  matterTasks(matterId: string, page: Page): Promise<CountedConnection<MatterTask>> {
    return this.lists.page(TASKS, matterId, page, (id) => this.task.load(id));
  }

  taskReports(taskId: string, page: Page): Promise<CountedConnection<TaskReport>> {
    return this.lists.page(TASK_REPORTS, taskId, page, (id) => this.report.load(id));
  }

  /** Receipts of the counted (current) ballots per matter, sorted: one statement per batch. */
  readonly receipts = new DataLoader<string, string[]>(async (ids) => {
    const rows: { matterId: string; receipt: string }[] = await this.ds
      .getRepository(Ballot)
      .createQueryBuilder('b')
      .select('b.matter_id', 'matterId')
      .addSelect('b.receipt', 'receipt')
      .where('b.matter_id IN (:...ids) AND b.current_slot IS NOT NULL', { ids: [...ids] })
      .getRawMany();
    return ids.map((id) =>
      rows
        .filter((r) => r.matterId === id)
        .map((r) => r.receipt)
        .sort(),
    );
  });
}

export interface ProgressView {
  tasks: number;
  done: number;
  overdue: number;
  percent: number;
}

export interface BallotStatusView {
  matterId: string;
  matterStatus: Matter['status'];
  inElectorate: boolean;
  voters: number;
  voted: number;
  channel: 'ONLINE' | 'IN_PERSON' | null;
  casterResidentId: string | null;
  proxy: VoteProxy | null;
}
