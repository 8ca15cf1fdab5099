import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  coerceInputValue,
  GraphQLError,
  isInputType,
  isNonNullType,
  Kind,
  print,
  typeFromAST,
  visit,
  BREAK,
  type DocumentNode,
  type GraphQLInputType,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { InputIssue } from './errors';
import { costLimitError, estimateCost, type CostOptions } from './limits';

export interface OperationGuardOptions extends CostOptions {
  /** Highest estimated cost allowed (see estimateCost). */
  maxCost: number;
}

/**
 * Checks, once the operation is known and before anything runs, what validation cannot see
 * because it depends on the request: that an operation was picked, that the variables fit their
 * types, and that the answer would not be too expensive. Each failure is a typed error with HTTP
 * status 400:
 * - no operation picked (several in the document and no `operationName`, or an unknown name):
 *   `OPERATION_RESOLUTION_FAILURE`. Apollo Server leaves this to execution, where the gateway's
 *   executor raises it as a fault (HTTP 500);
 * - a variable that does not fit its type (a `DateTime` that is not one, a string for an `Int`, a
 *   missing required field): `BAD_USER_INPUT` with `field` (the variable's path, e.g.
 *   `input.heldAt`) and `issues` (every problem found). The same check that execution makes, done
 *   first so the error names the field; on the gateway it catches what the API schema knows (types,
 *   enums, required fields), on a subgraph its own scalars too;
 * - an estimated cost over `maxCost`: `GRAPHQL_VALIDATION_FAILED` with `cost` and `limit`.
 */
export function operationGuardsPlugin(options: OperationGuardOptions): ApolloServerPlugin<BaseContext> {
  const fragmentCache = new WeakMap<DocumentNode, Map<string, FragmentDefinitionNode>>();
  const fragmentsOf = (document: DocumentNode) => {
    let map = fragmentCache.get(document);
    if (!map) {
      map = new Map();
      for (const def of document.definitions) {
        if (def.kind === Kind.FRAGMENT_DEFINITION) map.set(def.name.value, def);
      }
      fragmentCache.set(document, map);
    }
    return map;
  };
  // Apollo Server keeps parsed documents: the same operation node comes back with the same query
  // text, so what depends only on the document (and schema) is computed once per document (ADR 0053).
  const costCache = new WeakMap<OperationDefinitionNode, { schema: GraphQLSchema; cost: number }>();
  const costOf = (
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Readonly<Record<string, unknown>>,
  ): number => {
    const cached = costCache.get(operation);
    if (cached?.schema === schema) return cached.cost;
    const cost = estimateCost(schema, fragmentsOf(document), operation, variables, options);
    if (!costDependsOnVariables(document)) costCache.set(operation, { schema, cost });
    return cost;
  };
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request, schema }) {
          if (!operation) throw operationResolutionError(document, request.operationName);
          const variables = request.variables ?? {};
          const issues = variableIssues(schema, operation, variables);
          const [firstIssue] = issues;
          if (firstIssue) {
            throw new GraphQLError(firstIssue.message, {
              extensions: {
                code: 'BAD_USER_INPUT',
                field: firstIssue.field,
                issues,
                http: { status: 400 },
              },
            });
          }
          const cost = costOf(schema, document, operation, variables);
          if (cost > options.maxCost) throw costLimitError(cost, options.maxCost);
        },
      };
    },
  };
}

function operationResolutionError(document: DocumentNode, operationName: string | undefined): GraphQLError {
  const names = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const message = operationName
    ? `Unknown operation named "${operationName}".`
    : names.length > 1
      ? 'Must provide operation name if query contains multiple operations.'
      : 'Must provide an operation.';
  return new GraphQLError(message, {
    extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } },
  });
}

/** The arguments whose values {@link estimateCost} reads (page sizes, federation representations). */
const COST_ARGUMENTS = new Set(['first', 'last', 'representations']);
const dependsCache = new WeakMap<DocumentNode, boolean>();

/** Whether a variable is passed to an argument the cost estimate reads, anywhere in the document. */
export function costDependsOnVariables(document: DocumentNode): boolean {
  let depends = dependsCache.get(document);
  if (depends === undefined) {
    depends = false;
    visit(document, {
      Argument(node) {
        if (!COST_ARGUMENTS.has(node.name.value)) return undefined;
        let found = false;
        visit(node.value, {
          Variable() {
            found = true;
            return BREAK;
          },
        });
        if (!found) return undefined;
        depends = true;
        return BREAK;
      },
    });
    dependsCache.set(document, depends);
  }
  return depends;
}

/** A variable definition's type in a schema, and its printed form: once per definition node. */
const definitionTypes = new WeakMap<
  VariableDefinitionNode,
  { schema: GraphQLSchema; type: GraphQLInputType | undefined; typeName: string }
>();
function definitionType(schema: GraphQLSchema, def: VariableDefinitionNode) {
  let entry = definitionTypes.get(def);
  if (entry?.schema !== schema) {
    const type = typeFromAST(schema, def.type);
    entry = { schema, type: type && isInputType(type) ? type : undefined, typeName: print(def.type) };
    definitionTypes.set(def, entry);
  }
  return entry;
}

/** Coerces each variable as execution will, keeping the path of every value that does not fit. */
export function variableIssues(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
): InputIssue[] {
  const issues: InputIssue[] = [];
  for (const def of operation.variableDefinitions ?? []) {
    const name = def.variable.name.value;
    const { type, typeName } = definitionType(schema, def);
    if (!type) continue; // validation has already refused it
    if (!Object.hasOwn(variables, name)) {
      if (!def.defaultValue && isNonNullType(type)) {
        issues.push({
          field: name,
          message: `Variable "$${name}" of required type "${typeName}" was not provided.`,
        });
      }
      continue;
    }
    const value = variables[name];
    if (value === null && isNonNullType(type)) {
      issues.push({
        field: name,
        message: `Variable "$${name}" of non-null type "${typeName}" must not be null.`,
      });
      continue;
    }
    coerceInputValue(value, type, (path, _invalid, error) => {
      // A missing required input field is reported at its object: name the field itself.
      const missing = /^Field "([_A-Za-z][_0-9A-Za-z]*)" of required type .* was not provided\.$/.exec(
        error.message,
      )?.[1];
      const at = [name, ...path].reduce<string>(
        (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part),
        '',
      );
      issues.push({
        field: missing ? `${at}.${missing}` : at,
        message: `Variable "$${name}" has an invalid value at "${at}": ${error.message}`,
      });
    });
    if (issues.length >= 20) break;
  }
  return issues;
}
