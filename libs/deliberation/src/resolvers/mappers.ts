import type { CountedConnection } from '@sc/db';
import type { BallotStatusView } from '../loaders';
import type {
  InPersonEntry,
  Matter,
  MatterSupervisor,
  MatterTask,
  TaskReport,
  MatterTransition,
  Meeting,
  MeetingAttendance,
  Opinion,
  PublishedTally,
  VoteProxy,
} from '../entities';

export type MatterMapper = Matter;
export type MatterConnectionMapper = CountedConnection<Matter>;
export type TallyMapper = Omit<PublishedTally, 'counts'> & {
  matterId: string;
  /** A live tally of an open vote (no receipts shown yet). */
  live: boolean;
  counts: { option: string; count: number; area: number | null }[];
};
export type MatterTransitionMapper = MatterTransition;
export type VoteRuleViewMapper = Matter;
export type StreetMapper = { id: string };
export type CourtyardMapper = { id: string };
export type ResidentMapper = { id: string };
export type RecountMapper = {
  agrees: boolean;
  tamperedBallots: number;
  published: TallyMapper;
  recomputed: TallyMapper;
};
export type OpinionMapper = Opinion;
export type OpinionConnectionMapper = CountedConnection<Opinion>;
export type MeetingMapper = Meeting;
export type MeetingConnectionMapper = CountedConnection<Meeting>;
export type MeetingQuorumMapper = {
  present: number;
  adultsPresent: number;
  adults: number | null;
  householdsPresent: number;
  households: number | null;
  met: boolean;
  source: string;
};
export type AttendeeMapper = MeetingAttendance;
export type AttendeeConnectionMapper = CountedConnection<MeetingAttendance>;
export type InPersonEntryMapper = InPersonEntry;
export type InPersonEntryConnectionMapper = CountedConnection<InPersonEntry>;
export type InPersonConfirmationMapper = { entry: InPersonEntry; receipt: string };
export type VoteProxyMapper = VoteProxy;
export type VoteProxyConnectionMapper = CountedConnection<VoteProxy>;
export type ElectorateMapper = { matterId: string; size: number; hash: string; area: number | null };
export type HouseholdMapper = { id: string };
export type BallotStatusMapper = BallotStatusView;
export type SupervisorMapper = MatterSupervisor;
export type MatterTaskMapper = MatterTask;
export type MatterTaskConnectionMapper = CountedConnection<MatterTask>;
export type TaskReportMapper = TaskReport;
export type TaskReportConnectionMapper = CountedConnection<TaskReport>;
export type ProgressMapper = { tasks: number; done: number; overdue: number; percent: number };
