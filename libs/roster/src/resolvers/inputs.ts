import { z } from 'zod';
import { ROLES } from '@sc/auth';
import { dateTime, id, line, list, nullable, paragraph } from '@sc/graphql';
import { TRAINING_TOPICS } from '../entities/activity.entity';

// Every text, id and date goes through the platform's rules (@sc/graphql inputs): no control
// characters or unpaired surrogates, trimmed, bounded by the column it is stored in.

/** Place names as people write them on signboards: 1–50 characters. */
export const placeName = line(50);
const reason = line(500);

export const createCommunityInput = z.object({
  code: z
    .string()
    .trim()
    .regex(
      /^[a-z][a-z0-9-]{1,39}$/,
      'must be 2–40 lower-case letters, digits or dashes, starting with a letter',
    ),
  name: placeName,
});
export const createResidentGroupInput = z.object({ communityId: id(), name: placeName });
export const createStreetInput = z.object({ residentGroupId: id(), name: placeName });
export const createCourtyardInput = z.object({ streetId: id(), name: placeName });
export const renamePlaceInput = z.object({ id: id(), name: placeName });
export const retirePlaceInput = z.object({ id: id(), reason: line(200) });

export const createAccountInput = z.object({
  username: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._-]{3,40}$/, 'must be 3–40 letters, digits, dots, dashes or underscores'),
  displayName: line(50),
  password: z.string().min(12, 'must be at least 12 characters').max(200, 'must be at most 200 characters'),
  roles: z.array(z.enum(ROLES)).min(1, 'needs at least one role'),
  scopes: list(
    z.string().regex(/^[a-z-]+:[A-Za-z0-9._-]{1,64}$/, 'must look like kind:id, e.g. grid:1234'),
    50,
    'scopes',
  ),
});

export const loginInput = z.object({
  username: z.string().trim().min(1, 'must not be empty').max(40, 'is too long'),
  password: z.string().min(1, 'must not be empty').max(200, 'is too long'),
});

const membership = {
  streetIds: z.array(id()).max(200, 'at most 200 streets'),
  courtyardIds: list(id(), 500, 'courtyards'),
  reason: line(200),
};
export const createGridInput = z
  .object({ name: placeName, ...membership })
  .refine((v) => v.streetIds.length + v.courtyardIds.length > 0, {
    message: 'needs at least one street or courtyard',
    path: ['streetIds'],
  });
export const setGridPlacesInput = z.object({ id: id(), ...membership });

export const nominateChiefInput = z.object({
  residentId: id(),
  name: placeName,
  nominatorResidentId: nullable(id()),
  // chief_nomination.reason holds 200 characters.
  reason: line(200),
});
export const vetChiefInput = z.object({
  id: id(),
  passed: z.boolean(),
  reason,
  visitNotes: paragraph(2000),
  opinions: list(line(500), 50, 'opinions'),
});
export const fileChiefInput = z.object({ id: id(), filedOn: dateTime(), documentNumber: line(50), reason });
export const appointChiefInput = z.object({
  id: id(),
  gridId: id(),
  badge: z
    .string()
    .trim()
    .regex(/^[A-Z]{1,5}-\d{1,6}$/, 'must look like CC-001'),
  phone: z
    .string()
    .trim()
    .regex(/^1[3-9]\d{9}$/, 'must be an 11-digit mainland mobile number'),
  termStart: dateTime(),
  termEnd: dateTime(),
  reason,
});
export const chiefTransitionInput = z.object({ id: id(), reason });
export const idArgs = z.object({ id: id() });

export const createSignboardInput = z.object({
  code: z
    .string()
    .trim()
    .regex(/^[A-Z0-9-]{2,20}$/, 'must be 2–20 capital letters, digits or dashes'),
  placeId: id(),
  location: line(100),
  scopePlaceId: id(),
});

export const recordTrainingInput = z.object({
  topic: z.enum(TRAINING_TOPICS),
  title: line(100),
  heldAt: dateTime(),
  trainer: line(50),
  chiefIds: z.array(id()).max(200, 'at most 200 chiefs'),
});
export const recordPatrolInput = z.object({
  streetId: id(),
  patrolledAt: dateTime(),
  route: line(500),
  findings: paragraph(2000),
  hazardCount: z.number().int().min(0, 'must not be negative').max(10_000, 'is too large'),
  requestCount: z.number().int().min(0, 'must not be negative').max(10_000, 'is too large'),
  needsAction: z.boolean(),
});
