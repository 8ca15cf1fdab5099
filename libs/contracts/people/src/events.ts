import { z } from 'zod';
import { defineProducer, defineTopic } from '@sc/events';
import { importedResidentsSchema } from './import';

/**
 * Events of the people service. Payloads carry ids and non-personal fields only (category, 户籍地 at
 * county level, places by id): never names, ID numbers, phones or doors. County systems rebuild
 * their population statistics from these alone. Key = aggregate id (resident, household, unit).
 */
export const PEOPLE_SOURCE = '/caichang/people';
export const ResidentsTopic = defineTopic({
  name: 'caichang.people.residents.v1',
  description: 'Residents (实有人口): moves in and out, household changes. Key: resident id.',
  key: 'resident id (import id for residents.imported)',
});
export const HouseholdsTopic = defineTopic({
  name: 'caichang.people.households.v1',
  description: 'Households (户). Key: household id.',
  key: 'household id',
});
export const UnitsTopic = defineTopic({
  name: 'caichang.people.units.v1',
  description: 'Real units (实有单位) and their safety checks. Key: unit id.',
  key: 'unit id',
});

const actor = z.string().describe('Account id of who made the change');
const category = z.enum(['REGISTERED', 'MIGRANT_LONG_TERM', 'FLOATING']);
const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .describe('YYYY-MM-DD');
/** Added later than the first version of the events: optional, so older events still parse. */
const version = z
  .number()
  .int()
  .optional()
  .describe(
    'Resident version after the change: apply only if newer than what you hold (ordering against snapshots); ' +
      'absent on events written before it was added',
  );
const birthYear = z
  .number()
  .int()
  .optional()
  .describe(
    'Year of birth, never the date (electorates: adults); absent on events written before it was added',
  );

const movedIn = z.object({
  id: z.string().describe('Resident id'),
  category,
  origin: z.string().describe('户籍地: county or city of registration, e.g. 汉源县'),
  addressId: z.string(),
  streetId: z.string(),
  courtyardId: z.string().nullable(),
  householdId: z.string().nullable(),
  relationship: z.string().nullable().describe('Relationship to the head, when joining a household'),
  date,
  firstRegistration: z.boolean().describe('True when the resident was not known before'),
  actor,
  birthYear,
  version,
});
const movedOut = z.object({
  id: z.string().describe('Resident id'),
  category,
  streetId: z.string().nullable(),
  courtyardId: z.string().nullable(),
  householdId: z.string().nullable().describe('Household the resident left'),
  destination: z.string().describe('County or city moved to (never an exact address)'),
  date,
  actor,
  version,
});
const householdChanged = z.object({
  id: z.string().describe('Resident id'),
  fromHouseholdId: z.string().nullable(),
  toHouseholdId: z.string().nullable(),
  relationship: z.string().nullable(),
  actor,
  version,
  streetId: z
    .string()
    .nullable()
    .optional()
    .describe(
      'Street the resident lives on after the change (a household’s address); absent on older events',
    ),
  courtyardId: z
    .string()
    .nullable()
    .optional()
    .describe('Courtyard after the change, if any; absent on older events'),
});
const householdCreated = z.object({
  id: z.string().describe('Household id'),
  addressId: z.string(),
  streetId: z.string(),
  courtyardId: z.string().nullable(),
  headResidentId: z.string().nullable(),
  housing: z.enum(['OWNED', 'RENTED', 'PUBLIC', 'OTHER']),
  entryDate: date,
  actor,
});
const unitRegistered = z.object({
  id: z.string().describe('Unit id'),
  name: z.string().describe('Public business name'),
  kind: z.enum(['MERCHANT', 'SCHOOL', 'KINDERGARTEN', 'CLINIC', 'ORGANISATION', 'OTHER']),
  streetId: z.string(),
  courtyardId: z.string().nullable(),
  actor,
});
const unitInspected = z.object({
  id: z.string().describe('Unit id'),
  inspectionId: z.string(),
  result: z.enum(['PASSED', 'HAZARDS_FOUND']),
  hazards: z.number().int(),
  streetId: z.string(),
  actor,
});

