import type { DataSource, EntityManager } from 'typeorm';
import { hasRole, requireAuthenticated, type Principal } from '@sc/auth';
import { TaxonomyEvents } from '@sc/cases-contracts';
import { forUpdate, isUniqueViolation, transaction } from '@sc/db';
import type { EventContract, Outbox } from '@sc/events';
import { ConflictError, ForbiddenError, NotFoundError } from '@sc/graphql';
import type { CalendarDay, CalendarDayKind } from '../domain/calendar';
import type { Confirmation, DefaultAssignee, Limit } from '../domain/taxonomy';
import { CaseCategory, CaseItem, CaseItemVersion, WorkCalendarDay } from '../entities';
import { badInput } from './case.service';
import { resolveLimit, respondLimit, type TaxonomyService } from './taxonomy.service';

/** What an edit may change; an absent field keeps the value of the current version. */
export interface ItemChanges {
  name?: string;
  respondLimit?: Limit;
  resolveLimit?: Limit;
  confirmation?: Confirmation;
  defaultAssignee?: DefaultAssignee;
  urgent?: boolean;
  active?: boolean;
}
export interface ReviseItemInput extends ItemChanges {
  code: string;
  expectedVersion: number;
  reason: string;
}
export interface AddItemInput {
  categoryCode: string;
  code: string;
  name: string;
  respondLimit: Limit;
  resolveLimit: Limit;
  confirmation: Confirmation;
  defaultAssignee: DefaultAssignee;
  urgent?: boolean;
  reason: string;
}
export interface RetireItemInput {
  code: string;
  expectedVersion: number;
  reason: string;
}
export interface SetCalendarInput {
  year: number;
  days: { date: string; kind: CalendarDayKind; name: string }[];
  reason: string;
}
export interface RemoveCalendarDayInput {
  date: string;
  reason: string;
}

/** UNAUTHENTICATED without a token, FORBIDDEN for every role but ADMIN. */
export function requireAdmin(principal: Principal | null): Principal {
  const p = requireAuthenticated(principal);
  if (!hasRole(p, 'ADMIN'))
    throw new ForbiddenError('the taxonomy and the calendar are edited by ADMIN only');
  return p;
}

/**
 * ADMIN's edits of the taxonomy and the working-day calendar (ADR 0048). An item edit never updates
 * a version: it inserts the next one and moves `case_item.current_version` on, with the item row
 * locked and the caller's `expectedVersion` checked (CONFLICT when stale), so a filed case's item
 * version, and with it its deadlines, never change. Calendar edits replace rows of
 * `work_calendar_day`; deadlines are computed once, at accept, so only later accepts see them.
 * Every edit writes its event to the outbox in the same transaction.
 */
export class TaxonomyAdminService {
  constructor(
    private readonly ds: DataSource,
    private readonly outbox: Outbox,
    private readonly taxonomy: TaxonomyService,
    private readonly clock: () => Date = () => new Date(),
    private readonly committed: () => void = () => undefined,
  ) {}

  /** A new version of an item with the given changes; BAD_USER_INPUT when it changes nothing. */
  async revise(principal: Principal | null, input: ReviseItemInput): Promise<CaseItemVersion> {
    const p = requireAdmin(principal);
    return this.commit(() =>
      transaction(this.ds, async (m) => {
        const base = await this.lockedCurrent(m, input.code, input.expectedVersion);
        const next = this.nextVersion(base, input, p.subject, input.reason);
        if (sameContent(base, next)) throw badInput('input', 'changes nothing: give at least one new value');
        checkLimits(
          next,
          input.resolveLimit && !input.respondLimit
            ? 'resolve'
            : input.respondLimit && !input.resolveLimit
              ? 'respond'
              : 'both',
        );
        const event =
          base.active && !next.active
            ? TaxonomyEvents.taxonomyItemRetired
            : TaxonomyEvents.taxonomyItemRevised;
        return this.write(m, next, base.version, event);
      }),
    );
  }

