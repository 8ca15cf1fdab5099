import { z } from 'zod';

/**
 * The platform's rules for text, ids and dates in every input, so that one field never accepts
 * what its neighbour refuses. Messages never echo the value (it may be personal data).
 */

// C0 and C1 control characters and DEL: NUL, ANSI escapes and the like never belong in stored text.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// The same, but line breaks and tabs are allowed (multi-line text such as notes and minutes).
// eslint-disable-next-line no-control-regex
const CONTROL_EXCEPT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
// A UTF-16 surrogate without its partner: not a character, and MySQL's utf8mb4 rejects it.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function textRule(max: number, min: number, control: RegExp) {
  return z
    .string({ message: 'must be a string' })
    .refine((v) => !LONE_SURROGATE.test(v), 'must be valid Unicode text (an unpaired surrogate was sent)')
    .transform((v) => v.normalize('NFC').trim())
    .pipe(
      z
        .string()
        .min(min, min <= 1 ? 'must not be empty' : `must have at least ${min} characters`)
        .max(max, `must be at most ${max} characters`)
        .refine((v) => !control.test(v), 'must not contain control characters'),
    );
}

/** One line of text (a name, a title, a reason): trimmed, NFC, 1..`max` characters, no control characters. */
export function line(max: number, min = 1) {
  return textRule(max, min, CONTROL);
}

/** Multi-line text (notes, findings, minutes): as {@link line}, but line breaks and tabs are kept; CRLF becomes LF. */
export function paragraph(max: number, min = 1) {
  return z
    .string({ message: 'must be a string' })
    .transform((v) => v.replace(/\r\n?/g, '\n'))
    .pipe(textRule(max, min, CONTROL_EXCEPT_LINES));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An entity id: a UUID (any version, upper case accepted and lowered). */
export function id() {
  return z
    .string({ message: 'must be an id' })
    .transform((v) => v.trim().toLowerCase())
    .refine((v) => UUID.test(v), 'is not a valid id (expected a UUID)');
}

/** Earliest and latest instants accepted by {@link dateTime} unless a field says otherwise. */
export const DATE_RANGE = { min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T23:59:59Z') };

/**
 * A point in time (from the DateTime scalar, already a Date) within a sane range: year 0000 or 9999
 * is a typing error, not a training date. Fields narrow the range where the domain does.
 */
export function dateTime(range: { min?: Date; max?: Date } = {}) {
  const min = range.min ?? DATE_RANGE.min;
  const max = range.max ?? DATE_RANGE.max;
  return z
    .date({ message: 'must be a date-time' })
    .refine((d) => !Number.isNaN(d.getTime()), 'must be a valid date-time')
    .refine(
      (d) => d.getTime() >= min.getTime() && d.getTime() <= max.getTime(),
      `must be between ${min.toISOString().slice(0, 10)} and ${max.toISOString().slice(0, 10)}`,
    );
}

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when `YYYY-MM-DD` names a real day of the Gregorian calendar (no 2026-02-30). */
export function isCalendarDate(value: string): boolean {
  const m = CALENDAR_DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** A calendar date `YYYY-MM-DD` (a real day, year 1900–2199), kept as the string. */
export function calendarDate() {
  return z
    .string({ message: 'must be a date YYYY-MM-DD' })
    .trim()
    .regex(CALENDAR_DATE, 'must be a date YYYY-MM-DD')
    .refine(isCalendarDate, 'must be a real date')
    .refine((v) => v >= '1900-01-01' && v <= '2199-12-31', 'must be between 1900-01-01 and 2199-12-31');
}

/**
 * An input field renamed through a deprecation (ADR 0045): `value` under the new name, `old` under the
 * deprecated one. Either may be given; both given must be equal, else an issue on the new name. Use it
 * in a `.transform((v, ctx) => …)` of the input object.
 */
export function renamedField<T>(
  ctx: z.RefinementCtx,
  names: { current: string; deprecated: string },
  value: T | null | undefined,
  old: T | null | undefined,
): T | undefined {
  if (value != null && old != null && value !== old) {
    ctx.addIssue({
      code: 'custom',
      path: [names.current],
      message: `differs from ${names.deprecated} (its deprecated name): give ${names.current} only`,
    });
  }
  return value ?? old ?? undefined;
}

/** An optional input: null and undefined both become undefined. */
export function optional<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((v) => v ?? undefined);
}

/** An optional input that the service wants as null when absent. */
export function nullable<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((v) => v ?? null);
}

/** An optional list: absent means empty. */
export function list<T extends z.ZodType>(item: T, max: number, what = 'items') {
  return z
    .array(item)
    .max(max, `at most ${max} ${what}`)
    .nullish()
    .transform((v) => v ?? []);
}
