import { z } from 'zod';
import { calendarDate, dateTime, id as platformId, line, paragraph, renamedField } from '@sc/graphql';
import { normalizeIdNumber, validateIdNumber } from '../domain/id-card';
import {
  HOUSINGS,
  INSPECTION_RESULTS,
  RELATIONSHIPS,
  RESIDENT_CATEGORIES,
  RESIDENT_NEEDS,
  RESIDENT_STATUSES,
  UNIT_KINDS,
} from '../entities';

// Text, ids and dates follow the platform's input rules (@sc/graphql inputs): trimmed, no control
// characters or unpaired surrogates, bounded by their columns.
const text = (max: number, min = 1) => line(max, min);
const id = platformId();
/** Today's date, the default of a move's or a household's day. */
const today = () => new Date().toISOString().slice(0, 10);
/** A date input renamed to a Date-typed field (issue 15 §4): the new name, or the deprecated string one. */
const someDay = calendarDate().nullish();

/** An ID-card number: normalised, then checksum, date and region checked; messages never echo it. */
export const idNumber = z
  .string()
  .transform((v) => normalizeIdNumber(v))
  .transform((v, ctx) => {
    const check = validateIdNumber(v);
    if (!check.ok) {
      ctx.addIssue({ code: 'custom', message: check.reason });
      return z.NEVER;
    }
    return { idNumber: v, birthDate: check.birthDate, gender: check.gender };
  });
export const phone = z
  .string()
  .trim()
  .regex(/^1\d{10}$/, 'must be an 11-digit mobile number');

// `entrance` (单元) is the address part once called `unit` (issue 15 §4: "unit" is 实有单位 elsewhere).
// Both names are accepted; both given must agree. Stored, as before, in the `unit` column.
const address = z
  .object({
    streetId: id,
    courtyardId: id.nullish().transform((v) => v ?? null),
    building: text(20, 0),
    entrance: text(20, 0).nullish(),
    unit: text(20, 0).nullish(),
    door: text(20),
  })
  .superRefine((a, ctx) => {
    if (a.entrance != null && a.unit != null && a.entrance !== a.unit) {
      ctx.addIssue({
        code: 'custom',
        path: ['entrance'],
        message: 'differs from unit (its deprecated name): give entrance only',
      });
    }
  })
  .transform(({ entrance, unit, ...parts }) => ({ ...parts, unit: entrance ?? unit ?? '' }));

export const moveInInput = z
  .object({
    idNumber,
    name: text(50),
    phone: phone.nullish().transform((v) => v ?? null),
    origin: text(50),
    category: z.enum(RESIDENT_CATEGORIES),
    address,
    householdId: id.nullish().transform((v) => v ?? null),
    relationship: z
      .enum(RELATIONSHIPS)
      .nullish()
      .transform((v) => v ?? null),
    newHousehold: z
      .object({
        housing: z.enum(HOUSINGS),
        landlordResidentId: id.nullish().transform((v) => v ?? null),
      })
      .nullish()
      .transform((v) => v ?? null),
    needs: z
      .array(z.enum(RESIDENT_NEEDS))
      .max(4)
      .nullish()
      .transform((v) => [...new Set(v ?? [])]),
    languages: z
      .array(text(20).pipe(z.string().regex(/^[^,]+$/, 'must not contain commas')))
      .max(4, 'at most 4 languages')
      .nullish()
      .transform((v) => v ?? []),
    date: someDay,
    movedInOn: someDay,
  })
  .refine((v) => !(v.householdId && v.newHousehold), {
    path: ['newHousehold'],
    message: 'give householdId or newHousehold, not both',
  })
  .transform(({ movedInOn, date, ...rest }, ctx) => ({
    ...rest,
    date: renamedField(ctx, { current: 'movedInOn', deprecated: 'date' }, movedInOn, date) ?? today(),
  }));

