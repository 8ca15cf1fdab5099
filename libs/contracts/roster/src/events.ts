import { z } from 'zod';
import { defineProducer, defineTopic, eventsOn } from '@sc/events';

/**
 * Events of the roster service. One topic per aggregate family; the Kafka key is the place id, so
 * the events of one place stay in order. Payloads carry ids and public names only.
 */
export const ROSTER_SOURCE = '/caichang/roster';

export const PlacesTopic = defineTopic({
  name: 'caichang.roster.places.v1',
  description: 'Places of the roster: communities, resident groups, streets, courtyards.',
  key: 'place id',
});
export const GridsTopic = defineTopic({
  name: 'caichang.roster.grids.v1',
  description: "Grids (网格): the streets and courtyards in each chief's charge. Key: grid id.",
  key: 'grid id',
});
export const ChiefsTopic = defineTopic({
  name: 'caichang.roster.chiefs.v1',
  description: 'Street chiefs from nomination to retirement. Key: chief id.',
  key: 'chief id',
});
export const SignboardsTopic = defineTopic({
  name: 'caichang.roster.signboards.v1',
  description: 'Signboards (公示牌): out of date after a roster change, reprinted. Key: signboard id.',
  key: 'signboard id',
});
export const ActivitiesTopic = defineTopic({
  name: 'caichang.roster.activities.v1',
  description: 'Trainings of chiefs and their patrols. Key: training or patrol id.',
  key: 'training or patrol id',
});

const kind = z.enum(['COMMUNITY', 'RESIDENT_GROUP', 'STREET', 'COURTYARD']);
const actor = z.string().describe('Account id of who made the change');

const created = z.object({
  id: z.string(),
  kind,
  name: z.string(),
  code: z.string().nullable().describe('Community code; null for other kinds'),
  parentId: z.string().nullable(),
  communityId: z.string(),
  sortKey: z.string().describe('Official order: the materialised path of ordinals'),
  actor,
});
const renamed = z.object({ id: z.string(), kind, name: z.string(), previousName: z.string(), actor });
const retired = z.object({ id: z.string(), kind, reason: z.string(), actor });

/**
 * Snapshot events (ADR 0023): the current state of one place, grid or chief, restated on its own topic
 * under its own key, so it stays in order with that entity's changes. Not a change: county systems that
 * mirror the roster may upsert it or skip it. Written by a snapshot (`npm run readmodels:snapshot`, or the
 * embedded start when a read model is behind), all of one snapshot in one transaction.
 */
const snapshotFields = {
  snapshotId: z.string().describe('Id of the snapshot this restatement is part of'),
  version: z.number().int().describe('The entity’s version in the roster when the snapshot was read'),
  actor: z.string().describe('Who asked for the snapshot (an account id, or the tool or start that did)'),
};
const placeSnapshot = z.object({
  id: z.string(),
  kind,
  name: z.string(),
  code: z.string().nullable().describe('Community code; null for other kinds'),
  parentId: z.string().nullable(),
  communityId: z.string(),
  sortKey: z.string().describe('Official order: the materialised path of ordinals'),
  status: z.enum(['ACTIVE', 'RETIRED']),
  ...snapshotFields,
});

const events = {
  communityCreated: ['cn.caichang.roster.community.created.v1', created, 'A community was created.'],
  communityRenamed: ['cn.caichang.roster.community.renamed.v1', renamed, 'A community was renamed.'],
  communityRetired: ['cn.caichang.roster.community.retired.v1', retired, 'A community was retired.'],
  residentGroupCreated: [
    'cn.caichang.roster.resident-group.created.v1',
    created,
    'A resident group was created.',
  ],
  residentGroupRenamed: [
    'cn.caichang.roster.resident-group.renamed.v1',
    renamed,
    'A resident group was renamed.',
  ],
  residentGroupRetired: [
    'cn.caichang.roster.resident-group.retired.v1',
    retired,
    'A resident group was retired.',
  ],
  streetCreated: ['cn.caichang.roster.street.created.v1', created, 'A street was created.'],
  streetRenamed: ['cn.caichang.roster.street.renamed.v1', renamed, 'A street was renamed.'],
  streetRetired: ['cn.caichang.roster.street.retired.v1', retired, 'A street was retired.'],
  courtyardCreated: ['cn.caichang.roster.courtyard.created.v1', created, 'A courtyard was created.'],
  courtyardRenamed: ['cn.caichang.roster.courtyard.renamed.v1', renamed, 'A courtyard was renamed.'],
  courtyardRetired: ['cn.caichang.roster.courtyard.retired.v1', retired, 'A courtyard was retired.'],
  placeSnapshot: [
    'cn.caichang.roster.place.snapshot.v1',
    placeSnapshot,
    'The current state of a place, restated by a snapshot (not a change; ADR 0023).',
  ],
} as const;

