import type { Logger } from '@sc/config';
import {
  Kafka,
  type KafkaConfig,
  type LogEntry,
  type Message,
  type Producer,
  Partitioners,
  logLevel,
} from 'kafkajs';
import { CLOUDEVENTS_CONTENT_TYPE } from './cloud-event';
import type { EventPublisher, PublishRecord } from './publisher';

/** kafkajs retry settings (the `retry` of `KafkaConfig`, producer and admin). */
export interface KafkaRetry {
  retries: number;
  initialRetryTime: number;
  maxRetryTime: number;
}

/** Options of {@link createKafka}. */
export interface CreateKafkaOptions {
  /** `host:port` bootstrap addresses. */
  brokers: string[];
  clientId: string;
  logger: Logger;
  /**
   * Passed through to kafkajs (timeouts, retry, ssl, sasl). `retry` and `connectionTimeout` here are
   * the client's: they govern connecting and metadata requests of every producer, consumer and admin
   * made from it (kafkajs's own default waits up to ~17 s over 5 retries before a caller hears of a
   * stopped broker).
   */
  config?: Omit<KafkaConfig, 'brokers' | 'clientId' | 'logLevel' | 'logCreator'>;
  /** Where the client's log goes; default a new {@link KafkaLog} on `logger`. */
  log?: KafkaLog;
}

// The relay limits kafkajs retries on purpose (it owns the retry loop), so kafkajs's warning about
// it would be noise on every reconnect.
const QUIET_MESSAGES = new Set([
  'Limiting retries for the idempotent producer may invalidate EoS guarantees',
]);

/**
 * What kafkajs logs while a broker is away or coming back: refused or reset connections, timeouts,
 * brokers or coordinators not available, leader elections. Each retry of each request logs one.
 */
const CONNECTION_TROUBLE =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|Connection (error|timeout)|[Cc]losed connection|connection (closed|is not|was closed)|KafkaJSConnection|Failed to connect|not available|leadership election|no leader|not the leader|NOT_LEADER|LEADER_NOT_AVAILABLE|Broker .*disconnected|KafkaJSNumberOfRetriesExceeded|Restarting the consumer|coordinator is loading|not the correct coordinator|COORDINATOR_LOAD_IN_PROGRESS|NOT_COORDINATOR/;

/** How often a continuing outage is logged again (with the count so far). */
const OUTAGE_REMINDER_MS = 60_000;

/**
 * Routes one kafkajs client's log into pino as structured fields (scalars only; no stacks, no
 * request objects). kafkajs ERROR lines are errors and WARN lines warnings, except connection trouble
 * (a broker away or restarting, see `CONNECTION_TROUBLE`): each retry of each request would log an
 * ERROR line (~40 for a 25 s outage), so the first one of an outage is one warning, the rest are
 * counted (debug), a reminder with the count follows every minute, and {@link KafkaLog.reachable}
 * (called by the publisher and the subscriber when the broker answered again) ends the outage with
 * one info line carrying the count.
 */
export class KafkaLog {
  private readonly log: Logger;
  private outageSince: number | null = null;
  private lastReminder = 0;
  private troubles = 0;

  constructor(logger: Logger) {
    this.log = logger.child({ component: 'kafkajs' });
  }

  /** For `new Kafka({ logCreator })`. */
  readonly logCreator = (): ((entry: LogEntry) => void) => (entry) => this.write(entry);

  /** True while connection trouble was logged and the broker has not answered since. */
  get inOutage(): boolean {
    return this.outageSince !== null;
  }

  /** The broker answered (a publish was acknowledged, a consumer joined): ends an outage, if any. */
  reachable(): void {
    if (this.outageSince === null) return;
    this.log.info(
      { connectionErrors: this.troubles, outageMs: Date.now() - this.outageSince },
      'Kafka broker reachable again',
    );
    this.outageSince = null;
    this.troubles = 0;
  }

