import { createLogger, loadEnvOrExit, runUntilSignal } from '@sc/config';
import { rosterEnvSchema, startRoster } from '@sc/roster';

const env = loadEnvOrExit(rosterEnvSchema, 'roster');
const logger = createLogger({ service: 'roster', level: env.LOG_LEVEL, pretty: env.LOG_PRETTY });

runUntilSignal('roster', logger, () => startRoster(env, { logger }));