  /** Retire an item: a new, inactive version. CONFLICT (currentState RETIRED) when already retired. */
  async retire(principal: Principal | null, input: RetireItemInput): Promise<CaseItemVersion> {
    const p = requireAdmin(principal);
    return this.commit(() =>
      transaction(this.ds, async (m) => {
        const base = await this.lockedCurrent(m, input.code, input.expectedVersion);
        if (!base.active) {
          throw new ConflictError(`taxonomy item ${input.code} is already retired`, {
            currentState: 'RETIRED',
          });
        }
        const next = this.nextVersion(base, { active: false }, p.subject, input.reason);
        return this.write(m, next, base.version, TaxonomyEvents.taxonomyItemRetired);
      }),
    );
  }

  /** A new item at the end of its category, version 1. NOT_FOUND category; CONFLICT for a taken code. */
  async add(principal: Principal | null, input: AddItemInput): Promise<CaseItemVersion> {
    const p = requireAdmin(principal);
    try {
      return await this.commit(() =>
        transaction(this.ds, async (m) => {
          await this.lockTaxonomy(m);
          const category = await m.getRepository(CaseCategory).findOneBy({ code: input.categoryCode });
          if (!category)
            throw new NotFoundError('taxonomy category', input.categoryCode, 'input.categoryCode');
          if (await m.getRepository(CaseItem).existsBy({ code: input.code })) {
            throw new ConflictError(`taxonomy item ${input.code} exists already (edit it instead)`, {
              field: 'input.code',
            });
          }
          const last = await m
            .getRepository(CaseItem)
            .createQueryBuilder('i')
            .select('MAX(i.sort)', 'max')
            .getRawOne<{ max: number | string | null }>();
          const version: CaseItemVersion = {
            itemCode: input.code,
            version: 1,
            categoryCode: category.code,
            name: input.name,
            respondLimit: input.respondLimit.value,
            respondUnit: input.respondLimit.unit,
            resolveLimit: input.resolveLimit.value,
            resolveUnit: input.resolveLimit.unit,
            confirmation: input.confirmation,
            defaultAssignee: input.defaultAssignee,
            urgent: input.urgent ?? false,
            active: true,
            actor: p.subject,
            reason: input.reason,
            createdAt: this.clock(),
          };
          checkLimits(version);
          await m.insert(CaseItem, {
            code: input.code,
            categoryCode: category.code,
            sort: Number(last?.max ?? 0) + 1,
            currentVersion: 1,
          });
          return this.write(m, version, null, TaxonomyEvents.taxonomyItemAdded);
        }),
      );
    } catch (error) {
      // Two adds of one code at once: the second's insert hits the primary key.
      if (isUniqueViolation(error)) {
        throw new ConflictError(`taxonomy item ${input.code} exists already (edit it instead)`, {
          field: 'input.code',
        });
      }
      throw error;
    }
  }

  /**
   * Replaces a year's table (holidays and adjusted working days) with `days` (empty: plain
   * Monday–Friday). The input is checked whole first (dates in the year, each date once, adjusted
   * working days on a weekend). Returns the year's table as stored.
   */
  async setCalendar(principal: Principal | null, input: SetCalendarInput): Promise<CalendarDay[]> {
    const p = requireAdmin(principal);
    checkCalendar(input);
    const at = this.clock();
    await this.commit(() =>
      transaction(this.ds, async (m) => {
        await this.lockTaxonomy(m);
        await m
          .createQueryBuilder()
          .delete()
          .from(WorkCalendarDay)
          .where('day >= :from AND day <= :to', { from: `${input.year}-01-01`, to: `${input.year}-12-31` })
          .execute();
        const rows = [...input.days]
          .sort((a, b) => (a.date < b.date ? -1 : 1))
          .map((d) => ({ day: d.date, kind: d.kind, name: d.name }));
        if (rows.length) await m.insert(WorkCalendarDay, rows);
        await this.outbox.add(
          m,
          TaxonomyEvents.workCalendarSet,
          `calendar:${input.year}`,
          {
            year: input.year,
            days: rows.map((r) => ({ date: r.day, kind: r.kind, name: r.name })),
            reason: input.reason,
            at: at.toISOString(),
            actor: p.subject,
          },
          { time: at },
        );
      }),
    );
    return this.taxonomy.calendarYear(input.year);
  }

