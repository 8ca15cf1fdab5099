import { buildSchema, graphql, GraphQLError } from 'graphql';
import { DateScalar } from './scalars';
import { renamedField } from './inputs';
import { z } from 'zod';

describe('Date scalar (calendar dates, issue 15 §4)', () => {
  const schema = buildSchema('scalar Date\ntype Query { echo(day: Date!): Date! }');
  Object.assign(schema.getType('Date')!, {
    serialize: DateScalar.serialize,
    parseValue: DateScalar.parseValue,
    parseLiteral: DateScalar.parseLiteral,
  });
  const rootValue = { echo: ({ day }: { day: string }) => day };

  it('takes and gives YYYY-MM-DD, as a variable and inline', async () => {
    expect(DateScalar.parseValue('2026-02-28')).toBe('2026-02-28');
    expect(DateScalar.serialize('2026-11-25')).toBe('2026-11-25');
    expect(DateScalar.serialize(new Date('2026-11-25T08:30:00Z'))).toBe('2026-11-25');
    const inline = await graphql({ schema, source: '{ echo(day: "2024-02-29") }', rootValue });
    expect(inline).toEqual({ data: { echo: '2024-02-29' } });
    const variable = await graphql({
      schema,
      source: 'query($d: Date!) { echo(day: $d) }',
      variableValues: { d: '2026-01-01' },
      rootValue,
    });
    expect(variable).toEqual({ data: { echo: '2026-01-01' } });
  });

  it.each(['', 'not a date', '2026-02-30', '2026-13-01', '2026-1-5', '2026-01-01T00:00:00Z', ' 2026-01-01'])(
    'refuses %j with BAD_USER_INPUT',
    (bad) => {
      let caught: unknown;
      try {
        DateScalar.parseValue(bad);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(GraphQLError);
      expect((caught as GraphQLError).extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    },
  );

  it('refuses a number, inline or as a variable', async () => {
    expect(() => DateScalar.parseValue(20260101)).toThrow('Date must be a calendar date YYYY-MM-DD');
    const inline = await graphql({ schema, source: '{ echo(day: 20260101) }', rootValue });
    expect(inline.errors?.[0]?.message).toContain('Date must be a string YYYY-MM-DD');
  });

  it('will not answer something that is not a day', () => {
    expect(() => DateScalar.serialize('2026-02-30')).toThrow('not a calendar date');
  });
});

describe('renamedField (an input field renamed through a deprecation)', () => {
  const input = z
    .object({ date: z.string().nullish(), movedInOn: z.string().nullish() })
    .transform(({ date, movedInOn }, ctx) => ({
      date: renamedField(ctx, { current: 'movedInOn', deprecated: 'date' }, movedInOn, date),
    }));

  it('takes the new name, the deprecated one, or both when they agree', () => {
    expect(input.parse({ movedInOn: '2026-01-02' })).toEqual({ date: '2026-01-02' });
    expect(input.parse({ date: '2026-01-02' })).toEqual({ date: '2026-01-02' });
    expect(input.parse({ date: '2026-01-02', movedInOn: '2026-01-02' })).toEqual({ date: '2026-01-02' });
    expect(input.parse({})).toEqual({ date: undefined });
  });

  it('refuses the two names disagreeing, with the issue on the new name', () => {
    const result = input.safeParse({ date: '2026-01-02', movedInOn: '2026-01-03' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['movedInOn']);
  });
});