export const PeopleEvents = {
  residentMovedIn: ResidentsTopic.event({
    type: 'cn.caichang.people.resident.moved-in.v1',
    schema: movedIn,
    description: 'A resident moved in (first registration or return), at an address and maybe a household.',
  }),
  residentMovedOut: ResidentsTopic.event({
    type: 'cn.caichang.people.resident.moved-out.v1',
    schema: movedOut,
    description: 'A resident moved out of the community, leaving any household.',
  }),
  residentHouseholdChanged: ResidentsTopic.event({
    type: 'cn.caichang.people.resident.household-changed.v1',
    schema: householdChanged,
    description: 'A resident joined, left or changed household without moving in or out.',
  }),
  householdCreated: HouseholdsTopic.event({
    type: 'cn.caichang.people.household.created.v1',
    schema: householdCreated,
    description: 'A household was created at a standard address.',
  }),
  householdsImported: HouseholdsTopic.event({
    type: 'cn.caichang.people.households.imported.v1',
    schema: z.object({
      importId: z.string().describe('Id of the load (the demo seed’s is stable); also the subject and key'),
      part: z.number().int().min(1).describe('Event number within the load'),
      actor,
      households: z.array(householdCreated.omit({ actor: true })).min(1),
    }),
    description:
      'A bulk load of existing records (the demo seed) created these households: each item is what ' +
      '`household.created` would carry. Not a change in the community (nobody founded a household): ' +
      'count the households, not a month’s new ones. Keyed by the load id.',
  }),
  unitRegistered: UnitsTopic.event({
    type: 'cn.caichang.people.unit.registered.v1',
    schema: unitRegistered,
    description: 'A real unit (business or organisation) was registered.',
  }),
  unitInspected: UnitsTopic.event({
    type: 'cn.caichang.people.unit.inspected.v1',
    schema: unitInspected,
    description: 'A safety-check visit to a unit was recorded.',
  }),
};
export type ResidentMovedInData = z.infer<typeof movedIn>;
export type ResidentMovedOutData = z.infer<typeof movedOut>;

/** The bulk-import event (see `./import`), on the residents topic after the per-resident events. */
export const ResidentsImported = ResidentsTopic.event({
  type: 'cn.caichang.people.residents.imported.v1',
  description:
    'A bulk import (CSV) created or updated these residents. Each item is the resident’s current non-personal ' +
    'state (category, 户籍地 at county level, places by id, version); consumers upsert per resident id, ' +
    'ignoring an item whose version is not newer than what they hold.',
  schema: importedResidentsSchema,
});
export type ResidentsImportedData = z.infer<typeof ResidentsImported.schema>;

/**
 * Snapshots (bootstrap of a read model from scratch): the current non-personal state of every resident and
 * house, in parts of one transaction, then `completed`. Keyed by the snapshot id, so one snapshot's parts
 * stay in order. A consumer upserts each item (residents: only when its version is newer than what it
 * holds) and may wait for `completed` before it trusts the read model.
 */
