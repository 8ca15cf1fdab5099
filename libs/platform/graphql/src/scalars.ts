import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { isCalendarDate } from './inputs';

const validClock = (hms: string): boolean => {
  const [h, m, s] = hms.split(':').map(Number);
  return h !== undefined && m !== undefined && s !== undefined && h < 24 && m < 60 && s < 60;
};

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

function parseIso(value: unknown): Date {
  // Date.parse rolls 2026-02-30 over to March: the calendar part must name a real day.
  if (
    typeof value !== 'string' ||
    !ISO.test(value) ||
    Number.isNaN(Date.parse(value)) ||
    !isCalendarDate(value.slice(0, 10)) ||
    !validClock(value.slice(11, 19))
  ) {
    throw new GraphQLError('DateTime must be an ISO-8601 date-time with a time zone', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return new Date(value);
}

function parseCalendarDate(value: unknown): string {
  if (typeof value !== 'string' || !isCalendarDate(value)) {
    throw new GraphQLError('Date must be a calendar date YYYY-MM-DD', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return value;
}

/**
 * A calendar date `YYYY-MM-DD` (issue 15 §4), kept as that string inside the services (what TypeORM
 * reads from a `date` column). On output a Date is taken as its UTC day; anything but a real day is a
 * fault of ours. On input anything but a real day is BAD_USER_INPUT.
 */
export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'A calendar date, ISO 8601 `YYYY-MM-DD` (e.g. 2026-11-25)',
  serialize(value) {
    const day = value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
    if (!isCalendarDate(day))
      throw new GraphQLError('Date cannot represent a value that is not a calendar date');
    return day;
  },
  parseValue: parseCalendarDate,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) {
      throw new GraphQLError('Date must be a string YYYY-MM-DD', { extensions: { code: 'BAD_USER_INPUT' } });
    }
    return parseCalendarDate(ast.value);
  },
});

/** ISO-8601 date-time in UTC on output; any offset accepted on input. */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An ISO-8601 date-time, e.g. 2026-11-25T08:30:00.000Z',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime cannot represent an invalid date');
    return date.toISOString();
  },
  parseValue: parseIso,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) {
      throw new GraphQLError('DateTime must be a string', { extensions: { code: 'BAD_USER_INPUT' } });
    }
    return parseIso(ast.value);
  },
});
