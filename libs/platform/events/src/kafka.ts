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

/** Options of {@link createKafka}. */
export interface CreateKafkaOptions {
  /** `host:port` bootstrap addresses. */
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** Passed through to kafkajs (timeouts, retry, ssl, sasl). */
  config?: Omit<KafkaConfig, 'brokers' | 'clientId' | 'logLevel' | 'logCreator'>;
}

// The relay limits kafkajs retries on purpose (it owns the retry loop), so kafkajs's warning about
// it would be noise on every reconnect.
const QUIET_MESSAGES = new Set([
  'Limiting retries for the idempotent producer may invalidate EoS guarantees',
]);

/** A kafkajs client whose own logs (warn and above) go to pino as structured fields. */
export function createKafka(opts: CreateKafkaOptions): Kafka {
  const log = opts.logger.child({ component: 'kafkajs' });
  const logCreator = () => (entry: LogEntry) => {
    const { message, ...extra } = entry.log;
    // Only scalar fields: kafkajs attaches stacks and whole request objects to some entries, and
    // pino stamps its own time.
    const fields: Record<string, string | number | boolean> = { namespace: entry.namespace };
    for (const [k, v] of Object.entries(extra)) {
      if (k === 'stack' || k === 'timestamp') continue;
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[k] = v;
    }
    const text = String(message);
    if (QUIET_MESSAGES.has(text)) return log.debug(fields, text);
    switch (entry.level) {
      case logLevel.ERROR:
        return log.error(fields, text);
      case logLevel.WARN:
        return log.warn(fields, text);
      case logLevel.NOTHING:
      case logLevel.INFO:
      case logLevel.DEBUG:
        return log.debug(fields, text);
    }
  };
  return new Kafka({
    ...opts.config,
    brokers: opts.brokers,
    clientId: opts.clientId,
    logLevel: logLevel.WARN,
    logCreator,
  });
}

/** Creates the topics that do not exist yet (existing ones are left as they are). */
export async function ensureTopics(
  kafka: Kafka,
  topics: { topic: string; numPartitions?: number }[],
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
  } finally {
    await admin.disconnect();
  }
}

/** Options of {@link KafkaPublisher}. */
export interface KafkaPublisherOptions {
  kafka: Kafka;
  logger: Logger;
  /**
   * kafkajs-level retries within one publish. Kept short so that a broker outage surfaces to the
   * relay quickly; the relay retries forever with its own backoff.
   */
  retry?: { retries: number; initialRetryTime: number; maxRetryTime: number };
  /** Milliseconds the broker may take to acknowledge a batch. */
  ackTimeoutMs?: number;
  /**
   * Partitions for topics this publisher creates before its first send to them, so publishing
   * does not depend on the broker's auto-creation. `false`: never create topics.
   */
  createTopics?: { numPartitions: number } | false;
}

/**
 * Publishes to Kafka with an idempotent producer (acks from all in-sync replicas, one request in
 * flight, so retries cannot reorder or duplicate within a partition), in the CloudEvents Kafka
 * binding's structured mode: the value is the JSON envelope, the key the aggregate id.
 *
 * After any failure the producer is dropped and a new one is connected on the next publish: a
 * producer that lost its broker, or whose sequence numbers no longer match the broker's after an
 * outage, is never reused.
 */
export class KafkaPublisher implements EventPublisher {
  private readonly kafka: Kafka;
  private readonly logger: Logger;
  private readonly retry: { retries: number; initialRetryTime: number; maxRetryTime: number };
  private readonly ackTimeoutMs: number;
  private producer: Producer | null = null;
  private readonly createTopics: { numPartitions: number } | false;
  private readonly knownTopics = new Set<string>();
  private connected = false;
  private closed = false;

  constructor(opts: KafkaPublisherOptions) {
    this.kafka = opts.kafka;
    this.logger = opts.logger.child({ component: 'kafka-publisher' });
    this.retry = opts.retry ?? { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 };
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 10_000;
    this.createTopics = opts.createTopics ?? { numPartitions: 3 };
  }

  async publish(batch: PublishRecord[]): Promise<void> {
    if (this.closed) throw new Error('the Kafka publisher is closed');
    if (batch.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const r of batch) {
      const messages = byTopic.get(r.topic) ?? [];
      messages.push({
        key: r.key,
        value: r.value,
        headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE, ...r.headers },
      });
      byTopic.set(r.topic, messages);
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
