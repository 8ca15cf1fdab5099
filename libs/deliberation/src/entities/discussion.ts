import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

const json = {
  to: (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v)),
  from: (v: string | null) => (v === null || v === undefined ? null : (JSON.parse(v) as unknown)),
};

/**
 * 民议: an opinion on a matter, or a reply to one (`parentId`: the opinion replied to, always a
 * top-level one; `depth` 0 or 1). Hidden opinions are kept with who hid them and why: staff still
 * read them, everyone else sees that one was hidden and the reason (nothing is ever deleted).
 */
@Entity({ name: 'opinion' })
@Index('ix_opinion_matter', ['matterId', 'depth', 'createdAt', 'id'])
@Index('ix_opinion_parent', ['parentId', 'createdAt', 'id'])
export class Opinion {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'matter_id', type: 'varchar', length: 36 }) matterId!: string;
  @Column({ name: 'parent_id', type: 'varchar', length: 36, nullable: true }) parentId!: string | null;
  @Column({ name: 'depth', type: 'smallint' }) depth!: number;
  /** Account id of the author. */
  @Column({ name: 'author', type: 'varchar', length: 100 }) author!: string;
  /** `RESIDENT`, `STREET_CHIEF` or `COMMUNITY_STAFF`: the capacity the author wrote in. */
  @Column({ name: 'author_role', type: 'varchar', length: 20 }) authorRole!: string;
  @Column({ name: 'author_resident_id', type: 'varchar', length: 36, nullable: true })
  authorResidentId!: string | null;
  @Column({ name: 'body', type: 'text' }) body!: string;
  @Column({ name: 'hidden', type: 'boolean', default: false }) hidden!: boolean;
  @Column({ name: 'hidden_reason', type: 'varchar', length: 500, nullable: true }) hiddenReason!:
    string | null;
  @Column({ name: 'hidden_by', type: 'varchar', length: 100, nullable: true }) hiddenBy!: string | null;
  @Column({ name: 'hidden_at', type: 'datetime', precision: 3, nullable: true }) hiddenAt!: Date | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt!: Date;
}

export const MEETING_KINDS = ['COURTYARD', 'STREET'] as const;
export type MeetingKind = (typeof MEETING_KINDS)[number];
export const MEETING_STATES = ['SCHEDULED', 'HELD'] as const;
export type MeetingState = (typeof MEETING_STATES)[number];

/**
 * A meeting on a matter (院落会, 街区会): time, place, agenda; the attendance of residents of the scope
 * (of the frozen electorate once the vote is open) and the minutes the chief records, which close it
 * (HELD). `adults` / `households` are the scope's counts when attendance was last recorded: the
 * denominators of the residents' meeting quorum (ADR 0021).
 */
@Entity({ name: 'meeting' })
@Index('ix_meeting_matter', ['matterId', 'startsAt', 'id'])
export class Meeting {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'matter_id', type: 'varchar', length: 36 }) matterId!: string;
  @Column({ name: 'kind', type: 'varchar', length: 10 }) kind!: MeetingKind;
  @Column({ name: 'starts_at', type: 'datetime', precision: 3 }) startsAt!: Date;
  @Column({ name: 'place', type: 'varchar', length: 200 }) place!: string;
  @Column({ name: 'agenda', type: 'text' }) agenda!: string;
  @Column({ name: 'status', type: 'varchar', length: 10 }) status!: MeetingState;
  @Column({ name: 'minutes', type: 'text', nullable: true }) minutes!: string | null;
  @Column({ name: 'minutes_by', type: 'varchar', length: 100, nullable: true }) minutesBy!: string | null;
  @Column({ name: 'minutes_at', type: 'datetime', precision: 3, nullable: true }) minutesAt!: Date | null;
  @Column({ name: 'adults', type: 'int', nullable: true }) adults!: number | null;
  @Column({ name: 'households', type: 'int', nullable: true }) households!: number | null;
  @Column({ name: 'created_by', type: 'varchar', length: 100 }) createdBy!: string;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt!: Date;
}

/** One resident present at a meeting (with their household and whether an adult, for the quorum). */
@Entity({ name: 'meeting_attendance' })
export class MeetingAttendance {
  @PrimaryColumn({ name: 'meeting_id', type: 'varchar', length: 36 }) meetingId!: string;
  @PrimaryColumn({ name: 'resident_id', type: 'varchar', length: 36 }) residentId!: string;
  @Column({ name: 'household_id', type: 'varchar', length: 36, nullable: true }) householdId!: string | null;
  @Column({ name: 'adult', type: 'boolean' }) adult!: boolean;
  @Column({ name: 'recorded_by', type: 'varchar', length: 100 }) recordedBy!: string;
  @Column({ name: 'recorded_at', type: 'datetime', precision: 3 }) recordedAt!: Date;
}

export const IN_PERSON_STATES = ['PENDING', 'CONFIRMED', 'REJECTED'] as const;
export type InPersonState = (typeof IN_PERSON_STATES)[number];

/**
 * A ballot cast in person at a meeting, entered by one person and confirmed (or rejected) by a second
 * (two-person entry; ADR 0021). Every entry is kept: the log of in-person votes. The choice is held only
 * while the entry is PENDING and erased when it is decided on a secret ballot, so once confirmed the
 * row says that the voter voted in person, never what. `pendingSlot` (the voter id while pending)
 * makes one open entry per voter a unique key.
 */
@Entity({ name: 'in_person_entry' })
@Index('uq_in_person_pending', ['matterId', 'pendingSlot'], { unique: true })
@Index('ix_in_person_meeting', ['meetingId', 'enteredAt', 'id'])
export class InPersonEntry {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'meeting_id', type: 'varchar', length: 36 }) meetingId!: string;
  @Column({ name: 'matter_id', type: 'varchar', length: 36 }) matterId!: string;
  /** The electorate voter (household or resident) the ballot is for. */
  @Column({ name: 'voter_id', type: 'varchar', length: 36 }) voterId!: string;
  @Column({ name: 'caster_resident_id', type: 'varchar', length: 36 }) casterResidentId!: string;
  @Column({ name: 'pending_slot', type: 'varchar', length: 36, nullable: true }) pendingSlot!: string | null;
  @Column({ name: 'choices', type: 'text', nullable: true, transformer: json }) choices!: string[] | null;
  @Column({ name: 'status', type: 'varchar', length: 10 }) status!: InPersonState;
  @Column({ name: 'entered_by', type: 'varchar', length: 100 }) enteredBy!: string;
  @Column({ name: 'entered_at', type: 'datetime', precision: 3 }) enteredAt!: Date;
  @Column({ name: 'decided_by', type: 'varchar', length: 100, nullable: true }) decidedBy!: string | null;
  @Column({ name: 'decided_at', type: 'datetime', precision: 3, nullable: true }) decidedAt!: Date | null;
  @Column({ name: 'note', type: 'varchar', length: 500, nullable: true }) note!: string | null;
}

export const DISCUSSION_ENTITIES = [Opinion, Meeting, MeetingAttendance, InPersonEntry];
