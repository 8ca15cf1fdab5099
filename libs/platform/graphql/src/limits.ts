import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isCompositeType,
  isLeafType,
  isListType,
  isObjectType,
  isInputType,
  isInterfaceType,
  Kind,
  typeFromAST,
  valueFromAST,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import { DEFAULT_PAGE_SIZE } from '@sc/db/cursors';

export interface QueryLimits {
  /** Deepest field nesting allowed (introspection is not counted). */
  maxDepth: number;
  /** Most lexical tokens in one document: bounds parser work before validation even starts. */
  maxTokens: number;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** Highest estimated cost (objects the answer holds, see {@link estimateCost}) of one operation. */
  maxCost: number;
}

export const DEFAULT_LIMITS: QueryLimits = {
  maxDepth: 12,
  maxTokens: 5_000,
  maxBodyBytes: 1_000_000,
  maxCost: 10_000,
};

/** A validation rule that refuses operations nested deeper than `maxDepth` (fragments followed). */
export function depthLimitRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    }
    // A fragment's depth, once: without it a small document that spreads fragments in many places
    // (each spreading the next) takes exponential time here.
    const fragmentDepth = new Map<string, number>();
    const depthOf = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
      if (!set) return 0;
      let deepest = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          if (sel.name.value.startsWith('__')) continue;
          deepest = Math.max(deepest, sel.selectionSet ? 1 + depthOf(sel.selectionSet, seen) : 1);
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(sel.selectionSet, seen));
        } else {
          const name = sel.name.value;
          const fragment = fragments.get(name);
          if (!fragment || seen.has(name)) continue; // unknown or cyclic: other rules report it
          let depth = fragmentDepth.get(name);
          if (depth === undefined) {
            depth = depthOf(fragment.selectionSet, new Set(seen).add(name));
            fragmentDepth.set(name, depth);
          }
          deepest = Math.max(deepest, depth);
        }
      }
      return deepest;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, new Set());
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`Query is nested ${depth} levels deep; the limit is ${maxDepth}`, {
              nodes: [node],
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
            }),
          );
        }
      },
    };
  };
}

export interface CostOptions {
  /** Page size assumed for a paged field queried without `first`: the servers' default. */
  defaultPageSize?: number;
  /** Length assumed for a list without `first` (household members, statistics rows). */
  unpagedListSize?: number;
}

/**
 * Estimates how many objects an operation's answer holds — a proxy for the rows the services read
 * and the work they do. Every object-typed field counts once per parent object; a list counts its
 * length, where the length of a paged field's lists (`nodes`, `edges`) is its `first` (or `last`) argument (the
 * default page size when omitted), a federation `_entities` list is as long as its representations,
 * and any other list is assumed to hold `unpagedListSize` items. Scalars cost nothing (they come with
 * their object). So `{ residents(first: 100) { nodes { name street { name } } } }` costs 1 + 100 +
 * 100 = 201, and 300 aliases of it cost 60,300. Aliases count separately; `@skip`/`@include` are not
 * evaluated (the estimate may only be too high). Variables are read where given, so `first: $n`
 * counts what the client asked for.
 */
