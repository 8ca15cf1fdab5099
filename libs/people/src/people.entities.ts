import { GridPlace, RosterPlace } from '@sc/roster-contracts';
import {
  AccessLogEntry,
  House,
  Household,
  HouseholdMember,
  RealUnit,
  Resident,
  ResidentMove,
  StandardAddress,
  UnitInspection,
} from './entities';

/**
 * The people service's tables (the kit adds the outbox and inbox); `grid_place` and `roster_place`
 * are the roster's read models (grids, and the places an address may name).
 */
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
  RosterPlace,
];
