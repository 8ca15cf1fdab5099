import { ResidentRef } from '@sc/people-contracts';
import { GridChief, GridPlace, RosterPlace } from '@sc/roster-contracts';
import {
  Campaign,
  CampaignAction,
  CampaignTarget,
  CaseCategory,
  CaseItem,
  CaseItemVersion,
  CaseLedgerCell,
  CaseNote,
  CaseRecord,
  CaseEvidence,
  CaseEvidenceChunk,
  CaseSupport,
  CaseTransition,
  CaseUpdateNotice,
  Open311Client,
  Open311Request,
  Open311Throttle,
  WorkCalendarDay,
} from './entities';

/** Every entity of the cases database: its own, and the read models of roster and people. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const CASES_ENTITIES: Function[] = [
  CaseCategory,
  CaseItem,
  CaseItemVersion,
  WorkCalendarDay,
  CaseRecord,
  CaseTransition,
  CaseNote,
  CaseLedgerCell,
  Campaign,
  CampaignTarget,
  CampaignAction,
  CaseSupport,
  CaseUpdateNotice,
  CaseEvidence,
  CaseEvidenceChunk,
  Open311Client,
  Open311Throttle,
  Open311Request,
  RosterPlace,
  GridPlace,
  GridChief,
  ResidentRef,
];
