import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import { alignById, ChildLists, type ChildListSpec, type CountedConnection, type Page } from '@sc/db';
import { InPersonEntry, Matter, MatterTransition, Meeting, MeetingAttendance, Opinion } from './entities';
import type { DiscussionService } from './services/discussion.service';

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
  ) {
    // Here, not as a field initializer: those run before parameter properties are assigned.
    this.lists = new ChildLists(ds);
  }

  readonly matter = new DataLoader<string, Matter | null>(async (ids) =>
    alignById(ids, await this.ds.getRepository(Matter).findBy({ id: In([...ids]) })),
  );

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

  matterOpinions(matterId: string, page: Page): Promise<CountedConnection<Opinion>> {
    return this.lists.page(OPINIONS, matterId, page, (id) => this.opinion.load(id));
  }

  opinionReplies(opinionId: string, page: Page): Promise<CountedConnection<Opinion>> {
    return this.lists.page(REPLIES, opinionId, page, (id) => this.opinion.load(id));
  }

  matterMeetings(matterId: string, page: Page): Promise<CountedConnection<Meeting>> {
    return this.lists.page(MEETINGS, matterId, page, (id) => this.meeting.load(id));
  }

  meetingAttendance(meetingId: string, page: Page): Promise<CountedConnection<MeetingAttendance>> {
    return this.lists.page(ATTENDANCE, meetingId, page, (residentId) =>
      this.attendee.load(`${meetingId}\u0000${residentId}`),
    );
  }

  meetingEntries(meetingId: string, page: Page): Promise<CountedConnection<InPersonEntry>> {
    return this.lists.page(ENTRIES, meetingId, page, (id) => this.entry.load(id));
  }
}
