import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { activeSpan } from '@sc/tracing';

/**
 * Names the request's span after its operation (`query ResidentList`) and records the operation's
 * type and the error codes returned. Never the variables or the document: they can hold personal data.
 */
export function tracingPlugin(): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      const span = activeSpan();
      return {
        async didResolveOperation({ operationName, operation }) {
          const kind = operation?.operation ?? 'unknown';
          span?.updateName(`${kind} ${operationName ?? 'anonymous'}`);
          span?.setAttributes({
            'graphql.operation.type': kind,
            'graphql.operation.name': operationName ?? '',
          });
        },
        async willSendResponse({ errors }) {
          if (errors?.length)
            span?.setAttribute(
              'graphql.error_codes',
              [...new Set(errors.map((e) => String(e.extensions?.['code'] ?? 'INTERNAL_SERVER_ERROR')))].join(
                ',',
              ),
            );
        },
      };
    },
  };
}
