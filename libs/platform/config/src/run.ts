import type { Logger } from 'pino';

/**
 * The bootstrap every app's main shares: start, then on SIGTERM/SIGINT close once and exit 0
 * (1 if closing failed); a failed start is logged as fatal and exits 1.
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
    (error: unknown) => {
      logger.fatal({ err: error }, `${name} failed to start`);
      process.exit(1);
    },
  );
}
