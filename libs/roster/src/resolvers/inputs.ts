import { z } from 'zod';
import { ROLES } from '@sc/auth';
import { TRAINING_TOPICS } from '../entities/activity.entity';

/** Place names as people write them on signboards: trimmed, 1–50 characters, no control characters. */
export const placeName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(50, 'must be at most 50 characters')
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters');

const id = z.string().trim().min(1, 'must not be empty').max(36, 'is not a valid id');

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
export const createResidentGroupInput = z.object({ communityId: id, name: placeName });
export const createStreetInput = z.object({ residentGroupId: id, name: placeName });
export const createCourtyardInput = z.object({ streetId: id, name: placeName });
export const renamePlaceInput = z.object({ id, name: placeName });
export const retirePlaceInput = z.object({
  id,
  reason: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
});

export const createAccountInput = z.object({
  username: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._-]{3,40}$/, 'must be 3–40 letters, digits, dots, dashes or underscores'),
  displayName: z.string().trim().min(1, 'must not be empty').max(50, 'must be at most 50 characters'),
  password: z.string().min(12, 'must be at least 12 characters').max(200, 'must be at most 200 characters'),
  roles: z.array(z.enum(ROLES)).min(1, 'needs at least one role'),
  scopes: z
    .array(z.string().regex(/^[a-z-]+:[A-Za-z0-9._-]{1,64}$/, 'must look like kind:id, e.g. grid:1234'))
    .nullish()
    .transform((v) => v ?? []),
});

export const loginInput = z.object({
  username: z.string().trim().min(1, 'must not be empty').max(40, 'is too long'),
  password: z.string().min(1, 'must not be empty').max(200, 'is too long'),
});

const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const reason = text(500);
const date = z.date({ message: 'must be a date-time' });

export const createGridInput = z
  .object({
    name: placeName,
    streetIds: z.array(id).max(200, 'at most 200 streets'),
    courtyardIds: z
      .array(id)
      .max(500, 'at most 500 courtyards')
      .nullish()
      .transform((v) => v ?? []),
    reason: text(200),
  })
  .refine((v) => v.streetIds.length + v.courtyardIds.length > 0, {
    message: 'needs at least one street or courtyard',
    path: ['streetIds'],
  });
export const setGridPlacesInput = z.object({
  id,
  streetIds: z.array(id).max(200, 'at most 200 streets'),
  courtyardIds: z
    .array(id)
    .max(500, 'at most 500 courtyards')
    .nullish()
    .transform((v) => v ?? []),
  reason: text(200),
});

export const nominateChiefInput = z.object({
  residentId: id,
  name: placeName,
  nominatorResidentId: id.nullish(),
  reason,
});
export const vetChiefInput = z.object({
  id,
  passed: z.boolean(),
  reason,
  visitNotes: text(2000),
  opinions: z
    .array(text(500))
    .max(50, 'at most 50 opinions')
    .nullish()
    .transform((v) => v ?? []),
});
export const fileChiefInput = z.object({
  id,
  filedOn: date,
  documentNumber: text(50),
  reason,
});
export const appointChiefInput = z.object({
  id,
  gridId: id,
  badge: z
    .string()
    .trim()
    .regex(/^[A-Z]{1,5}-\d{1,6}$/, 'must look like CC-001'),
  phone: z
    .string()
    .trim()
    .regex(/^1[3-9]\d{9}$/, 'must be an 11-digit mainland mobile number'),
  termStart: date,
  termEnd: date,
  reason,
});
export const chiefTransitionInput = z.object({ id, reason });

export const createSignboardInput = z.object({
  code: z
    .string()
    .trim()
    .regex(/^[A-Z0-9-]{2,20}$/, 'must be 2–20 capital letters, digits or dashes'),
  placeId: id,
  location: text(100),
  scopePlaceId: id,
});

export const recordTrainingInput = z.object({
  topic: z.enum(TRAINING_TOPICS),
  title: text(100),
  heldAt: date,
  trainer: text(50),
  chiefIds: z.array(id).max(200, 'at most 200 chiefs'),
});
export const recordPatrolInput = z.object({
  streetId: id,
  patrolledAt: date,
  route: text(500),
  findings: text(2000),
  hazardCount: z.number().int().min(0, 'must not be negative').max(10_000, 'is too large'),
  requestCount: z.number().int().min(0, 'must not be negative').max(10_000, 'is too large'),
  needsAction: z.boolean(),
});
