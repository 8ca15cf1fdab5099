import { z } from 'zod';
import { CAMPAIGN_TARGET_NAMES, CASE_CHANNELS, CASE_OUTCOMES, CASE_STATES } from '@sc/cases-contracts';
import { calendarDate, id, line, optional, paragraph, renamedField } from '@sc/graphql';

/** The edge rules of every cases input (zod); a refused input writes nothing. */

const version = z
  .number({ message: 'must be a number' })
  .int('must be an integer')
  .min(1, 'must be at least 1');
const code = z
  .string({ message: 'must be a code' })
  .trim()
  .regex(/^[A-Z][A-Z0-9_]{1,39}$/, 'is not a taxonomy code (e.g. FIRE_EXIT_BLOCKED)');
const reason = line(500);

export const geoPoint = z.object({
  latitude: z
    .number({ message: 'must be a number' })
    .finite('must be a number')
    .min(-90, 'must be −90 to 90')
    .max(90, 'must be −90 to 90'),
  longitude: z
    .number({ message: 'must be a number' })
    .finite('must be a number')
    .min(-180, 'must be −180 to 180')
    .max(180, 'must be −180 to 180'),
});

export const reportCaseInput = z.object({
  channel: z.enum(CASE_CHANNELS),
  itemCode: optional(code),
  streetId: id(),
  courtyardId: optional(id()),
  spot: line(200),
  location: optional(geoPoint),
  description: paragraph(2000),
  reporterResidentId: optional(id()),
  externalNumber: optional(
    z
      .string({ message: 'must be a string' })
      .trim()
      .regex(/^[A-Za-z0-9-]{1,40}$/, 'must be 1–40 letters, digits or hyphens'),
  ),
  evidenceIds: optional(z.array(id()).max(10, 'at most 10 photos')),
});

export const caseActionInput = z.object({ id: id(), version, reason });

export const acceptCaseInput = z.object({
  id: id(),
  version,
  itemCode: optional(code),
  reason: optional(reason),
});

export const assignCaseInput = z.object({
  id: id(),
  version,
  kind: optional(z.enum(['CHIEF', 'STAFF', 'DEPARTMENT', 'TOWN'])),
  chiefId: optional(id()),
  name: optional(line(60)),
  reason: optional(reason),
});

export const resolveCaseInput = z.object({
  id: id(),
  version,
  outcome: z.enum(CASE_OUTCOMES),
  referredTo: optional(line(60)),
  resolution: paragraph(2000),
  evidenceIds: optional(z.array(id()).max(10, 'at most 10 photos')),
});

export const escalateCaseInput = z.object({
  id: id(),
  version,
  level: optional(z.enum(['NONE', 'TOWN', 'COUNTY'])),
  reason,
});

export const rateCaseInput = z.object({
  id: id(),
  version,
  rating: z
    .number({ message: 'must be a number' })
    .int('must be an integer')
    .min(1, 'must be 1–5')
    .max(5, 'must be 1–5'),
  comment: optional(line(500)),
});

export const markDuplicateInput = z.object({ id: id(), version, originalId: id(), reason });

export const addCaseNoteInput = z.object({
  id: id(),
  visibility: z.enum(['PUBLIC', 'INTERNAL']),
  body: paragraph(2000),
});

export const caseFilter = z
  .object({
    states: optional(z.array(z.enum(CASE_STATES)).max(10)),
    streetId: optional(id()),
    gridId: optional(id()),
    categoryCode: optional(code),
    itemCode: optional(code),
    channel: optional(z.enum(CASE_CHANNELS)),
    overdue: optional(z.boolean()),
  })
  .nullish()
  .transform((v) => v ?? {});

export const year = z
  .number()
  .int('must be an integer')
  .min(2000, 'must be 2000–2100')
  .max(2100, 'must be 2000–2100');

