import { z } from 'zod';
import { defineEvent } from '@sc/events';

/**
 * Events of the roster service. One topic per aggregate family; the Kafka key is the place id, so
 * the events of one place stay in order. Payloads carry ids and public names only.
 */
export const ROSTER_SOURCE = '/caichang/roster';
export const PLACES_TOPIC = 'caichang.roster.places.v1';

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
} as const;

function contracts<T extends Record<string, readonly [string, z.ZodType, string]>>(defs: T) {
  return Object.fromEntries(
    Object.entries(defs).map(([key, [type, schema, description]]) => [
      key,
      defineEvent({ type, schema, description }),
    ]),
  ) as { [K in keyof T]: ReturnType<typeof defineEvent<z.infer<T[K][1]>>> };
}

export const RosterEvents = contracts(events);
export type PlaceCreatedData = z.infer<typeof created>;
export type PlaceRenamedData = z.infer<typeof renamed>;
export type PlaceRetiredData = z.infer<typeof retired>;

/** For the AsyncAPI document: every topic with the contracts published on it. */
export const ROSTER_TOPICS = [
  {
    topic: PLACES_TOPIC,
    description: 'Places of the roster: communities, resident groups, streets, courtyards.',
    events: Object.values(RosterEvents),
  },
];
