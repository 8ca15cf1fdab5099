import type { Logger } from '@sc/config';
import { isUniqueViolation, transaction } from '@sc/db';
import { type Consumer, type Kafka } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import { type BackoffOptions, Sleeper, backoffDelay, errorText } from './backoff';
import { type CloudEvent, InvalidEnvelopeError, parseEnvelope } from './cloud-event';
import { EventPayloadError } from './contract';
import { InboxEvent } from './entities';
import { contextFromEvent, inSpan, SpanKind } from '@sc/tracing';
import type { InProcessBus } from './in-process-bus';
import { createKafka } from './kafka';

/**
 * Handles one event inside the consumer's database transaction. Write through `manager` so the
 * effect commits together with the inbox record. Throw to retry (with backoff); throw an
 * {@link EventPayloadError} (e.g. from `contract.parse`) for an event that can never be handled.
 */
export type EventHandler = (
  event: CloudEvent<unknown>,
  manager: EntityManager,
  delivery: EventDelivery,
) => Promise<void>;

/** Where an event was delivered from: its topic's own name (without the prefix) and, on Kafka, its place. */
export interface EventDelivery {
  topic: string;
  partition?: number;
  offset?: string;
}

/** What happened to one delivered message. */
export type InboxOutcome = 'processed' | 'duplicate' | 'invalid' | 'rejected';

/** Settings shared by the Kafka and in-process consumers. */
export interface InboxConsumerOptions {
  dataSource: DataSource;
  logger: Logger;
  handler: EventHandler;
  /** Delays between attempts when the handler or the database fails. */
  backoff?: BackoffOptions;
  /** Told the outcome of every delivered message (metrics). */
  onOutcome?: (outcome: InboxOutcome) => void;
  /**
   * Told of every message that is not a CloudEvents envelope at all (no event id to record), before it
   * is skipped: a consumer that must never drop one silently parks it here (the county feed). A
   * failure is retried like a failing handler.
   */
  onInvalidMessage?: InvalidMessageHandler;
}

/** A message that could not be read as an event: where it was and why (never its content in a log). */
export interface InvalidMessage {
  topic: string;
  partition?: number;
  offset?: string;
  reason: string;
  value: string | null;
}
export type InvalidMessageHandler = (message: InvalidMessage) => Promise<void>;

/** Thrown out of a retry loop when the consumer stops, so the message is not marked consumed. */
export class ConsumerStoppedError extends Error {
  override readonly name = 'ConsumerStoppedError';
  constructor() {
    super('consumer stopped before the event was processed');
  }
}

class AlreadyProcessed extends Error {}

interface MessageRef {
  topic: string;
  partition?: number;
  offset?: string;
}

interface RetryControl {
  isStopped(): boolean;
  sleeper: Sleeper;
  /** Keeps the Kafka group membership alive while a message is retried. */
  heartbeat?: () => Promise<void>;
}

/**
 * The consume side of the inbox pattern, shared by {@link KafkaEventConsumer} and
 * {@link subscribeWithInbox}: parse the envelope, then in one transaction record the event id and
 * run the handler. A duplicate id means the event was processed before, so redelivery is harmless.
 */
export class InboxProcessor {
  private readonly backoff: Required<BackoffOptions>;

  constructor(
    private readonly consumer: string,
    private readonly opts: InboxConsumerOptions,
    private readonly logger: Logger,
  ) {
    if (consumer.length === 0 || consumer.length > 100)
      throw new Error('consumer name must have 1 to 100 characters');
    this.backoff = { initialMs: opts.backoff?.initialMs ?? 200, maxMs: opts.backoff?.maxMs ?? 10_000 };
  }

  /**
   * Processes one message; retries handler and database failures until they succeed or the
   * consumer stops (then throws {@link ConsumerStoppedError}). Never throws for bad messages.
   */
  async handle(value: string | Buffer | null, ref: MessageRef, control: RetryControl): Promise<InboxOutcome> {
    const outcome = await this.handleOnce(value, ref, control);
    this.opts.onOutcome?.(outcome);
    return outcome;
  }

