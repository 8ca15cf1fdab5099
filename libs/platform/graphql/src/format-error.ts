import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from '@sc/config';
import { USER_ERROR_CODES } from './errors';

/** Codes the GraphQL machinery itself uses for requests the client got wrong. */
const CLIENT_CODES = new Set<string>([
  ...USER_ERROR_CODES,
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * Keeps errors a client caused (typed code, message, field) and turns every other error into a bare
 * INTERNAL_SERVER_ERROR after logging it with its stack. Stack traces leave the process only in
 * development.
 */
export function createErrorFormatter(logger: Logger, development: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code =
      typeof formatted.extensions?.['code'] === 'string' ? formatted.extensions['code'] : undefined;
    if (code && CLIENT_CODES.has(code)) {
      // Expected outcomes: a stack trace would only be noise, in development too.
      // eslint-disable-next-line @typescript-eslint/no-unused-vars
      const { stacktrace, http, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    const original = unwrapResolverError(error);
    logger.error({ err: original, path: formatted.path, code }, 'unexpected error while executing a request');
    if (development) return formatted;
    return {
      message: 'Internal server error',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}