  /** Removes one entry (that day becomes an ordinary day of its weekday); NOT_FOUND without one. */
  async removeCalendarDay(
    principal: Principal | null,
    input: RemoveCalendarDayInput,
  ): Promise<CalendarDay[]> {
    const p = requireAdmin(principal);
    const at = this.clock();
    const year = Number(input.date.slice(0, 4));
    await this.commit(() =>
      transaction(this.ds, async (m) => {
        await this.lockTaxonomy(m);
        const row = await m.getRepository(WorkCalendarDay).findOneBy({ day: input.date });
        if (!row) throw new NotFoundError('calendar entry', input.date, 'date');
        await m.delete(WorkCalendarDay, { day: input.date });
        await this.outbox.add(
          m,
          TaxonomyEvents.workCalendarDayRemoved,
          `calendar:${year}`,
          {
            year,
            removed: { date: row.day, kind: row.kind, name: row.name },
            reason: input.reason,
            at: at.toISOString(),
            actor: p.subject,
          },
          { time: at },
        );
      }),
    );
    return this.taxonomy.calendarYear(year);
  }

  /** Every version of an item, oldest first (ADMIN); NOT_FOUND for an unknown code. */
  async history(principal: Principal | null, code: string): Promise<CaseItemVersion[]> {
    requireAdmin(principal);
    const rows = await this.ds
      .getRepository(CaseItemVersion)
      .find({ where: { itemCode: code }, order: { version: 'ASC' } });
    if (rows.length === 0) throw new NotFoundError('taxonomy item', code, 'code');
    return rows;
  }

  // ---- internals ----

  /** The item's current version, its row locked; NOT_FOUND / CONFLICT (stale expectedVersion). */
  private async lockedCurrent(m: EntityManager, code: string, expected: number): Promise<CaseItemVersion> {
    const item = await forUpdate(
      m.getRepository(CaseItem).createQueryBuilder('i').where('i.code = :code', { code }),
    ).getOne();
    if (!item) throw new NotFoundError('taxonomy item', code, 'input.code');
    if (item.currentVersion !== expected) {
      throw new ConflictError(
        `taxonomy item ${code} is at version ${item.currentVersion}, not ${expected}: reload and edit again`,
        { currentVersion: item.currentVersion, field: 'input.expectedVersion' },
      );
    }
    const current = await m.getRepository(CaseItemVersion).findOneBy({ itemCode: code, version: expected });
    if (!current) throw new Error(`taxonomy item ${code} has no version ${expected}`);
    return current;
  }

  /**
   * Serializes the edits that have no row of their own to lock (adding an item, calendar years):
   * the first category row, locked until the transaction ends (SQLite: one writer anyway).
   */
  private async lockTaxonomy(m: EntityManager): Promise<void> {
    await forUpdate(
      m.getRepository(CaseCategory).createQueryBuilder('c').orderBy('c.sort', 'ASC').limit(1),
    ).getOne();
  }

  private nextVersion(
    base: CaseItemVersion,
    changes: ItemChanges,
    actor: string,
    reason: string,
  ): CaseItemVersion {
    return {
      ...base,
      version: base.version + 1,
      name: changes.name ?? base.name,
      respondLimit: changes.respondLimit?.value ?? base.respondLimit,
      respondUnit: changes.respondLimit?.unit ?? base.respondUnit,
      resolveLimit: changes.resolveLimit?.value ?? base.resolveLimit,
      resolveUnit: changes.resolveLimit?.unit ?? base.resolveUnit,
      confirmation: changes.confirmation ?? base.confirmation,
      defaultAssignee: changes.defaultAssignee ?? base.defaultAssignee,
      urgent: changes.urgent ?? base.urgent,
      active: changes.active ?? base.active,
      actor,
      reason,
      createdAt: this.clock(),
    };
  }

