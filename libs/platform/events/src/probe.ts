import { randomUUID } from 'node:crypto';
import { type Consumer, type Kafka } from 'kafkajs';
import { type Logger, createLogger } from '@sc/config';
import { type CloudEvent, parseEnvelope } from './cloud-event';
import type { InProcessBus } from './in-process-bus';
import { withTimeout } from './inbox';
import { createKafka, ensureTopics } from './kafka';

/** One message seen by a probe. */
export interface RecordedEvent {
  topic: string;
  key: string | null;
  /** The parsed envelope, or null when the value was not a valid CloudEvent. */
  event: CloudEvent<unknown> | null;
  value: string | null;
  headers: Record<string, string>;
  /** Kafka partition and offset (in-process: 0 and the arrival index). */
  partition: number;
  offset: string;
}

/** Test helper that records the messages of some topics and waits for expected ones. */
export abstract class EventProbe {
  private readonly recorded: RecordedEvent[] = [];
  private waiters: { predicate: (r: RecordedEvent) => boolean; resolve: (r: RecordedEvent) => void }[] = [];

  /** Everything recorded so far, in arrival order. */
  all(): RecordedEvent[] {
    return [...this.recorded];
  }

  /** The first recorded message (past or future) that matches; rejects after `timeoutMs`. */
  async waitFor(predicate: (r: RecordedEvent) => boolean, timeoutMs = 20_000): Promise<RecordedEvent> {
    const seen = this.recorded.find(predicate);
    if (seen) return seen;
    let waiter: (typeof this.waiters)[number] | undefined;
    const found = new Promise<RecordedEvent>((resolve) => {
      waiter = { predicate, resolve };
      this.waiters.push(waiter);
    });
    try {
      return await withTimeout(found, timeoutMs, `no matching event (${this.recorded.length} recorded)`);
    } finally {
      this.waiters = this.waiters.filter((w) => w !== waiter);
    }
  }

  /** Resolves once `count` recorded messages match; rejects after `timeoutMs`. */
  async waitForCount(
    predicate: (r: RecordedEvent) => boolean,
    count: number,
    timeoutMs = 20_000,
  ): Promise<RecordedEvent[]> {
    let n = 0;
    await this.waitFor((r) => predicate(r) && ++n >= count, timeoutMs).catch((err: unknown) => {
      throw new Error(`expected ${count} matching events, saw ${this.recorded.filter(predicate).length}`, {
        cause: err,
      });
    });
    return this.recorded.filter(predicate);
  }

  abstract stop(): Promise<void>;

  protected record(r: RecordedEvent): void {
    this.recorded.push(r);
    for (const w of this.waiters) if (w.predicate(r)) w.resolve(r);
  }
}

/** What {@link waitForEvent} looks for; omitted fields match anything. */
export interface EventMatch {
  type?: string;
  subject?: string;
  topic?: string;
  id?: string;
}

/** Waits until the probe has seen a valid event matching every given field. */
export function waitForEvent(
  probe: EventProbe,
  match: EventMatch,
  timeoutMs = 20_000,
): Promise<RecordedEvent> {
  return probe.waitFor(
    (r) =>
      r.event !== null &&
      (match.type === undefined || r.event.type === match.type) &&
      (match.subject === undefined || r.event.subject === match.subject) &&
      (match.id === undefined || r.event.id === match.id) &&
      (match.topic === undefined || r.topic === match.topic),
    timeoutMs,
  );
}

function tryParse(value: string | null): CloudEvent<unknown> | null {
  try {
    return parseEnvelope(value);
  } catch {
    return null;
  }
}

/** Options of {@link KafkaEventProbe.start}. */
export interface KafkaEventProbeOptions {
  brokers: string[];
  topics: string[];
  /** Also record what the topics held before the probe started (default: only newer messages). */
  fromBeginning?: boolean;
  /** Defaults to a silent logger: tests assert on events, not on kafkajs chatter. */
  logger?: Logger;
  /** The services' `KAFKA_TOPIC_PREFIX`: put before `topics`; recorded topics are without it. */
  topicPrefix?: string;
}

/**
 * Header of the markers {@link KafkaEventProbe.drain} sends. Every probe skips such messages (they are
 * never recorded); a service's inbox skips them as not valid events.
 */
export const PROBE_MARKER_HEADER = 'x-sc-probe-marker';

/**
 * Records every message of some Kafka topics, in its own consumer group. `start` resolves only when
 * the group is joined, and messages older than the start are filtered by offset rather than left to
 * the "latest" reset, which kafkajs resolves only at the first fetch (after the join), so events
 * produced right after `start` are never missed.
 */
export class KafkaEventProbe extends EventProbe {
  private readonly markers = new Map<string, () => void>();