  private write(entry: LogEntry): void {
    const { message, ...extra } = entry.log;
    const fields: Record<string, string | number | boolean> = { namespace: entry.namespace };
    for (const [k, v] of Object.entries(extra)) {
      if (k === 'stack' || k === 'timestamp') continue;
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[k] = v;
    }
    const text = String(message);
    if (QUIET_MESSAGES.has(text) || entry.level >= logLevel.INFO || entry.level === logLevel.NOTHING) {
      this.log.debug(fields, text);
      return;
    }
    if (CONNECTION_TROUBLE.test(`${text} ${String(fields['error'] ?? '')}`)) {
      this.troubles += 1;
      const now = Date.now();
      if (this.outageSince === null) {
        this.outageSince = now;
        this.lastReminder = now;
        this.log.warn(
          fields,
          `Kafka broker unreachable: ${text} (retrying; further connection errors are counted until it answers)`,
        );
      } else if (now - this.lastReminder >= OUTAGE_REMINDER_MS) {
        this.lastReminder = now;
        this.log.warn(
          { ...fields, connectionErrors: this.troubles, outageMs: now - this.outageSince },
          `Kafka broker still unreachable: ${text}`,
        );
      } else {
        this.log.debug(fields, text);
      }
      return;
    }
    if (entry.level === logLevel.ERROR) this.log.error(fields, text);
    else this.log.warn(fields, text);
  }
}

let negativeTimeoutFilterInstalled = false;
/**
 * kafkajs 2.2.4's request queue schedules `setTimeout(…, throttledUntil - Date.now())` with
 * `throttledUntil = -1` when nothing is throttled, a negative delay Node 24 reports once per process
 * as `TimeoutNegativeWarning` (Node then waits 1 ms, which is what kafkajs meant). Only that warning,
 * raised from that function, is dropped; every other warning is emitted as before.
 */
function silenceKafkajsNegativeTimeout(): void {
  if (negativeTimeoutFilterInstalled) return;
  negativeTimeoutFilterInstalled = true;
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    const first = rest[0];
    const type =
      typeof first === 'string' ? first : ((first as { type?: string } | undefined)?.type ?? undefined);
    if (type === 'TimeoutNegativeWarning' && /scheduleCheckPendingRequests/.test(new Error().stack ?? ''))
      return;
    emitWarning(warning, ...rest);
  }) as typeof process.emitWarning;
}

/** A kafkajs client whose own log goes to pino through a {@link KafkaLog}. */
export function createKafka(opts: CreateKafkaOptions): Kafka {
  silenceKafkajsNegativeTimeout();
  const log = opts.log ?? new KafkaLog(opts.logger);
  return new Kafka({
    ...opts.config,
    brokers: opts.brokers,
    clientId: opts.clientId,
    logLevel: logLevel.WARN,
    logCreator: log.logCreator,
  });
}

/**
 * Creates the topics that do not exist yet (existing ones are left as they are) and returns once
 * every partition of the new ones answers an offset request from its leader. `waitForLeaders` alone
 * is not enough on a KRaft broker: the metadata can name a leader a moment before that broker serves
 * the partition, and a `fetchTopicOffsets` right after creation then fails with NOT_LEADER.
 */