const placeId = z.string().min(1).max(36);
const gridChanged = z.object({
  id: z.string().min(1).max(36),
  name: z.string(),
  streetIds: z.array(placeId).describe('Every street of the grid after the change'),
  courtyardIds: z.array(placeId).describe('Every courtyard of the grid after the change'),
  actor,
});

const gridSnapshot = z.object({
  id: z.string().min(1).max(36),
  name: z.string(),
  streetIds: z.array(placeId).describe('Every street of the grid'),
  courtyardIds: z.array(placeId).describe('Every courtyard of the grid'),
  ...snapshotFields,
});

const chiefStatus = z.enum(['NOMINATED', 'VETTED', 'FILED', 'APPOINTED', 'SUSPENDED', 'RETIRED', 'REJECTED']);
/** What every chief event carries: ids and the transition, no personal data. */
const chiefBase = {
  id: z.string().describe('Chief (candidacy) id'),
  residentId: z.string().describe('Resident id in the people service'),
  status: chiefStatus.describe('State after the transition'),
  previousStatus: chiefStatus.nullable(),
  reason: z.string(),
  actor,
};
const chiefNominated = z.object({
  ...chiefBase,
  nominatorResidentId: z.string(),
  nominationCount: z.number().int().describe('Nominations counted so far'),
});
const chiefVetted = z.object({ ...chiefBase, passed: z.boolean() });
const chiefFiled = z.object({
  ...chiefBase,
  filedOn: z.string().describe('Date of the party-committee filing (ISO-8601)'),
  documentNumber: z.string(),
});
const chiefAppointed = z.object({
  ...chiefBase,
  gridId: z.string(),
  badge: z.string(),
  phone: z.string().describe('Public contact phone of the appointed chief'),
  termStart: z.string(),
  termEnd: z.string(),
});
const chiefInGrid = z.object({ ...chiefBase, gridId: z.string().nullable() });
const chiefSnapshot = z.object({
  id: z.string().describe('Chief (candidacy) id'),
  residentId: z.string().describe('Resident id in the people service'),
  status: chiefStatus,
  gridId: z.string().nullable().describe('The grid of the appointment (kept after retirement)'),
  ...snapshotFields,
});

const signboardOutOfDate = z.object({
  id: z.string(),
  code: z.string(),
  printedVersion: z.number().int(),
  contentHash: z.string().describe('Hash of the current content, which differs from the printed one'),
  actor,
});
const signboardReprinted = z.object({
  id: z.string(),
  code: z.string(),
  printedVersion: z.number().int().describe('The new printed version'),
  contentHash: z.string(),
  actor,
});

const trainingHeld = z.object({
  id: z.string(),
  topic: z.string(),
  title: z.string(),
  heldAt: z.string(),
  attendeeChiefIds: z.array(z.string()),
  actor,
});
const patrolRecorded = z.object({
  id: z.string(),
  chiefId: z.string(),
  gridId: z.string(),
  streetId: z.string(),
  patrolledAt: z.string(),
  hazardCount: z.number().int(),
  requestCount: z.number().int(),
  needsAction: z.boolean(),
  actor,
});
const patrolFinding = z.object({
  patrolId: z.string(),
  chiefId: z.string(),
  gridId: z.string(),
  streetId: z.string(),
  patrolledAt: z.string(),
  hazardCount: z.number().int(),
  requestCount: z.number().int(),
  findings: z.string().describe('What the chief found, as written (chiefs record no personal data here)'),
  actor,
});