  private constructor(
    private readonly consumer: Consumer,
    private readonly kafka: Kafka,
    private readonly topics: string[],
  ) {
    super();
  }

  /**
   * A positive marker for asserting absence: sends a marker to every partition of the probe's topics
   * and resolves once the probe has seen all of them. A partition's messages arrive in order, so
   * everything produced to these topics before `drain` was called (and acknowledged by the broker)
   * has been recorded by then: "no duplicate" asserted after `drain` cannot pass merely because the
   * duplicate is late. Rejects after `timeoutMs`.
   */
  async drain(timeoutMs = 20_000): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    let partitions: { topic: string; partition: number }[];
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: this.topics });
      partitions = topics.flatMap((t) =>
        t.partitions.map((p) => ({ topic: t.name, partition: p.partitionId })),
      );
    } finally {
      await admin.disconnect();
    }
    const seen = partitions.map(() => {
      const id = randomUUID();
      const arrived = new Promise<void>((resolve) => this.markers.set(id, resolve));
      return { id, arrived };
    });
    const producer = this.kafka.producer();
    await producer.connect();
    try {
      for (const [i, p] of partitions.entries()) {
        const id = seen[i]?.id ?? '';
        await producer.send({
          topic: p.topic,
          acks: -1,
          messages: [
            { partition: p.partition, key: null, value: null, headers: { [PROBE_MARKER_HEADER]: id } },
          ],
        });
      }
    } finally {
      await producer.disconnect();
    }
    try {
      await withTimeout(
        Promise.all(seen.map((m) => m.arrived)),
        timeoutMs,
        `the probe did not see its markers on ${partitions.length} partitions`,
      );
    } finally {
      for (const m of seen) this.markers.delete(m.id);
    }
  }

  static async start(opts: KafkaEventProbeOptions): Promise<KafkaEventProbe> {
    const logger = opts.logger ?? createLogger({ service: 'event-probe', level: 'silent' });
    const prefix = opts.topicPrefix ?? '';
    const topics = opts.topics.map((t) => prefix + t);
    const kafka = createKafka({
      brokers: opts.brokers,
      clientId: 'event-probe',
      logger,
      config: { retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 2_000 } },
    });
    await ensureTopics(
      kafka,
      topics.map((topic) => ({ topic })),
    );
    const startOffsets = new Map<string, bigint>();
    if (!opts.fromBeginning) {
      const admin = kafka.admin();
      await admin.connect();
      try {
        for (const topic of topics) {
          for (const p of await admin.fetchTopicOffsets(topic))
            startOffsets.set(`${topic}/${p.partition}`, BigInt(p.high));
        }
      } finally {
        await admin.disconnect();
      }
    }
    const consumer = kafka.consumer({ groupId: `event-probe-${randomUUID()}`, maxWaitTimeInMs: 100 });
    const probe = new KafkaEventProbe(consumer, kafka, topics);
    const joined = new Promise<void>((resolve) => {
      const off = consumer.on(consumer.events.GROUP_JOIN, () => {
        off();
        resolve();
      });
    });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ topic, partition, message }) => {
        const from = startOffsets.get(`${topic}/${partition}`);
        if (from !== undefined && BigInt(message.offset) < from) return Promise.resolve();
        const marker = message.headers?.[PROBE_MARKER_HEADER];
        if (marker !== undefined) {
          probe.markers.get(marker.toString())?.();
          return Promise.resolve();
        }
        const value = message.value?.toString('utf8') ?? null;
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) {
          if (v !== undefined) headers[k] = Array.isArray(v) ? v.map(String).join(',') : v.toString();
        }
        probe.record({
          topic: topic.slice(prefix.length),
          key: message.key?.toString('utf8') ?? null,
          event: tryParse(value),
          value,
          headers,
          partition,
          offset: message.offset,
        });
        return Promise.resolve();
      },
    });
    try {
      await withTimeout(joined, 30_000, 'event probe did not join its consumer group');
    } catch (err) {
      await consumer.disconnect();
      throw err;
    }
    return probe;
  }

  /** Leaves the group and disconnects. */
  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/** The in-process twin of {@link KafkaEventProbe}, for embedded-mode tests. */
export class InProcessEventProbe extends EventProbe {
  private readonly unsubscribers: (() => void)[];
  private count = 0;

  constructor(bus: InProcessBus, topics: string[]) {
    super();
    this.unsubscribers = topics.map((topic) =>
      bus.subscribe(topic, (m) => {
        this.record({
          topic,
          key: m.key,
          event: tryParse(m.value),
          value: m.value,
          headers: { ...m.headers },
          partition: 0,
          offset: String(this.count++),
        });
        return Promise.resolve();
      }),
    );
  }

  stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribers) unsubscribe();
    return Promise.resolve();
  }
}
