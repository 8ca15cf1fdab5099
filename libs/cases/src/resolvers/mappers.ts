/**
 * What cases resolvers really receive as parent (and return) for each GraphQL type, read by
 * `npm run codegen`: `export type <GraphQLType>Mapper`. Types without one are the generated shape
 * (TimeLimit, GeoPoint, CalendarDay, CaseAssignee and the other services' stubs, returned as `{ id }`).
 */
import type { CalendarDay } from '../domain/calendar';
import type { CountedConnection } from '@sc/db';
import type { LedgerRow } from '../services/ledger.service';
import type { TargetProgress } from '../services/campaign.service';
import type {
  Campaign,
  CampaignAction,
  CaseCategory,
  CaseEvidence,
  CaseItemVersion,
  CaseNote,
  CaseRecord,
  CaseTransition,
  CaseUpdateNotice,
  Open311Client,
} from '../entities';
import type { SimilarCase } from '../services/intake.service';

export type CaseMapper = CaseRecord;
/** Open311 (ADR 0042): the entity; its key hash has no field. */
export type Open311ClientMapper = Open311Client;
export type CaseCategoryMapper = CaseCategory;
export type CaseItemMapper = CaseItemVersion;
export type CaseNoteMapper = CaseNote;
export type CaseTransitionMapper = CaseTransition;

export type CaseConnectionMapper = CountedConnection<CaseRecord>;
export type CaseNoteConnectionMapper = CountedConnection<CaseNote>;
export type CaseTransitionConnectionMapper = CountedConnection<CaseTransition>;
export type LedgerRowMapper = LedgerRow;
export type CampaignMapper = Campaign;
export type CampaignConnectionMapper = CountedConnection<Campaign>;
export type CampaignTargetMapper = TargetProgress;
export type CampaignActionMapper = CampaignAction;
/** The other services' entities, as cases knows them: their id (it adds its fields to them). */
export type StreetMapper = { id: string };
export type GridMapper = { id: string };
export type StreetChiefMapper = { id: string };
export type ResidentMapper = { id: string };

// ---- intake (h-cases-intake) ----
export type CaseUpdateMapper = CaseUpdateNotice;
export type CaseUpdateConnectionMapper = CountedConnection<CaseUpdateNotice>;
export type SimilarCaseMapper = SimilarCase;
export type CaseEvidenceMapper = CaseEvidence;
// ---- end intake ----

// ---- issue 15 §4: Date ----
// The calendar's days carry `day`; the resolver adds `date` (the same day as a Date).
export type CalendarDayMapper = CalendarDay;
