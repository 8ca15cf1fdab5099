import type { Logger } from '@sc/config';
import type { EventPublisher, PublishRecord } from './publisher';

/** Receives the messages of one topic from the {@link InProcessBus}. */
export type BusHandler = (message: PublishRecord) => Promise<void>;

interface Subscription {
  topic: string;
  handler: BusHandler;
  queue: PublishRecord[];
  draining: Promise<void> | null;
  active: boolean;
}

/**
 * The event bus of embedded mode: an {@link EventPublisher} that hands messages to in-process
 * subscribers instead of Kafka. Each subscription receives its topic's messages asynchronously and
 * one at a time, in publication order, so a slow subscriber delays only itself. Messages are not
 * retained: a subscriber sees what is published after it subscribed.
 */
export class InProcessBus implements EventPublisher {
  private readonly subscriptions = new Set<Subscription>();
  private readonly logger?: Logger;
  private closed = false;

  constructor(opts: { logger?: Logger } = {}) {
    this.logger = opts.logger?.child({ component: 'in-process-bus' });
  }

  /** Queues the records for every current subscriber of their topic; resolves before delivery. */
  publish(batch: PublishRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the in-process bus is closed'));
    for (const record of batch) {
      for (const sub of this.subscriptions) {
        if (sub.topic !== record.topic) continue;
        sub.queue.push(record);
        this.drain(sub);
      }
    }
    return Promise.resolve();
  }

  /**
   * Subscribes to a topic. A handler that throws is logged and the next message is delivered
   * (subscribers that must not lose messages retry inside, as `subscribeWithInbox` does).
   * Returns a function that unsubscribes; messages still queued for it are dropped.
   */
  subscribe(topic: string, handler: BusHandler): () => void {
    const sub: Subscription = { topic, handler, queue: [], draining: null, active: true };
    this.subscriptions.add(sub);
    return () => {
      sub.active = false;
      sub.queue.length = 0;
      this.subscriptions.delete(sub);
    };
  }

  /** Resolves once every message published so far has been handled (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const busy = [...this.subscriptions].map((s) => s.draining).filter((d) => d !== null);
      if (busy.length === 0) return;
      await Promise.all(busy);
    }
  }

  /** Rejects further publications and waits for queued deliveries. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
  }

  private drain(sub: Subscription): void {
    if (sub.draining) return;
    sub.draining = (async () => {
      // Deliver on a later tick: publishers must never run subscriber code on their own stack.
      await new Promise<void>((resolve) => setImmediate(resolve));
      for (let next = sub.queue.shift(); next !== undefined && sub.active; next = sub.queue.shift()) {
        try {
          await sub.handler(next);
        } catch (err) {
          this.logger?.error(
            { topic: sub.topic, error: err instanceof Error ? err.message : String(err) },
            'in-process subscriber failed; message dropped',
          );
        }
      }
    })().finally(() => {
      sub.draining = null;
      // A publish may have arrived between the last shift and this point.
      if (sub.active && sub.queue.length > 0) this.drain(sub);
    });
  }
}
