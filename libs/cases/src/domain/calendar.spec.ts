import { SEEDED_CALENDAR, WorkCalendar, chinaDate } from './calendar';
import { TAXONOMY } from './taxonomy';

const calendar = new WorkCalendar(SEEDED_CALENDAR);

describe('the taxonomy data', () => {
  it('has the 9 categories and 29 items of DOMAIN.md, every code unique', () => {
    expect(TAXONOMY).toHaveLength(9);
    const items = TAXONOMY.flatMap((c) => c.items);
    expect(items).toHaveLength(29);
    expect(new Set(items.map((i) => i.code)).size).toBe(29);
    expect(TAXONOMY.find((c) => c.code === 'FIRE')).toMatchObject({
      respond: { value: 2, unit: 'HOURS' },
      resolve: { value: 24, unit: 'HOURS' },
      urgent: true,
    });
    expect(TAXONOMY.find((c) => c.code === 'ILLEGAL_BUILDING')?.resolve).toEqual({
      value: 15,
      unit: 'WORKING_DAYS',
    });
  });
});

describe('the working-day calendar', () => {
  it('knows weekends, public holidays and adjusted working days', () => {
    expect(calendar.isWorkingDay('2026-12-02')).toBe(true); // Wednesday
    expect(calendar.isWorkingDay('2026-12-05')).toBe(false); // Saturday
    expect(calendar.isWorkingDay('2026-10-05')).toBe(false); // 国庆节, a Monday
    expect(calendar.isWorkingDay('2026-10-10')).toBe(true); // Saturday worked (调休)
    expect(calendar.isWorkingDay('2027-02-08')).toBe(false); // 春节 2027
  });

  it('counts working days from the day after the report, ending at 24:00 China time', () => {
    // Monday 2026-11-30 10:00 China time + 5 working days → end of Monday 2026-12-07.
    expect(
      calendar.add(new Date('2026-11-30T02:00:00Z'), { value: 5, unit: 'WORKING_DAYS' }).toISOString(),
    ).toBe('2026-12-07T16:00:00.000Z');
    // Friday before the 2026 Spring Festival: Saturday 02-14 is worked, 02-15…02-23 are off.
    expect(
      calendar.add(new Date('2026-02-13T01:00:00Z'), { value: 3, unit: 'WORKING_DAYS' }).toISOString(),
    ).toBe('2026-02-25T16:00:00.000Z');
    // A report at 23:30 China time belongs to that China day, not the UTC one.
    expect(chinaDate(new Date('2026-12-01T15:30:00Z'))).toBe('2026-12-01');
  });

  it('counts hours on the wall clock, holidays included', () => {
    expect(calendar.add(new Date('2026-10-01T02:00:00Z'), { value: 24, unit: 'HOURS' }).toISOString()).toBe(
      '2026-10-02T02:00:00.000Z',
    );
  });

  it('counts working days between two instants', () => {
    expect(
      calendar.workingDaysBetween(new Date('2026-12-04T02:00:00Z'), new Date('2026-12-08T02:00:00Z')),
    ).toBe(2);
  });
});
