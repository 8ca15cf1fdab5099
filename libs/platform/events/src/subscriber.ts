import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import type { Logger } from '@sc/config';
import { backoffDelay, errorText, Sleeper } from './backoff';
import type { InProcessBus } from './in-process-bus';
import {
  type EventHandler,
  type InboxOutcome,
  type InvalidMessageHandler,
  KafkaEventConsumer,
  subscribeWithInbox,
  withTimeout,
} from './inbox';
import { createKafka, ensureTopics, KafkaLog } from './kafka';

/** What a service consumes: one consumer group (inbox name) over some topics. */
export interface SubscribeOptions {
  /** Kafka consumer group and inbox consumer name (≤ 100 characters), e.g. `people.roster-grids`. */
  consumer: string;
  topics: string[];
  /** Runs in the inbox transaction of each event (see {@link EventHandler}). */
  handler: EventHandler;
  dataSource: DataSource;
  /** Told the outcome of every delivered message (metrics). */
  onOutcome?: (outcome: InboxOutcome) => void;
  /** Told of every message that is not an event at all, before it is skipped (see `InboxConsumerOptions`). */
  onInvalidMessage?: InvalidMessageHandler;
}

/** A running subscription. */
export interface Subscription {
  readonly consumer: string;
  /** Resolves once events flow (Kafka: connected and joined its group); rejects after `timeoutMs`. */
  running(timeoutMs?: number): Promise<void>;
  /** Stops after the event in progress; an event being retried is left for redelivery. */
  stop(): Promise<void>;
}

/**
 * The consume side matching {@link EventPublisher}: the in-process bus in embedded mode, Kafka in
 * real mode. Either way events go through the inbox (exactly-once effect) with retries and backoff.
 */
export interface EventSubscriber {
  subscribe(options: SubscribeOptions): Subscription;
}

/** Embedded mode: subscribes to the in-process bus (which keeps no history: subscribe before others publish). */
export class BusSubscriber implements EventSubscriber {
  constructor(
    private readonly bus: InProcessBus,
    private readonly logger: Logger,
  ) {}

  subscribe(options: SubscribeOptions): Subscription {
    const unsubscribe = subscribeWithInbox(this.bus, {
      dataSource: options.dataSource,
      logger: this.logger,
      topics: options.topics,
      consumer: options.consumer,
      handler: options.handler,
      onOutcome: options.onOutcome,
      onInvalidMessage: options.onInvalidMessage,
    });
    return {
      consumer: options.consumer,
      running: () => Promise.resolve(),
      stop: () => {
        unsubscribe();
        return Promise.resolve();
      },
    };
  }
}

/** Messages a consumer group has yet to process on one partition. */
export interface ConsumerLag {
  consumer: string;
  /** The topic's own name (without `topicPrefix`). */
  topic: string;
  partition: number;
  lag: number;
}

/** Options of {@link KafkaSubscriber}. */
export interface KafkaSubscriberOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** Delays between attempts to connect (default 1 s doubling to 30 s). */
  retry?: { initialMs: number; maxMs: number };
  /** Put before every topic on the broker (a namespace in a shared cluster); default none. */
  topicPrefix?: string;
  /** See `KafkaEventConsumerOptions.sessionTimeoutMs` (default kafkajs's 30 s). */
  sessionTimeoutMs?: number;
}

/**
 * Real mode: one Kafka consumer per subscription, started in the background. A broker that is down
 * when the service starts does not stop it from serving (read models keep what they had); the
 * consumer connects as soon as the broker answers, retrying with a growing delay.
 */
export class KafkaSubscriber implements EventSubscriber {
  private readonly kafka: Kafka;
  private readonly log: KafkaLog;