const gridEvents = {
  gridChanged: [
    'cn.caichang.roster.grid.changed.v1',
    gridChanged,
    'A grid was created or its membership changed; carries the full membership after the change.',
  ],
  gridSnapshot: [
    'cn.caichang.roster.grid.snapshot.v1',
    gridSnapshot,
    'The current membership of a grid, restated by a snapshot (not a change; ADR 0023).',
  ],
} as const;
const chiefEvents = {
  chiefNominated: [
    'cn.caichang.roster.chief.nominated.v1',
    chiefNominated,
    'A resident nominated a candidate street chief (the first nomination creates the candidacy).',
  ],
  chiefVetted: [
    'cn.caichang.roster.chief.vetted.v1',
    chiefVetted,
    'Community staff vetted a candidate and the vetting passed.',
  ],
  chiefFiled: [
    'cn.caichang.roster.chief.filed.v1',
    chiefFiled,
    'The town party committee filed the appointment of a vetted candidate.',
  ],
  chiefAppointed: [
    'cn.caichang.roster.chief.appointed.v1',
    chiefAppointed,
    'A filed candidate was appointed street chief of a grid, with a term and badge.',
  ],
  chiefSuspended: [
    'cn.caichang.roster.chief.suspended.v1',
    chiefInGrid,
    'An appointed chief was suspended; the grid is uncovered until resumed or replaced.',
  ],
  chiefResumed: ['cn.caichang.roster.chief.resumed.v1', chiefInGrid, 'A suspended chief was resumed.'],
  chiefRetired: [
    'cn.caichang.roster.chief.retired.v1',
    chiefInGrid,
    'A chief retired; the grid is free for a successor.',
  ],
  chiefRejected: [
    'cn.caichang.roster.chief.rejected.v1',
    chiefInGrid,
    'A candidacy ended without appointment (failed vetting or rejected).',
  ],
  chiefSnapshot: [
    'cn.caichang.roster.chief.snapshot.v1',
    chiefSnapshot,
    'The current state of an appointed, suspended or retired chief, restated by a snapshot (not a change; ADR 0023).',
  ],
} as const;
const signboardEvents = {
  signboardOutOfDate: [
    'cn.caichang.roster.signboard.out-of-date.v1',
    signboardOutOfDate,
    'A roster change altered what a signboard must show; the printed board is out of date.',
  ],
  signboardReprinted: [
    'cn.caichang.roster.signboard.reprinted.v1',
    signboardReprinted,
    'A signboard was reprinted with the current content.',
  ],
} as const;
const activityEvents = {
  trainingHeld: [
    'cn.caichang.roster.training.held.v1',
    trainingHeld,
    'A training session was held, with the chiefs who attended.',
  ],
  patrolRecorded: [
    'cn.caichang.roster.patrol.recorded.v1',
    patrolRecorded,
    'A chief recorded a patrol of a street.',
  ],
  patrolFindingRecorded: [
    'cn.caichang.roster.patrol.finding-recorded.v1',
    patrolFinding,
    'A patrol found something that needs action; the cases service turns it into a case.',
  ],
} as const;

export const RosterEvents = eventsOn(PlacesTopic, events);
export const GridEvents = eventsOn(GridsTopic, gridEvents);
export const ChiefEvents = eventsOn(ChiefsTopic, chiefEvents);
export const SignboardEvents = eventsOn(SignboardsTopic, signboardEvents);
export const ActivityEvents = eventsOn(ActivitiesTopic, activityEvents);
export type GridChangedData = z.infer<typeof gridChanged>;
export type ChiefAppointedData = z.infer<typeof chiefAppointed>;
export type PlaceCreatedData = z.infer<typeof created>;
export type PlaceRenamedData = z.infer<typeof renamed>;
export type PlaceRetiredData = z.infer<typeof retired>;
export type PlaceSnapshotData = z.infer<typeof placeSnapshot>;
export type GridSnapshotData = z.infer<typeof gridSnapshot>;
export type ChiefSnapshotData = z.infer<typeof chiefSnapshot>;

/** Everything the roster publishes (read by the AsyncAPI generator and the registry). */
export const ROSTER_EVENTS = defineProducer({
  service: 'roster',
  source: ROSTER_SOURCE,
  topics: [PlacesTopic, GridsTopic, ChiefsTopic, SignboardsTopic, ActivitiesTopic],
});
