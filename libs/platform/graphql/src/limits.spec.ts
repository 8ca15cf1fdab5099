import { buildSchema, parse, validate } from 'graphql';
import { depthLimitRule } from './limits';
import { parsePage } from './validation';
import { encodeCursor } from '@sc/db';

const schema = buildSchema(`
  type Node { name: String, child: Node }
  type Query { node: Node }
`);
const depth = (q: string, max: number) =>
  validate(schema, parse(q), [depthLimitRule(max)]).map((e) => e.message);

describe('depthLimitRule', () => {
  it('accepts a query at the limit and refuses one past it', () => {
    expect(depth('{ node { child { name } } }', 3)).toEqual([]);
    expect(depth('{ node { child { child { name } } } }', 3)).toEqual([
      'Query is nested 4 levels deep; the limit is 3',
    ]);
  });

  it('follows fragments, including nested ones, and survives a fragment cycle', () => {
    const q = '{ node { ...A } } fragment A on Node { child { ...B } } fragment B on Node { child { name } }';
    expect(depth(q, 3)).toHaveLength(1);
    expect(depth(q, 4)).toEqual([]);
    const cyclic = '{ node { ...A } } fragment A on Node { child { ...A } }';
    expect(() => validate(schema, parse(cyclic), [depthLimitRule(5)])).not.toThrow();
  });

  it('does not count introspection', () => {
    expect(depth('{ __schema { types { fields { type { ofType { ofType { name } } } } } } }', 2)).toEqual([]);
  });
});

describe('parsePage', () => {
  it('defaults, bounds and decodes', () => {
    expect(parsePage({})).toEqual({ first: 20, afterKey: null });
    expect(parsePage({ first: 5, after: encodeCursor('k') })).toEqual({ first: 5, afterKey: 'k' });
    expect(() => parsePage({ first: 101 })).toThrow(
      expect.objectContaining({
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'first' }),
      }),
    );
    expect(() => parsePage({ first: -1 })).toThrow(/first must be between 0 and 100/);
    expect(() => parsePage({ after: '%%%' })).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ field: 'after' }) }),
    );
  });
});
