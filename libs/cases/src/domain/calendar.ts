/**
 * The working-day calendar every deadline uses (ADR 0017): Monday to Friday are working days,
 * except the public holidays of a year's table; the adjusted working days (调休上班) of the table
 * are working days although they fall on a weekend. Days are China's (UTC+8, no daylight saving):
 * a limit of N working days ends at 24:00 of the Nth working day after the day of the report.
 */

export type CalendarDayKind = 'HOLIDAY' | 'WORKDAY';

export interface CalendarDay {
  /** YYYY-MM-DD, China's date. */
  day: string;
  kind: CalendarDayKind;
  name: string;
}

/** China's offset from UTC; the country has one time zone and no daylight saving. */
export const CHINA_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** China's calendar date of an instant, YYYY-MM-DD. */
export function chinaDate(at: Date): string {
  return new Date(at.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** The instant 00:00 China time of a YYYY-MM-DD date. */
export function chinaMidnight(day: string): Date {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) - CHINA_OFFSET_MS);
}

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + DAY_MS).toISOString().slice(0, 10);
}

function weekday(day: string): number {
  return new Date(`${day}T00:00:00.000Z`).getUTCDay();
}

/** A calendar: the exceptions (holidays, adjusted working days) by date. */
export class WorkCalendar {
  private readonly exceptions: ReadonlyMap<string, CalendarDayKind>;

  constructor(days: readonly Pick<CalendarDay, 'day' | 'kind'>[]) {
    this.exceptions = new Map(days.map((d) => [d.day, d.kind]));
  }

  isWorkingDay(day: string): boolean {
    const exception = this.exceptions.get(day);
    if (exception === 'HOLIDAY') return false;
    if (exception === 'WORKDAY') return true;
    const w = weekday(day);
    return w !== 0 && w !== 6;
  }

  /** The instant `value` hours (wall clock) or working days after `from`. */
  add(from: Date, limit: { value: number; unit: 'HOURS' | 'WORKING_DAYS' }): Date {
    if (limit.unit === 'HOURS') return new Date(from.getTime() + limit.value * 3_600_000);
    let day = chinaDate(from);
    let left = limit.value;
    // Bounded: no year has more than a few weeks of holidays in a row.
    for (let guard = 0; left > 0 && guard < 10_000; guard++) {
      day = nextDay(day);
      if (this.isWorkingDay(day)) left--;
    }
    return chinaMidnight(nextDay(day));
  }

  /** Working days (whole) between two instants' China dates, `from` excluded, `to` included. */
  workingDaysBetween(from: Date, to: Date): number {
    let day = chinaDate(from);
    const end = chinaDate(to);
    let n = 0;
    for (let guard = 0; day < end && guard < 100_000; guard++) {
      day = nextDay(day);
      if (this.isWorkingDay(day)) n++;
    }
    return n;
  }
}

const range = (from: string, to: string, name: string): CalendarDay[] => {
  const out: CalendarDay[] = [];
  for (let d = from; d <= to; d = nextDay(d)) out.push({ day: d, kind: 'HOLIDAY', name });
  return out;
};
const work = (day: string, name: string): CalendarDay => ({ day, kind: 'WORKDAY', name: `${name}调休上班` });

/**
 * 2026: the State Council's holiday arrangement (国办发明电〔2025〕 notice on the 2026 holidays).
 * 2027: the statutory holidays (全国年节及纪念日放假办法, as amended in 2024) on their 2027 dates,
 * without the adjusted working days, which the State Council announces late in the previous year:
 * ADMIN replaces the table when the notice is out (see docs/services/cases.md).
 */
export const SEEDED_CALENDAR: readonly CalendarDay[] = [
  ...range('2026-01-01', '2026-01-03', '元旦'),
  work('2026-01-04', '元旦'),
  work('2026-02-14', '春节'),
  ...range('2026-02-15', '2026-02-23', '春节'),
  work('2026-02-28', '春节'),
  ...range('2026-04-04', '2026-04-06', '清明节'),
  ...range('2026-05-01', '2026-05-05', '劳动节'),
  work('2026-05-09', '劳动节'),
  ...range('2026-06-19', '2026-06-21', '端午节'),
  work('2026-09-20', '国庆节'),
  ...range('2026-09-25', '2026-09-27', '中秋节'),
  ...range('2026-10-01', '2026-10-07', '国庆节'),
  work('2026-10-10', '国庆节'),
  { day: '2027-01-01', kind: 'HOLIDAY', name: '元旦' },
  ...range('2027-02-05', '2027-02-08', '春节'),
  { day: '2027-04-05', kind: 'HOLIDAY', name: '清明节' },
  ...range('2027-05-01', '2027-05-02', '劳动节'),
  { day: '2027-06-09', kind: 'HOLIDAY', name: '端午节' },
  { day: '2027-09-15', kind: 'HOLIDAY', name: '中秋节' },
  ...range('2027-10-01', '2027-10-03', '国庆节'),
];

/** Years whose table is seeded. */
export const SEEDED_CALENDAR_YEARS = [2026, 2027] as const;
