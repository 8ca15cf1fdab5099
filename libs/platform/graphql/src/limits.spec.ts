import {
  buildSchema,
  Kind,
  parse,
  validate,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';
import { DEFAULT_LIMITS, depthLimitRule, estimateCost } from './limits';
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

  it('measures a document that spreads fragments everywhere in linear time (it used to take hours)', () => {
    // 12 levels of 30 aliases, each spreading the next level's fragment: 30^11 paths, 7 KB of text.
    const q = fragmentBomb(12, 30, 'child');
    expect(depth(q, 12)).toEqual(['Query is nested 13 levels deep; the limit is 12']);
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

/** `{ node { ...F0 } }` where each fragment has `width` aliases of `field` spreading the next one. */
function fragmentBomb(levels: number, width: number, field: string, args = ''): string {
  let doc = `{ node { ...F0 } }\n`;
  for (let l = 0; l < levels; l++) {
    const body =
      l === levels - 1
        ? 'name'
        : Array.from({ length: width }, (_, i) => `a${i}: ${field}${args} { ...F${l + 1} }`).join(' ');
    doc += `fragment F${l} on Node { ${body} }\n`;
  }
  return doc;
}

describe('estimateCost', () => {
  const costSchema = buildSchema(`
    type Item { name: String, owner: Person, tags: [Tag!]! }
    type Tag { label: String }
    type Person { name: String, items(first: Int): ItemConnection! }
    type ItemEdge { node: Item! }
    type ItemConnection { totalCount: Int!, nodes: [Item!]!, edges: [ItemEdge!]! }
    type Node { name: String, child: Node, children(first: Int = 5): [Node!]! }
    scalar _Any
    union _Entity = Item | Person
    type Query {
      items(first: Int, last: Int): ItemConnection!
      person: Person
      node: Node
      _entities(representations: [_Any!]!): [_Entity]!
    }
  `);
  const cost = (q: string, variables?: Record<string, unknown>) => {
    const doc = parse(q);
    expect(validate(costSchema, doc)).toEqual([]);
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    const op = doc.definitions.find(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    )!;
    return estimateCost(costSchema, fragments, op, variables);
  };

  it('counts each object of the answer: a page holds `first` items, scalars are free', () => {
    expect(cost('{ items(first: 100) { totalCount } }')).toBe(1);
    expect(cost('{ items(first: 100) { nodes { name } } }')).toBe(101);
    expect(cost('{ items(first: 100) { nodes { name owner { name } } } }')).toBe(201);
    expect(cost('{ items(first: 100) { edges { node { name } } } }')).toBe(201);
  });

  it('counts a backward page by `last`', () => {
    expect(cost('{ items(last: 100) { nodes { name } } }')).toBe(101);
    expect(cost('query($n: Int) { items(last: $n) { nodes { name } } }', { n: 50 })).toBe(51);
  });

  it('uses the default page size without `first`, and a variable’s value where given', () => {
    expect(cost('{ items { nodes { name } } }')).toBe(21);
    expect(cost('query($n: Int) { items(first: $n) { nodes { name } } }', { n: 7 })).toBe(8);
    expect(cost('query($n: Int) { items(first: $n) { nodes { name } } }', {})).toBe(21);
    expect(cost('query($n: Int = 3) { items(first: $n) { nodes { name } } }', {})).toBe(4);
    expect(cost('{ node { children { name } } }')).toBe(6); // the argument's own default
  });

  it('multiplies nested pages: 10 people × 50 items', () => {
    expect(cost('{ items(first: 10) { nodes { owner { items(first: 50) { nodes { name } } } } } }')).toBe(
      1 + 10 * (1 + 1 * (1 + 1 * (1 + 50))),
    );
  });

  it('assumes 10 items for a list without `first`, and counts `_entities` by its representations', () => {
    expect(cost('{ items(first: 2) { nodes { tags { label } } } }')).toBe(1 + 2 * (1 + 10));
    expect(
      cost('query($r: [_Any!]!) { _entities(representations: $r) { ... on Item { name owner { name } } } }', {
        r: Array.from({ length: 40 }, (_, i) => ({ __typename: 'Item', id: String(i) })),
      }),
    ).toBe(40 * 2);
  });

  it('counts aliases separately, and a field repeated under one key once', () => {
    const aliases = Array.from({ length: 300 }, (_, i) => `a${i}: items(first: 100) { nodes { name } }`);
    expect(cost(`{ ${aliases.join(' ')} }`)).toBe(30_300);
    expect(cost(`{ ${aliases.join(' ')} }`)).toBeGreaterThan(DEFAULT_LIMITS.maxCost);
    expect(cost('{ items(first: 5) { nodes { name } } items(first: 5) { nodes { owner { name } } } }')).toBe(
      11,
    );
  });

  it('follows fragments, once each, so a fragment bomb is estimated fast and high', () => {
    expect(
      cost(
        '{ items(first: 4) { ...Page } } fragment Page on ItemConnection { nodes { ...I } } fragment I on Item { owner { name } }',
      ),
    ).toBe(1 + 4 + 4);
    const bomb = fragmentBomb(12, 30, 'children', '(first: 1)');
    expect(validate(costSchema, parse(bomb))).toEqual([]);
    const doc = parse(bomb);
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    const op = doc.definitions[0] as OperationDefinitionNode;
    expect(estimateCost(costSchema, fragments, op, {})).toBeGreaterThan(30 ** 10);
  });
});
