/**
 * Where the real services the integration specs need are. The test command (tools/ci/test.sh)
 * starts MariaDB and a Kafka broker and exports these; the defaults match it.
 */
export const TEST_MYSQL_URL = process.env['TEST_MYSQL_URL'] ?? 'mariadb://root@127.0.0.1:3306';
export const TEST_KAFKA_BROKERS = (process.env['TEST_KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
/** The script that starts and stops real brokers (for specs that take a broker down on purpose). */
export const KAFKA_SCRIPT = `${__dirname}/../../../../tools/infra/kafka/kafka.sh`;
/** Log level of services started by specs; `silent` unless TEST_LOG_LEVEL says otherwise. */
export const TEST_LOG_LEVEL = process.env['TEST_LOG_LEVEL'] ?? 'silent';
