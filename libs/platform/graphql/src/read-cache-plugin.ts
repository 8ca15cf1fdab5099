import {
  type ApolloServerPlugin,
  type BaseContext,
  type GraphQLRequestContext,
  HeaderMap,
} from '@apollo/server';

/** Where the plugin keeps answers: `ReadCache` of @sc/db (valid for one read generation). */
export interface GenerationalStore {
  get(key: string, generation: number): unknown;
  set(key: string, value: unknown, generation: number): void;
}

export interface PublicReadCacheOptions<TContext extends BaseContext> {
  store: GenerationalStore;
  /** The committed read generation (`ReadGeneration.current`): read once per cached request. */
  generation: () => Promise<number>;
  /** True when the request's answer depends on nothing but the query and the data (no caller). */
  isPublic: (context: TContext) => boolean;
}

/**
 * Caches whole answers of public queries (ADR 0050): a query operation from a caller without a token,
 * keyed by the query's hash, operation name and variables. Before anything is resolved the request
 * reads the committed read generation once; an answer kept under that generation is sent as it is,
 * otherwise the query runs and its answer is kept when it has no errors. Mutations, callers with a
 * token and answers with errors are never cached.
 */
export function publicReadCachePlugin<TContext extends BaseContext>(
  options: PublicReadCacheOptions<TContext>,
): ApolloServerPlugin<TContext> {
  const keyOf = (rc: GraphQLRequestContext<TContext>): string =>
    `${rc.queryHash ?? ''}\n${rc.operationName ?? ''}\n${JSON.stringify(rc.request.variables ?? {})}`;
  return {
    async requestDidStart() {
      let pending: { key: string; generation: number } | undefined;
      return {
        async responseForOperation(rc) {
          if (rc.operation.operation !== 'query' || !options.isPublic(rc.contextValue)) return null;
          const key = keyOf(rc);
          const generation = await options.generation();
          const data = options.store.get(key, generation);
          if (data !== undefined) {
            return {
              http: { status: undefined, headers: new HeaderMap() },
              body: { kind: 'single', singleResult: { data: data as Record<string, unknown> } },
            };
          }
          pending = { key, generation };
          return null;
        },
        async willSendResponse({ response }) {
          if (!pending || response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          if (errors === undefined && data) options.store.set(pending.key, data, pending.generation);
        },
      };
    },
  };
}
