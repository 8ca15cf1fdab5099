import { z } from 'zod';
import { ROLES } from '@sc/auth';

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
