import type { Logger } from 'pino';
import { exitOnStartFailure } from './startup-error';

/**
 * The bootstrap every app's main shares: start, then on SIGTERM/SIGINT close once and exit 0
 * (1 if closing failed); a failed start exits through {@link exitOnStartFailure}.
 */
export function runUntilSignal(
  name: string,
  logger: Logger,
  start: () => Promise<{ close: () => Promise<void> }>,
): void {
  start().then(
    (running) => {
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'shutting down');
        running.close().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    },
    (error: unknown) => exitOnStartFailure(name, logger, error),
  );
}
