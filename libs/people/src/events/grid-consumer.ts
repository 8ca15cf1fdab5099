import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import type { Logger } from '@sc/config';
import { createKafka, ensureTopics, KafkaEventConsumer } from '@sc/events';
import { applyGridEvent } from '../services/grid-read-model';
import { ROSTER_GRIDS_TOPIC } from './roster-grids';

export interface GridConsumerOptions {
  dataSource: DataSource;
  logger: Logger;
  brokers: string[];
  clientId: string;
  groupId: string;
}

/**
 * Feeds the grid read model from Kafka. Started in the background: a broker that is down when the
 * service starts must not stop it from serving (chiefs keep the grids they had); it connects as
 * soon as the broker answers, retrying with a growing delay (1 s doubling to 30 s).
 */
export class GridConsumer {
  private consumer: KafkaEventConsumer | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private readonly logger: Logger;
  private readonly kafka: Kafka;

  constructor(private readonly opts: GridConsumerOptions) {
    this.logger = opts.logger.child({ component: 'grid-consumer' });
    // Its own client with short kafkajs retries: this class owns the retry loop, and a stop while
    // the broker is away must not wait out kafkajs's longer default schedule.
    this.kafka = createKafka({
      brokers: opts.brokers,
      clientId: opts.clientId,
      logger: opts.logger,
      config: { connectionTimeout: 1_000, retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1_000 } },
    });
  }

  /** Starts connecting; resolves at once. */
  start(): void {
    this.loop ??= this.run().catch((err: unknown) => {
      this.logger.error({ error: err instanceof Error ? err.message : String(err) }, 'grid consumer gave up');
    });
  }

  /** Resolves when the consumer runs (for tests); rejects after `timeoutMs`. */
  async running(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.consumer) {
      if (Date.now() > until) throw new Error(`grid consumer not running within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
    await this.consumer?.stop();
    this.consumer = null;
  }

  private async run(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      const consumer = new KafkaEventConsumer({
        kafka: this.kafka,
        dataSource: this.opts.dataSource,
        logger: this.opts.logger,
        brokers: this.opts.brokers,
        clientId: this.opts.clientId,
        groupId: this.opts.groupId,
        topics: [ROSTER_GRIDS_TOPIC],
        handler: applyGridEvent,
      });
      try {
        // Subscribing to a topic the roster has not created yet would fail the start.
        await ensureTopics(this.kafka, [{ topic: ROSTER_GRIDS_TOPIC }]);
        await consumer.start();
        if (this.stopped) {
          await consumer.stop();
          return;
        }
        this.consumer = consumer;
        if (attempt > 1) this.logger.info({ attempts: attempt }, 'grid consumer connected after retries');
        return;
      } catch (err) {
        await consumer.stop().catch(() => undefined);
        const delay = Math.min(30_000, 1_000 * 2 ** Math.min(attempt - 1, 5));
        this.logger.warn(
          { attempt, retryInMs: delay, error: err instanceof Error ? err.message : String(err) },
          'cannot start the grid consumer; will retry',
        );
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.timer = setTimeout(resolve, delay);
        });
      }
    }
  }
}