export async function ensureTopics(
  kafka: Kafka,
  topics: { topic: string; numPartitions?: number }[],
  readyWithinMs = 30_000,
): Promise<void> {
  if (topics.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length === 0) return;
    // Another process may create the same topic meanwhile; kafkajs treats "already exists" as success.
    await admin.createTopics({
      topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.numPartitions ?? 3 })),
      waitForLeaders: true,
    });
    const deadline = Date.now() + readyWithinMs;
    for (const t of missing) {
      for (;;) {
        try {
          await admin.fetchTopicOffsets(t.topic);
          break;
        } catch (err) {
          const retriable = (err as { retriable?: boolean }).retriable === true;
          if (!retriable || Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/** The publisher's kafkajs retries by default: 2 retries, 100 ms doubling to at most 1 s. */
export const PUBLISHER_RETRY: KafkaRetry = { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 };

/** Options of {@link KafkaPublisher}. */
export interface KafkaPublisherOptions {
  /** `host:port` bootstrap addresses. */
  brokers: string[];
  clientId: string;
  logger: Logger;
  /**
   * kafkajs-level retries within one publish, connecting included: the publisher's own client is
   * made with them (a `retry` given only to `kafka.producer()` would not reach kafkajs's connect and
   * metadata retries, which then wait up to ~17 s). Kept short so that a broker outage surfaces to
   * the relay within about a second; the relay retries forever with its own backoff.
   */
  retry?: KafkaRetry;
  /** How long one connection attempt may take (default 1 s). */
  connectionTimeoutMs?: number;
  /** Milliseconds the broker may take to acknowledge a batch (requests time out 1 s later). */
  ackTimeoutMs?: number;
  /** Other client settings (ssl, sasl). */
  config?: Omit<
    KafkaConfig,
    'brokers' | 'clientId' | 'logLevel' | 'logCreator' | 'retry' | 'connectionTimeout' | 'requestTimeout'
  >;
  /**
   * Partitions for topics this publisher creates before its first send to them, so publishing
   * does not depend on the broker's auto-creation. `false`: never create topics.
   */
  createTopics?: { numPartitions: number } | false;
  /** Put before every record's topic (a namespace in a shared cluster); default none. */
  topicPrefix?: string;
}

/**
 * Publishes to Kafka with an idempotent producer (acks from all in-sync replicas, one request in
 * flight, so retries cannot reorder or duplicate within a partition), in the CloudEvents Kafka
 * binding's structured mode: the value is the JSON envelope, the key the aggregate id.
 *
 * It makes its own kafkajs client, so its retry settings govern everything a publish does:
 * connecting, metadata, topic creation and the send. After any failure the producer is dropped and
 * a new one is connected on the next publish: a producer that lost its broker, or whose sequence
 * numbers no longer match the broker's after an outage, is never reused.
 */
export class KafkaPublisher implements EventPublisher {
  private readonly kafka: Kafka;
  private readonly log: KafkaLog;
  private readonly logger: Logger;
  private readonly retry: KafkaRetry;
  private readonly ackTimeoutMs: number;
  private producer: Producer | null = null;
  private readonly createTopics: { numPartitions: number } | false;
  private readonly knownTopics = new Set<string>();
  private readonly topicPrefix: string;
  private connected = false;
  private closed = false;

  constructor(opts: KafkaPublisherOptions) {
    this.logger = opts.logger.child({ component: 'kafka-publisher' });
    this.retry = opts.retry ?? PUBLISHER_RETRY;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 10_000;
    this.createTopics = opts.createTopics ?? { numPartitions: 3 };
    this.topicPrefix = opts.topicPrefix ?? '';
    this.log = new KafkaLog(opts.logger);
    this.kafka = createKafka({
      brokers: opts.brokers,
      clientId: opts.clientId,
      logger: opts.logger,
      log: this.log,
      config: {
        ...opts.config,
        retry: this.retry,
        connectionTimeout: opts.connectionTimeoutMs ?? 1_000,
        requestTimeout: this.ackTimeoutMs + 1_000,
      },
    });
  }

  async publish(batch: PublishRecord[]): Promise<void> {
    if (this.closed) throw new Error('the Kafka publisher is closed');
    if (batch.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const r of batch) {
      const topic = this.topicPrefix + r.topic;
      const messages = byTopic.get(topic) ?? [];
      messages.push({
        key: r.key,
        value: r.value,
        headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE, ...r.headers },
      });
      byTopic.set(topic, messages);
    }
    const newTopics = [...byTopic.keys()].filter((t) => !this.knownTopics.has(t));
    if (this.createTopics && newTopics.length > 0) {
      const { numPartitions } = this.createTopics;
      await ensureTopics(
        this.kafka,
        newTopics.map((topic) => ({ topic, numPartitions })),
      );
      for (const t of newTopics) this.knownTopics.add(t);
    }
    const producer = await this.connectedProducer();
    try {
      await producer.sendBatch({
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        acks: -1,
        timeout: this.ackTimeoutMs,
      });
    } catch (err) {
      await this.dropProducer();
      throw err;
    }
    this.log.reachable();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.dropProducer();
  }

  private async connectedProducer(): Promise<Producer> {
    if (this.producer && this.connected) return this.producer;
    await this.dropProducer();
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      retry: this.retry,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    producer.on(producer.events.DISCONNECT, () => {
      if (this.producer === producer) this.connected = false;
    });
    this.producer = producer;
    try {
      await producer.connect();
    } catch (err) {
      await this.dropProducer();
      throw err;
    }
    this.connected = true;
    this.logger.debug('Kafka producer connected');
    return producer;
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    this.connected = false;
    if (!producer) return;
    try {
      await producer.disconnect();
    } catch (err) {
      this.logger.debug(
        { error: err instanceof Error ? err.message : String(err) },
        'producer disconnect failed',
      );
    }
  }
}
