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
