/**
 * What people resolvers really receive as parent (and return) for each GraphQL type, read by
 * `npm run codegen` (tools/codegen/subgraphs.ts): `export type <GraphQLType>Mapper`. A type without a
 * mapper is the generated TypeScript shape of the GraphQL type itself (PopulationStats, CategoryCount,
 * UnitSensitive, and the roster's Street and Courtyard stubs, which resolvers return as `{ id }`).
 */
import type {
  AccessLogEntry,
  House,
  Household,
  HouseholdMember,
  RealUnit,
  Resident,
  ResidentMove,
  StandardAddress,
  UnitInspection,
} from '../entities';
import type { CountedConnection } from '@sc/db';
import type { PlaceCounts } from '../repositories/stats.repository';
import type { Revealed } from '../services/resident.service';

export type ResidentMapper = Resident;
export type ResidentMoveMapper = ResidentMove;
export type StandardAddressMapper = StandardAddress;
export type HouseholdMapper = Household;
export type HouseholdMemberMapper = HouseholdMember;
export type HouseMapper = House;
// The GraphQL name is the domain's (实有单位 "Unit"); the entity class is RealUnit to keep it apart
// from an address's `unit` (单元).
export type UnitMapper = RealUnit;
export type UnitInspectionMapper = UnitInspection;
export type AccessLogEntryMapper = AccessLogEntry;

// Only the fields the query selects under `sensitive { … }` are decrypted (and logged), so every
// field of the revealed object may be absent, non-null ones included.
export type ResidentSensitiveMapper = Revealed;

// Per-place rows of the statistics carry the roster id; the field resolver turns it into the stub.
export type StreetCountMapper = PlaceCounts;
export type CourtyardCountMapper = PlaceCounts;

// Connections come from the loaders with `totalCount` as a function: the default resolver calls it,
// so the count query runs only when the field is selected.
export type ResidentConnectionMapper = CountedConnection<Resident>;
export type ResidentMoveConnectionMapper = CountedConnection<ResidentMove>;
export type HouseholdConnectionMapper = CountedConnection<Household>;
export type UnitConnectionMapper = CountedConnection<RealUnit>;
export type UnitInspectionConnectionMapper = CountedConnection<UnitInspection>;
export type AccessLogConnectionMapper = CountedConnection<AccessLogEntry>;