export function estimateCost(
  schema: GraphQLSchema,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | undefined,
  options: CostOptions = {},
): number {
  const defaultPageSize = options.defaultPageSize ?? DEFAULT_PAGE_SIZE;
  const unpagedListSize = options.unpagedListSize ?? 10;
  // The operation's own defaults count for variables the request leaves out.
  const vars: Record<string, unknown> = { ...variables };
  for (const def of operation.variableDefinitions ?? []) {
    const name = def.variable.name.value;
    const type = typeFromAST(schema, def.type);
    if (def.defaultValue && !Object.hasOwn(vars, name) && type && isInputType(type)) {
      vars[name] = valueFromAST(def.defaultValue, type);
    }
  }
  // A fragment's cost per parent object, by fragment, parent type and page size: without it a
  // document that spreads the same fragments in many places costs exponential time to estimate.
  const memo = new Map<string, number>();

  const numberArg = (field: GraphQLField<unknown, unknown>, node: FieldNode, name: string) => {
    const def = field.args.find((a) => a.name === name);
    if (!def) return undefined;
    const arg = node.arguments?.find((a) => a.name.value === name);
    const value: unknown = arg ? valueFromAST(arg.value, def.type, vars) : def.defaultValue;
    return value;
  };

  /** Cost of (merged) selection sets for ONE parent object of `parentType`. */
  const costOf = (
    sets: readonly SelectionSetNode[],
    parentType: GraphQLCompositeType,
    pageSize: number | undefined,
  ): number => {
    let total = 0;
    // Fields with one response key are merged by execution: count them once, with all sub-selections.
    const groups = new Map<string, { type: GraphQLCompositeType; nodes: FieldNode[] }>();
    const collect = (s: SelectionSetNode, type: GraphQLCompositeType) => {
      for (const sel of s.selections) {
        if (sel.kind === Kind.FIELD) {
          const key = `${type.name}.${sel.alias?.value ?? sel.name.value}`;
          const group = groups.get(key);
          if (group) group.nodes.push(sel);
          else groups.set(key, { type, nodes: [sel] });
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          const cond = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
          if (cond && isCompositeType(cond)) collect(sel.selectionSet, cond);
        } else {
          const name = sel.name.value;
          const fragment = fragments.get(name);
          if (!fragment) continue; // unknown: validation reports it
          const cond = schema.getType(fragment.typeCondition.name.value);
          if (!cond || !isCompositeType(cond)) continue;
          const memoKey = `${name}|${type.name}|${pageSize ?? ''}`;
          let cost = memo.get(memoKey);
          if (cost === undefined) {
            memo.set(memoKey, 0); // a cycle through here counts nothing more
            cost = costOf([fragment.selectionSet], cond, pageSize);
            memo.set(memoKey, cost);
          }
          total += cost;
        }
      }
    };
    for (const set of sets) collect(set, parentType);
    for (const { type, nodes } of groups.values()) {
      const [first] = nodes;
      if (!first || first.name.value.startsWith('__')) continue;
      if (!isObjectType(type) && !isInterfaceType(type)) continue;
      const field = type.getFields()[first.name.value];
      if (!field) continue;
      const named = getNamedType(field.type);
      if (isLeafType(named) || !isCompositeType(named)) continue;
      // Paging backward, `last` is the page size (both given: the larger, though the server refuses it).
      const firstArg = numberArg(field, first, 'first');
      const lastArg = numberArg(field, first, 'last');
      const paged = field.args.some((a) => a.name === 'first');
      const page = paged
        ? lastArg === undefined || lastArg === null
          ? toCount(firstArg, defaultPageSize)
          : Math.max(
              toCount(lastArg, defaultPageSize),
              firstArg == null ? 0 : toCount(firstArg, defaultPageSize),
            )
        : undefined;
      let count = 1;
      if (isListType(getNullableType(field.type))) {
        const reps = numberArg(field, first, 'representations');
        if (first.name.value === '_entities' && reps !== undefined)
          count = Array.isArray(reps) ? reps.length : 1;
        else count = page ?? pageSize ?? unpagedListSize;
      }
      const subSets = nodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
      total += count * (1 + costOf(subSets, named, page));
    }
    return total;
  };

  const root = schema.getRootType(operation.operation);
  return root ? costOf([operation.selectionSet], root, undefined) : 0;
}

function toCount(value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, Math.trunc(value)) : fallback;
}

/** The error an operation over the cost limit gets: what it would cost and what is allowed. */
export function costLimitError(cost: number, limit: number): GraphQLError {
  return new GraphQLError(
    `Query cost ${cost} exceeds the limit of ${limit}: the estimate counts every object in the answer ` +
      '(a list counts its `first`); ask for smaller pages or fewer aliases',
    { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', cost, limit, http: { status: 400 } } },
  );
}
