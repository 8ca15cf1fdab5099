import { createLogger, loadEnvOrExit, runUntilSignal } from '@sc/config';
import { peopleEnvSchema, startPeople } from '@sc/people';

const env = loadEnvOrExit(peopleEnvSchema, 'people');
const logger = createLogger({ service: 'people', level: env.LOG_LEVEL, pretty: env.LOG_PRETTY });

runUntilSignal('people', logger, () => startPeople(env, { logger }));
