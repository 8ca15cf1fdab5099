import type { Logger } from 'pino';

/**
 * A start-up failure the operator has to fix, such as a data file that cannot be read. Its message is
 * one line that says what is wrong and what to do; mains print it as it is, with no stack trace (see
 * {@link exitOnStartFailure}).
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';

  constructor(
    message: string,
    /** Process exit status; 65 is EX_DATAERR ("input data was incorrect"), for unreadable data. */
    readonly exitCode = 1,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Ends a process whose start failed: a {@link StartupError} as its one line on stderr (`<name>: …`),
 * anything else as a fatal log entry with the error, then exit.
 */
export function exitOnStartFailure(name: string, logger: Logger, error: unknown): never {
  if (error instanceof StartupError) {
    process.stderr.write(`${name}: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  logger.fatal({ err: error }, `${name} failed to start`);
  process.exit(1);
}