  constructor(private readonly opts: KafkaSubscriberOptions) {
    this.log = new KafkaLog(opts.logger);
    // Short kafkajs retries: the subscription owns the retry loop, and a stop while the broker is
    // away must not wait out kafkajs's longer default schedule.
    this.kafka = createKafka({
      brokers: opts.brokers,
      clientId: opts.clientId,
      logger: opts.logger,
      log: this.log,
      config: { connectionTimeout: 1_000, retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1_000 } },
    });
  }

  subscribe(options: SubscribeOptions): Subscription {
    const logger = this.opts.logger.child({ component: 'event-subscription', consumer: options.consumer });
    const retry = this.opts.retry ?? { initialMs: 1_000, maxMs: 30_000 };
    const sleeper = new Sleeper();
    let stopped = false;
    let consumer: KafkaEventConsumer | null = null;
    let markRunning: () => void = () => undefined;
    const isRunning = new Promise<void>((resolve) => (markRunning = resolve));

    const loop = (async () => {
      for (let attempt = 1; !stopped; attempt++) {
        const candidate = new KafkaEventConsumer({
          kafka: this.kafka,
          dataSource: options.dataSource,
          logger: this.opts.logger,
          brokers: this.opts.brokers,
          clientId: this.opts.clientId,
          groupId: options.consumer,
          topics: options.topics,
          topicPrefix: this.opts.topicPrefix,
          sessionTimeoutMs: this.opts.sessionTimeoutMs,
          handler: options.handler,
          onOutcome: options.onOutcome,
          onInvalidMessage: options.onInvalidMessage,
        });
        try {
          // Subscribing to a topic its producer has not created yet would fail the start.
          await ensureTopics(
            this.kafka,
            options.topics.map((topic) => ({ topic: (this.opts.topicPrefix ?? '') + topic })),
          );
          await candidate.start();
          if (stopped) {
            await candidate.stop();
            return;
          }
          consumer = candidate;
          this.log.reachable();
          if (attempt > 1) logger.info({ attempts: attempt }, 'event subscription connected after retries');
          markRunning();
          return;
        } catch (err) {
          await candidate.stop().catch(() => undefined);
          const delay = backoffDelay(attempt, retry);
          logger.warn(
            { attempt, retryInMs: delay, error: errorText(err) },
            'cannot start the event subscription; will retry',
          );
          await sleeper.sleep(delay);
        }
      }
    })().catch((err: unknown) => logger.error({ error: errorText(err) }, 'event subscription gave up'));

    return {
      consumer: options.consumer,
      running: (timeoutMs = 30_000) =>
        withTimeout(isRunning, timeoutMs, `subscription ${options.consumer} not running`),
      stop: async () => {
        stopped = true;
        sleeper.interrupt();
        await loop;
        await consumer?.stop();
        consumer = null;
      },
    };
  }

  /**
   * How far each consumer group is behind, per topic partition: the partition's end offset minus
   * the group's committed offset (minus the start, for a group that committed nothing yet). Asks
   * the broker (one admin connection for all groups); meant for a scrape every few seconds.
   */
  async lag(consumers: { consumer: string; topics: string[] }[]): Promise<ConsumerLag[]> {
    const prefix = this.opts.topicPrefix ?? '';
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const ends = new Map<string, Map<number, { high: bigint; low: bigint }>>();
      const rows: ConsumerLag[] = [];
      for (const { consumer, topics } of consumers) {
        const committed = await admin.fetchOffsets({
          groupId: consumer,
          topics: topics.map((t) => prefix + t),
        });
        for (const { topic, partitions } of committed) {
          let end = ends.get(topic);
          if (!end) {
            end = new Map();
            for (const p of await admin.fetchTopicOffsets(topic))
              end.set(p.partition, { high: BigInt(p.high), low: BigInt(p.low) });
            ends.set(topic, end);
          }
          for (const { partition, offset } of partitions) {
            const bounds = end.get(partition);
            if (!bounds) continue;
            const at = BigInt(offset) >= 0n ? BigInt(offset) : bounds.low;
            const behind = bounds.high - at;
            rows.push({
              consumer,
              topic: topic.slice(prefix.length),
              partition,
              lag: Number(behind > 0n ? behind : 0n),
            });
          }
        }
      }
      return rows;
    } finally {
      await admin.disconnect();
    }
  }
}