export const moveOutInput = z
  .object({ residentId: id, destination: text(50), date: someDay, movedOutOn: someDay })
  .transform(({ movedOutOn, date, ...rest }, ctx) => ({
    ...rest,
    date: renamedField(ctx, { current: 'movedOutOn', deprecated: 'date' }, movedOutOn, date) ?? today(),
  }));

export const changeHouseholdInput = z.object({
  residentId: id,
  householdId: id.nullish().transform((v) => v ?? null),
  relationship: z
    .enum(RELATIONSHIPS)
    .nullish()
    .transform((v) => v ?? 'OTHER'),
});

export const createHouseholdInput = z
  .object({
    address,
    headResidentId: id,
    housing: z.enum(HOUSINGS),
    landlordResidentId: id.nullish().transform((v) => v ?? null),
    entryDate: someDay,
    enteredOn: someDay,
  })
  .transform(({ enteredOn, entryDate, ...rest }, ctx) => ({
    ...rest,
    entryDate:
      renamedField(ctx, { current: 'enteredOn', deprecated: 'entryDate' }, enteredOn, entryDate) ?? today(),
  }));

const opt = <T extends z.ZodType>(t: T) => t.nullish().transform((v) => v ?? undefined);
/** A name prefix filter: empty or blank is no filter (what a cleared search box sends). */
const prefix = (max: number) =>
  line(max, 0)
    .nullish()
    .transform((v) => (v ? v : undefined));

export const residentFilter = z
  .object({
    streetId: opt(id),
    courtyardId: opt(id),
    addressId: opt(id),
    category: opt(z.enum(RESIDENT_CATEGORIES)),
    status: opt(z.enum(RESIDENT_STATUSES)),
    namePrefix: prefix(20),
    idNumber: opt(idNumber.transform((v) => v.idNumber)),
    phone: opt(phone),
    origin: opt(text(50)),
  })
  .nullish()
  .transform((v) => v ?? {});

export const householdFilter = z
  .object({ streetId: opt(id), courtyardId: opt(id), addressId: opt(id) })
  .nullish()
  .transform((v) => v ?? {});

export const statsScope = z
  .object({ streetId: opt(id), courtyardId: opt(id), gridId: opt(id) })
  .nullish()
  .transform((v) => v ?? {});

export const purpose = text(200);

export const unitFilter = z
  .object({ streetId: opt(id), kind: opt(z.enum(UNIT_KINDS)), namePrefix: prefix(20) })
  .nullish()
  .transform((v) => v ?? {});

export const registerUnitInput = z.object({
  name: text(100),
  kind: z.enum(UNIT_KINDS),
  licenceNumber: text(40)
    .pipe(z.string().regex(/^[0-9A-Z-]+$/, 'must be digits, capital letters or dashes'))
    .nullish()
    .transform((v) => v ?? null),
  contactName: text(50)
    .nullish()
    .transform((v) => v ?? null),
  contactPhone: phone.nullish().transform((v) => v ?? null),
  address,
});

export const recordInspectionInput = z
  .object({
    unitId: id,
    result: z.enum(INSPECTION_RESULTS),
    hazards: z.number().int().min(0, 'must not be negative').max(100, 'must be at most 100'),
    notes: paragraph(500, 0)
      .nullish()
      .transform((v) => v ?? ''),
    visitedAt: dateTime()
      .nullish()
      .transform((v) => v ?? new Date()),
  })
  .refine((v) => v.result === 'HAZARDS_FOUND' || v.hazards === 0, {
    path: ['hazards'],
    message: 'must be 0 when the result is PASSED',
  })
  .refine((v) => v.visitedAt.getTime() <= Date.now() + 60_000, {
    path: ['visitedAt'],
    message: 'must not be in the future',
  });

export const reportNeedsInput = z.object({
  residentId: id,
  needs: z.array(z.enum(RESIDENT_NEEDS)).transform((v) => [...new Set(v)]),
  languages: z
    .array(text(20).pipe(z.string().regex(/^[^,]+$/, 'must not contain commas')))
    .max(4, 'at most 4 languages')
    .nullish()
    .transform((v) => v ?? undefined),
});
