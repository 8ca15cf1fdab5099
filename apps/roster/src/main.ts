import { createLogger, loadEnvOrExit } from '@sc/config';
import { rosterEnvSchema, startRoster } from '@sc/roster';

const env = loadEnvOrExit(rosterEnvSchema, 'roster');
const logger = createLogger({ service: 'roster', level: env.LOG_LEVEL, pretty: env.LOG_PRETTY });

startRoster(env, { logger })
  .then((running) => {
    const stop = (signal: string) => {
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
  })
  .catch((error: unknown) => {
    logger.fatal({ err: error }, 'roster failed to start');
    process.exit(1);
  });