  private async handleOnce(
    value: string | Buffer | null,
    ref: MessageRef,
    control: RetryControl,
  ): Promise<InboxOutcome> {
    let event: CloudEvent<unknown>;
    try {
      event = parseEnvelope(value);
    } catch (err) {
      if (!(err instanceof InvalidEnvelopeError)) throw err;
      this.logger.warn({ ...ref, reason: err.message }, 'skipping a message that is not a valid event');
      if (this.opts.onInvalidMessage) await this.reportInvalid(value, ref, err.message, control);
      return 'invalid';
    }
    const about = { ...ref, eventId: event.id, type: event.type };
    // The consumer's handling continues the trace of the change that wrote the event.
    return inSpan(
      `consume ${event.type}`,
      {
        kind: SpanKind.CONSUMER,
        parent: contextFromEvent(event),
        attributes: { 'messaging.destination.name': ref.topic, 'sc.consumer': this.consumer },
      },
      () => this.withRetries(event, ref, about, control),
    );
  }

  private async reportInvalid(
    value: string | Buffer | null,
    ref: MessageRef,
    reason: string,
    control: RetryControl,
  ): Promise<void> {
    const text = value === null ? null : typeof value === 'string' ? value : value.toString('utf8');
    for (let attempt = 1; ; attempt++) {
      if (control.isStopped()) throw new ConsumerStoppedError();
      try {
        await this.opts.onInvalidMessage?.({ ...ref, reason, value: text });
        return;
      } catch (err) {
        this.logger.warn(
          { ...ref, attempt, error: errorText(err) },
          'reporting an invalid message failed; will retry',
        );
      }
      await control.sleeper.sleep(backoffDelay(attempt, this.backoff));
      await control.heartbeat?.();
    }
  }

  private async withRetries(
    event: CloudEvent<unknown>,
    ref: MessageRef,
    about: Record<string, unknown>,
    control: RetryControl,
  ): Promise<InboxOutcome> {
    for (let attempt = 1; ; attempt++) {
      if (control.isStopped()) throw new ConsumerStoppedError();
      try {
        const outcome = await this.processOnce(event, ref);
        if (attempt > 1) this.logger.info({ ...about, attempts: attempt }, 'event processed after retries');
        this.logger.debug({ ...about, outcome }, 'event consumed');
        return outcome;
      } catch (err) {
        if (err instanceof EventPayloadError) {
          this.logger.error(
            { ...about, error: errorText(err) },
            'skipping an event whose payload breaks its contract',
          );
          return 'rejected';
        }
        this.logger.warn(
          { ...about, attempt, error: errorText(err) },
          'processing an event failed; will retry',
        );
      }
      await control.sleeper.sleep(backoffDelay(attempt, this.backoff));
      if (control.isStopped()) throw new ConsumerStoppedError();
      await control.heartbeat?.();
    }
  }

  private async processOnce(event: CloudEvent<unknown>, ref: MessageRef): Promise<InboxOutcome> {
    try {
      await transaction(this.opts.dataSource, async (manager) => {
        try {
          // Inserted first: a concurrent duplicate then waits on this key until we commit.
          await manager.insert(InboxEvent, {
            consumer: this.consumer,
            eventId: event.id,
            processedAt: new Date(),
          });
        } catch (err) {
          if (isUniqueViolation(err)) throw new AlreadyProcessed();
          throw err;
        }
        await this.opts.handler(event, manager, ref);
      });
      return 'processed';
    } catch (err) {
      if (err instanceof AlreadyProcessed) return 'duplicate';
      throw err;
    }
  }
}

/** Options of {@link KafkaEventConsumer}. */
export interface KafkaEventConsumerOptions extends InboxConsumerOptions {
  brokers: string[];
  clientId: string;
  /** Kafka consumer group; also the inbox consumer name unless `consumerName` is given. */
  groupId: string;
  topics: string[];
  /**
   * Where a new group starts: true (default) reads each topic from its beginning, so a read model
   * built by a new consumer misses nothing; false starts at the end.
   */
  fromBeginning?: boolean;
  /** Inbox consumer name (max 100 characters); defaults to `groupId`. */
  consumerName?: string;
  /** An existing client to use instead of creating one from `brokers`/`clientId`. */
  kafka?: Kafka;
  /**
   * Put before each of `topics` on the broker (a namespace in a shared cluster); the handler sees
   * the topic's own name. Default none.
   */
  topicPrefix?: string;
  /**
   * How long the group waits for a member that stopped heartbeating before it gives its partitions to
   * the others (kafkajs default 30 s): a copy that was killed holds its partitions that long.
   */
  sessionTimeoutMs?: number;
}

/**
 * Consumes CloudEvents from Kafka into a handler, exactly once in effect: each message is
 * processed in one transaction together with its inbox record, and the offset is only marked
 * consumed after that transaction committed (kafkajs commits marked offsets after each batch).
 * Messages of a partition are processed one after the other; a failing handler is retried in
 * place, holding back that partition, so events of one aggregate are never reordered.
 */
