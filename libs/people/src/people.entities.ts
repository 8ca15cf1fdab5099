import { OUTBOX_ENTITIES, OUTBOX_MIGRATIONS } from '@sc/events';
import {
  AccessLogEntry,
  GridPlace,
  House,
  Household,
  HouseholdMember,
  RealUnit,
  Resident,
  ResidentMove,
  StandardAddress,
  UnitInspection,
} from './entities';
import { PEOPLE_MIGRATIONS } from './migrations';

export const PEOPLE_ENTITIES = [
  Resident,
  StandardAddress,
  Household,
  HouseholdMember,
  House,
  RealUnit,
  UnitInspection,
  ResidentMove,
  AccessLogEntry,
  GridPlace,
  ...OUTBOX_ENTITIES,
];
/** The platform's outbox/inbox tables first, then the people service's own generated migrations. */
export const PEOPLE_ALL_MIGRATIONS = [...OUTBOX_MIGRATIONS, ...PEOPLE_MIGRATIONS];
