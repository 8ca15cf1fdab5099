import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from '@sc/config';
import { USER_ERROR_CODES } from './errors';

/** Codes the GraphQL machinery itself uses for requests the client got wrong. */
export const CLIENT_ERROR_CODES: readonly string[] = [
  ...USER_ERROR_CODES,
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
];
const CLIENT_CODES = new Set<string>(CLIENT_ERROR_CODES);

/** Whether a client can act on this code (everything else is a fault). */
export function isClientErrorCode(code: unknown): boolean {
  return typeof code === 'string' && CLIENT_CODES.has(code);
}

/**
 * Keeps errors a client caused (typed code, message, field, the subgraph's `serviceName`, or
 * `serviceName` when given for errors raised here: the gateway's `gateway`) and turns
 * every other error into a bare INTERNAL_SERVER_ERROR after logging it with its stack. Development
 * keeps a fault's message, to help whoever runs it locally; a stack trace never leaves the process in
 * any mode (it names files and lines; the log has it), nor does what a subgraph's own stack trace or
 * an HTTP response of a subgraph carried.
 */
export function createErrorFormatter(logger: Logger, development: boolean, serviceName?: string) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { stacktrace, http, exception, response, ...extensions } = formatted.extensions ?? {};
    const code = extensions['code'];
    if (isClientErrorCode(code)) {
      // The gateway names itself on its own errors (a subgraph's come with the subgraph's name).
      if (serviceName && extensions['serviceName'] === undefined) extensions['serviceName'] = serviceName;
      return { ...formatted, extensions };
    }
    const original = unwrapResolverError(error);
    logger.error(
      { err: original, path: formatted.path, code, serviceName: extensions['serviceName'] },
      'unexpected error while executing a request',
    );
    return {
      message: development ? formatted.message : 'Internal server error',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}
