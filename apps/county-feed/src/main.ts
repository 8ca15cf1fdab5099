import { ConfigError, createLogger, envWithDefaults, runUntilSignal } from '@sc/config';
import { COUNTY_FEED, parseCountyFeedConfig, startCountyFeed } from '@sc/county-feed';

// The county feed as its own process (real mode: Kafka and MySQL/MariaDB), as a county system runs it.
const env = envWithDefaults({});
let config: ReturnType<typeof parseCountyFeedConfig>;
try {
  config = parseCountyFeedConfig(env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${COUNTY_FEED}: invalid configuration: ${error.message}\n`);
  process.exit(78); // EX_CONFIG
}
const { service } = config;
const logger = createLogger({ service: COUNTY_FEED, level: service.logLevel, pretty: service.logPretty });
runUntilSignal(COUNTY_FEED, logger, () =>
  startCountyFeed({
    databaseUrl: service.databaseUrl,
    groupId: config.groupId,
    logger,
    kafka: {
      brokers: service.kafkaBrokers,
      clientId: service.kafkaClientId,
      topicPrefix: service.kafkaTopicPrefix,
    },
    asyncapiFile: config.asyncapiFile,
    host: service.host,
    port: service.port,
  }),
);
