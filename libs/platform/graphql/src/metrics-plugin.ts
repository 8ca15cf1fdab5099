import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { BoundedLabel, type Metrics } from '@sc/metrics';

/**
 * Per operation: `sc_graphql_requests_total`, `sc_graphql_errors_total` by error code and the
 * `sc_graphql_request_duration_seconds` histogram. The operation label is the operation's name,
 * bounded (a client chooses it); no variables, no ids. A request that fails before its operation is
 * known (unparsable, invalid) counts under the operation name it gave, with its error code.
 */
export function metricsPlugin(metrics: Metrics): ApolloServerPlugin<BaseContext> {
  const names = new BoundedLabel();
  const codes = new BoundedLabel(50);
  const requests = metrics.counter(
    'sc_graphql_requests_total',
    'GraphQL requests answered, by operation name and kind (query, mutation).',
    ['operation', 'kind'],
  );
  const errors = metrics.counter(
    'sc_graphql_errors_total',
    'GraphQL errors returned, by operation name and error code (extensions.code).',
    ['operation', 'code'],
  );
  const duration = metrics.histogram(
    'sc_graphql_request_duration_seconds',
    'Time from receiving a GraphQL request to sending its response, by operation name and kind.',
    ['operation', 'kind'],
  );
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, operation, errors: returned }) {
          const labels = { operation: names.value(operationName), kind: operation?.operation ?? 'unknown' };
          requests.inc(labels);
          duration.observe(labels, (performance.now() - started) / 1000);
          for (const e of returned ?? []) {
            errors.inc({
              operation: labels.operation,
              code: codes.value(String(e.extensions?.['code'] ?? 'INTERNAL_SERVER_ERROR')),
            });
          }
        },
      };
    },
  };
}