  private async write(
    m: EntityManager,
    v: CaseItemVersion,
    previousVersion: number | null,
    event: EventContract<ItemEventData>,
  ): Promise<CaseItemVersion> {
    // A copy: TypeORM merges the raw values of defaulted columns back into what it inserts (1 for `active`).
    await m.insert(CaseItemVersion, { ...v });
    await m.update(CaseItem, { code: v.itemCode }, { currentVersion: v.version });
    await this.outbox.add(
      m,
      event,
      v.itemCode,
      {
        itemCode: v.itemCode,
        version: v.version,
        previousVersion,
        categoryCode: v.categoryCode,
        name: v.name,
        respondLimit: respondLimit(v),
        resolveLimit: resolveLimit(v),
        confirmation: v.confirmation,
        defaultAssignee: v.defaultAssignee,
        urgent: v.urgent,
        active: v.active,
        reason: v.reason,
        at: v.createdAt.toISOString(),
        actor: v.actor,
      },
      { time: v.createdAt },
    );
    return v;
  }

  private async commit<T>(work: () => Promise<T>): Promise<T> {
    const result = await work();
    this.committed();
    return result;
  }
}

type ItemEventData = typeof TaxonomyEvents.taxonomyItemRevised extends EventContract<infer D> ? D : never;

const CONTENT: (keyof CaseItemVersion)[] = [
  'name',
  'respondLimit',
  'respondUnit',
  'resolveLimit',
  'resolveUnit',
  'confirmation',
  'defaultAssignee',
  'urgent',
  'active',
];
const sameContent = (a: CaseItemVersion, b: CaseItemVersion): boolean => CONTENT.every((k) => a[k] === b[k]);

/** Upper bounds of a limit: a month of hours, a quarter of working days. */
export const MAX_LIMIT = { HOURS: 720, WORKING_DAYS: 60 } as const;

/**
 * The respond limit may not end after the resolve limit: both in hours or both in working days,
 * respond ≤ resolve; respond in working days with resolve in hours is refused (a day outlasts any
 * hour count below 24 and the two are not comparable in general). Respond in hours with resolve in
 * working days is the usual shape (24 h / 3 working days).
 */
function checkLimits(v: CaseItemVersion, changed: 'respond' | 'resolve' | 'both' = 'both'): void {
  for (const [field, value, unit] of [
    ['input.respondLimit.value', v.respondLimit, v.respondUnit],
    ['input.resolveLimit.value', v.resolveLimit, v.resolveUnit],
  ] as const) {
    if (value > MAX_LIMIT[unit])
      throw badInput(field, `must be at most ${MAX_LIMIT[unit]} ${unit.toLowerCase()}`);
  }
  // Name the limit the caller gave (an edit of the resolve limit alone is refused on that field).
  const onResolve = changed === 'resolve';
  if (v.respondUnit === v.resolveUnit && v.respondLimit > v.resolveLimit) {
    throw onResolve
      ? badInput('input.resolveLimit.value', 'must not be below the respond limit')
      : badInput('input.respondLimit.value', 'must not exceed the resolve limit');
  }
  if (v.respondUnit === 'WORKING_DAYS' && v.resolveUnit === 'HOURS') {
    throw onResolve
      ? badInput('input.resolveLimit.unit', 'must be WORKING_DAYS while the respond limit is in working days')
      : badInput('input.respondLimit.unit', 'must be HOURS when the resolve limit is in hours');
  }
}

function checkCalendar(input: SetCalendarInput): void {
  const seen = new Map<string, number>();
  input.days.forEach((d, i) => {
    const field = `input.days.${i}.date`;
    if (Number(d.date.slice(0, 4)) !== input.year) throw badInput(field, `is not in ${input.year}`);
    const first = seen.get(d.date);
    if (first !== undefined) {
      throw badInput(
        field,
        `is listed twice (also input.days.${first}): a day is a holiday or a working day`,
      );
    }
    seen.set(d.date, i);
    const weekday = new Date(`${d.date}T00:00:00.000Z`).getUTCDay();
    if (d.kind === 'WORKDAY' && weekday !== 0 && weekday !== 6) {
      throw badInput(`input.days.${i}.kind`, 'WORKDAY (调休上班) must fall on a Saturday or Sunday');
    }
  });
}