const month = z
  .string({ message: 'must be a month YYYY-MM' })
  .regex(/^(19|20|21)\d\d-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM');

export const ledgerArgs = z
  .object({
    scope: z.object({ kind: z.enum(['COMMUNITY', 'STREET', 'GRID', 'CHIEF']), id: id() }),
    fromMonth: month,
    toMonth: month,
    groupBy: optional(z.array(z.enum(['CATEGORY', 'ITEM', 'MONTH'])).max(3)),
  })
  .refine((a) => a.fromMonth <= a.toMonth, { message: 'must not be after toMonth', path: ['fromMonth'] });

/** A required day under its Date-typed name or its deprecated string one (issue 15 §4). */
function requiredDay(
  ctx: z.RefinementCtx,
  names: { current: string; deprecated: string },
  value: string | null | undefined,
  old: string | null | undefined,
): string {
  const day = renamedField(ctx, names, value, old);
  if (day === undefined) {
    ctx.addIssue({ code: 'custom', path: [names.current], message: 'is required' });
    return z.NEVER;
  }
  return day;
}

export const createCampaignInput = z
  .object({
    name: line(60),
    scopeKind: z.enum(['COMMUNITY', 'STREET', 'GRID']),
    scopeId: id(),
    startsOn: calendarDate().nullish(),
    endsOn: calendarDate().nullish(),
    firstDay: calendarDate().nullish(),
    lastDay: calendarDate().nullish(),
    targets: z
      .array(
        z.object({
          name: z.enum(CAMPAIGN_TARGET_NAMES),
          goal: z
            .number({ message: 'must be a number' })
            .int('must be an integer')
            .min(1, 'must be 1–1,000,000')
            .max(1_000_000, 'must be 1–1,000,000'),
        }),
      )
      .min(1, 'must have at least one target')
      .max(CAMPAIGN_TARGET_NAMES.length, `at most ${CAMPAIGN_TARGET_NAMES.length} targets`),
  })
  .transform(({ firstDay, lastDay, startsOn, endsOn, ...rest }, ctx) => ({
    ...rest,
    startsOn: requiredDay(ctx, { current: 'firstDay', deprecated: 'startsOn' }, firstDay, startsOn),
    endsOn: requiredDay(ctx, { current: 'lastDay', deprecated: 'endsOn' }, lastDay, endsOn),
    lastDayField: lastDay != null ? 'input.lastDay' : 'input.endsOn',
  }));

export const recordCampaignActionInput = z
  .object({
    campaignId: id(),
    target: z.enum(CAMPAIGN_TARGET_NAMES),
    quantity: z
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be 1–500')
      .max(500, 'must be 1–500')
      .nullish()
      .transform((v) => v ?? 1),
    streetId: id(),
    courtyardId: optional(id()),
    day: calendarDate().nullish(),
    date: calendarDate().nullish(),
    note: optional(line(200)),
  })
  .transform(({ date, day, ...rest }, ctx) => ({
    ...rest,
    day: renamedField(ctx, { current: 'date', deprecated: 'day' }, date, day),
    dayField: day != null && date == null ? 'input.day' : 'input.date',
  }));
// ---- intake (h-cases-intake) ----
export const similarArgs = z.object({
  itemCode: code,
  streetId: id(),
  courtyardId: optional(id()),
  location: optional(geoPoint),
  first: optional(z.number().int('must be an integer').min(1, 'must be 1–20').max(20, 'must be 1–20')),
});

export const correctCaseInput = z.object({
  id: id(),
  version,
  itemCode: optional(code),
  streetId: optional(id()),
  courtyardId: id().nullish(),
  spot: optional(line(200)),
  location: geoPoint.nullish(),
  recomputeDeadlines: optional(z.boolean()),
  reason,
});

export const addToResolvedCaseInput = z.object({ id: id(), version, addition: paragraph(2000) });
export const attachCaseEvidenceInput = z.object({
  caseId: id(),
  evidenceIds: z.array(id()).min(1, 'at least one photo').max(10, 'at most 10 photos'),
  phase: z.enum(['BEFORE', 'AFTER']),
  public: optional(z.boolean()),
});
// ---- end intake ----

/** Open311 (ADR 0042): a new client system. */
export const createOpen311ClientInput = z.object({
  name: line(80),
  ratePerMinute: optional(
    z.number({ message: 'must be a number' }).int('must be an integer').min(1).max(10_000),
  ),
});
export const open311ClientId = id();

// ---- taxonomy editing (ADR 0048) ----
const itemCode = code;
const itemName = line(40);
const editReason = line(200);
const timeLimit = z.object({
  value: z.number({ message: 'must be a number' }).int('must be an integer').min(1, 'must be at least 1'),
  unit: z.enum(['HOURS', 'WORKING_DAYS']),
});
const confirmationKind = z.enum(['RATING', 'RECTIFICATION_CHECK']);
const assigneeKind = z.enum(['GRID_CHIEF', 'COMMUNITY_STAFF']);
export const reviseTaxonomyItemInput = z.object({
  code: itemCode,
  expectedVersion: version,
  name: optional(itemName),
  respondLimit: optional(timeLimit),
  resolveLimit: optional(timeLimit),
  confirmation: optional(confirmationKind),
  defaultAssignee: optional(assigneeKind),
  urgent: optional(z.boolean()),
  active: optional(z.boolean()),
  reason: editReason,
});
export const addTaxonomyItemInput = z.object({
  categoryCode: z
    .string({ message: 'must be a code' })
    .trim()
    .regex(/^[A-Z][A-Z0-9_]{1,29}$/, 'is not a category code (e.g. FIRE)'),
  code: itemCode,
  name: itemName,
  respondLimit: timeLimit,
  resolveLimit: timeLimit,
  confirmation: confirmationKind,
  defaultAssignee: assigneeKind,
  urgent: optional(z.boolean()),
  reason: editReason,
});
export const retireTaxonomyItemInput = z.object({
  code: itemCode,
  expectedVersion: version,
  reason: editReason,
});
export const setWorkingCalendarInput = z.object({
  year,
  days: z
    .array(z.object({ date: calendarDate(), kind: z.enum(['HOLIDAY', 'WORKDAY']), name: line(30) }))
    .max(100, 'at most 100 entries'),
  reason: editReason,
});
export const calendarDay = calendarDate();
export const taxonomyCode = itemCode;
export { editReason };