export const SnapshotsTopic = defineTopic({
  name: 'caichang.people.snapshots.v1',
  description:
    'Snapshots of the people service’s non-personal state (residents, households, houses) for consumers that bootstrap a ' +
    'read model from scratch. Key: snapshot id.',
  key: 'snapshot id',
});
const snapshotHeader = {
  snapshotId: z.string().describe('Id of the snapshot (also the subject and key)'),
  part: z.number().int().min(1).describe('Part number within the snapshot, from 1'),
};
export const snapshotResidentSchema = z.object({
  id: z.string().describe('Resident id'),
  status: z.enum(['ACTIVE', 'MOVED_OUT', 'DECEASED']),
  birthYear: z.number().int().describe('Year of birth (never the date)'),
  householdId: z.string().nullable(),
  relationship: z.string().nullable().describe('Relationship to the household head (HEAD for the head)'),
  streetId: z.string().nullable(),
  courtyardId: z.string().nullable(),
  version: z.number().int().describe('Resident version: apply only if newer than what you hold'),
});
export const snapshotHouseSchema = z.object({
  id: z.string().describe('House id'),
  streetId: z.string(),
  courtyardId: z.string().nullable(),
  ownerResidentId: z.string().nullable().describe('Owning resident (业主), if a resident owns it'),
  floorArea: z.number().nullable().describe('建筑面积 in m² (two decimals), when recorded'),
});
export type SnapshotResident = z.infer<typeof snapshotResidentSchema>;
export type SnapshotHouse = z.infer<typeof snapshotHouseSchema>;
/** A resident in `snapshot.residents.v2`: v1's item plus what the population figures count. */
export const snapshotResidentV2Schema = snapshotResidentSchema.extend({
  category,
  origin: z.string().describe('户籍地: county or city of registration, e.g. 汉源县'),
});
export const snapshotHouseholdSchema = z.object({
  id: z.string().describe('Household id'),
  status: z.enum(['ACTIVE', 'DISSOLVED']).describe('DISSOLVED once its last member left'),
  streetId: z.string(),
  courtyardId: z.string().nullable(),
  headResidentId: z.string().nullable(),
});
export type SnapshotResidentV2 = z.infer<typeof snapshotResidentV2Schema>;
export type SnapshotHousehold = z.infer<typeof snapshotHouseholdSchema>;
export const PeopleSnapshotEvents = {
  residents: SnapshotsTopic.event({
    type: 'cn.caichang.people.snapshot.residents.v1',
    description:
      'One part of a snapshot: residents’ current non-personal state (no name, ID number or door).',
    schema: z.object({ ...snapshotHeader, residents: z.array(snapshotResidentSchema).min(1) }),
  }),
  /**
   * v2 of `residents` (docs/events.md, "Versions"): the same items with category and 户籍地, written
   * beside each v1 part (v1 stays published until its consumers have moved).
   */
  residentsV2: SnapshotsTopic.event({
    type: 'cn.caichang.people.snapshot.residents.v2',
    description:
      'One part of a snapshot: residents’ current non-personal state with category and 户籍地 (no name, ID ' +
      'number or door). Written beside the v1 part with the same residents, at the same versions: apply it as ' +
      'the whole state unless you hold a newer version (at the same version too, it fills in what v1 lacks).',
    schema: z.object({ ...snapshotHeader, residents: z.array(snapshotResidentV2Schema).min(1) }),
  }),
  households: SnapshotsTopic.event({
    type: 'cn.caichang.people.snapshot.households.v1',
    description:
      'One part of a snapshot: every household (dissolved ones too) with its status, places and head.',
    schema: z.object({ ...snapshotHeader, households: z.array(snapshotHouseholdSchema).min(1) }),
  }),
  houses: SnapshotsTopic.event({
    type: 'cn.caichang.people.snapshot.houses.v1',
    description: 'One part of a snapshot: houses (实有房屋) with their owning resident and floor area.',
    schema: z.object({ ...snapshotHeader, houses: z.array(snapshotHouseSchema).min(1) }),
  }),
  completed: SnapshotsTopic.event({
    type: 'cn.caichang.people.snapshot.completed.v1',
    description: 'The last event of a snapshot: how many parts, residents and houses it had.',
    schema: z.object({
      snapshotId: z.string(),
      parts: z.number().int().describe('Parts before this event'),
      residents: z.number().int(),
      houses: z.number().int(),
      households: z
        .number()
        .int()
        .optional()
        .describe('Households in the snapshot; absent on snapshots written before they were included'),
      takenAt: z.string().describe('When the snapshot was read (ISO 8601)'),
      actor,
    }),
  }),
};

/** Everything the people service publishes (read by the AsyncAPI generator and the registry). */
export const PEOPLE_EVENTS = defineProducer({
  service: 'people',
  source: PEOPLE_SOURCE,
  topics: [ResidentsTopic, HouseholdsTopic, UnitsTopic, SnapshotsTopic],
});