export class KafkaEventConsumer {
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly processor: InboxProcessor;
  private readonly logger: Logger;
  // One sleeper is enough: kafkajs hands us one message at a time (partitionsConsumedConcurrently 1).
  private readonly sleeper = new Sleeper();
  private readonly joinedOnce: Promise<void>;
  private stopping = false;
  private started = false;

  constructor(private readonly opts: KafkaEventConsumerOptions) {
    this.logger = opts.logger.child({ component: 'event-consumer', groupId: opts.groupId });
    this.kafka =
      opts.kafka ?? createKafka({ brokers: opts.brokers, clientId: opts.clientId, logger: opts.logger });
    this.consumer = this.kafka.consumer({
      groupId: opts.groupId,
      ...(opts.sessionTimeoutMs !== undefined ? { sessionTimeout: opts.sessionTimeoutMs } : {}),
    });
    this.processor = new InboxProcessor(opts.consumerName ?? opts.groupId, opts, this.logger);
    this.joinedOnce = new Promise((resolve) => {
      const off = this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
        off();
        resolve();
      });
    });
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      if (this.stopping) {
        // A crash while stopping (the broker went away mid-disconnect) makes kafkajs schedule a
        // restart after its own stop() has cleared the previous one: the consumer would reconnect
        // forever and keep the process alive. Stopping again once the restart is scheduled clears it.
        if (e.payload.restart) setImmediate(() => void this.consumer.stop().catch(() => undefined));
        this.logger.debug({ error: errorText(e.payload.error) }, 'Kafka consumer crashed while stopping');
        return;
      }
      this.logger.error(
        { error: errorText(e.payload.error), restart: e.payload.restart },
        e.payload.restart
          ? 'Kafka consumer crashed; kafkajs restarts it'
          : 'Kafka consumer crashed and stopped',
      );
    });
  }

  /** Connects, subscribes and starts consuming. Use {@link joined} to wait for partition assignment. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.consumer.connect();
    const prefix = this.opts.topicPrefix ?? '';
    await this.consumer.subscribe({
      topics: this.opts.topics.map((t) => prefix + t),
      fromBeginning: this.opts.fromBeginning ?? true,
    });
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message, heartbeat }) => {
        await this.processor.handle(
          message.value,
          { topic: topic.slice(prefix.length), partition, offset: message.offset },
          {
            isStopped: () => this.stopping,
            sleeper: this.sleeper,
            heartbeat,
          },
        );
      },
    });
    this.logger.info({ topics: this.opts.topics }, 'event consumer started');
  }

  /** Resolves when the consumer first joined its group (has partitions to read); rejects after `timeoutMs`. */
  async joined(timeoutMs = 30_000): Promise<void> {
    await withTimeout(this.joinedOnce, timeoutMs, `consumer group ${this.opts.groupId} not joined`);
  }

  /** Stops after the message in progress (a message still being retried is left for redelivery). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.sleeper.interrupt();
    await this.consumer.disconnect();
    this.logger.info('event consumer stopped');
  }
}

/** Options of {@link subscribeWithInbox}. */
export interface InboxSubscriptionOptions extends InboxConsumerOptions {
  topics: string[];
  /** Inbox consumer name (max 100 characters), e.g. `cases.roster-read-model`. */
  consumer: string;
}

/**
 * The embedded-mode equivalent of {@link KafkaEventConsumer}: subscribes to the in-process bus with
 * the same inbox transaction and retry behaviour. Returns a function that unsubscribes.
 */
export function subscribeWithInbox(bus: InProcessBus, opts: InboxSubscriptionOptions): () => void {
  const logger = opts.logger.child({ component: 'event-consumer', consumer: opts.consumer });
  const processor = new InboxProcessor(opts.consumer, opts, logger);
  const sleeper = new Sleeper();
  let stopped = false;
  const unsubscribers = opts.topics.map((topic) =>
    bus.subscribe(topic, async (message) => {
      try {
        await processor.handle(message.value, { topic }, { isStopped: () => stopped, sleeper });
      } catch (err) {
        if (!(err instanceof ConsumerStoppedError)) throw err;
      }
    }),
  );
  return () => {
    stopped = true;
    sleeper.interrupt();
    for (const unsubscribe of unsubscribers) unsubscribe();
  };
}

/** Rejects with `message` if `promise` has not settled after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
