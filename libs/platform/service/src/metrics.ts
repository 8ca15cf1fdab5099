import { type DataSource, IsNull } from 'typeorm';
import { type EventPublisher, type InboxOutcome, OutboxEvent } from '@sc/events';
import type { Metrics } from '@sc/metrics';
import {
  contextFromEvent,
  setSpan,
  type Span,
  SpanKind,
  SpanStatusCode,
  traceHeaders,
  tracer,
} from '@sc/tracing';

/**
 * The event side of a service's metrics (docs/observability.md): what the outbox holds back, what
 * the relay publishes and fails to, what the consumers do with each delivery, and the database pool.
 * Every figure is read from the component that knows it; nothing here changes what they do.
 */

const TRACEPARENT = /"traceparent":"([0-9a-f-]{55})"/;

/**
 * What the relay hands to the broker, counted (events published, batches that failed) and traced:
 * a producer span per event, a child of the outbox write that the envelope's `traceparent` names,
 * whose own context goes out in the message's `traceparent` header (Kafka binding of the CloudEvents
 * tracing extension). Events written while nothing was traced get no span.
 */
export function instrumentedPublisher(publisher: EventPublisher, metrics: Metrics): EventPublisher {
  const published = metrics.counter(
    'sc_outbox_published_events_total',
    'Outbox events the relay published (acknowledged by the broker, or the in-process bus).',
  );
  const failed = metrics.counter(
    'sc_outbox_publish_failures_total',
    'Relay publish attempts that failed (each retried; the events stay in the outbox).',
  );
  return {
    async publish(batch) {
      const spans: Span[] = [];
      const records = batch.map((record) => {
        const traceparent = TRACEPARENT.exec(record.value)?.[1];
        if (!traceparent) return record;
        const span = tracer().startSpan(
          `publish ${record.topic}`,
          { kind: SpanKind.PRODUCER, attributes: { 'messaging.destination.name': record.topic } },
          contextFromEvent({ traceparent }),
        );
        spans.push(span);
        return { ...record, headers: { ...record.headers, ...traceHeaders(setSpan(span)) } };
      });
      try {
        await publisher.publish(records);
      } catch (error) {
        failed.inc();
        for (const span of spans)
          span.setStatus({ code: SpanStatusCode.ERROR, message: 'publish failed' }).end();
        throw error;
      }
      published.inc(batch.length);
      for (const span of spans) span.end();
    },
    close: () => publisher.close(),
  };
}

/**
 * `sc_outbox_unpublished_events` and `sc_outbox_oldest_unpublished_age_seconds`, read from the
 * outbox table at scrape time through its (published_at, seq) index. The age is what to alert on:
 * it grows while the broker is away, and falls back to 0 once the relay caught up.
 */
export function registerOutboxGauges(metrics: Metrics, dataSource: DataSource, clock: () => Date): void {
  const outbox = () => dataSource.getRepository(OutboxEvent);
  metrics.gauge(
    'sc_outbox_unpublished_events',
    'Events committed to the outbox and not yet published.',
    [],
    async (gauge) => {
      gauge.set(await outbox().countBy({ publishedAt: IsNull() }));
    },
  );
  metrics.gauge(
    'sc_outbox_oldest_unpublished_age_seconds',
    'Age of the oldest unpublished outbox event (0 when none waits).',
    [],
    async (gauge) => {
      // Through the entity, so the driver reads the stored time as it wrote it (SQLite keeps UTC text).
      const oldest = await outbox().findOne({
        where: { publishedAt: IsNull() },
        order: { seq: 'ASC' },
        select: { seq: true, createdAt: true },
      });
      if (!oldest) return void gauge.set(0);
      gauge.set(Math.max(0, (clock().getTime() - oldest.createdAt.getTime()) / 1000));
    },
  );
}

/** `sc_inbox_events_total{consumer, outcome}`: processed, duplicate (redelivery skipped), invalid, rejected. */
export function inboxOutcomeCounter(metrics: Metrics): (consumer: string, outcome: InboxOutcome) => void {
  const counter = metrics.counter(
    'sc_inbox_events_total',
    'Deliveries to a consumer by outcome: processed, duplicate (a redelivery, skipped), invalid (not an event), rejected (breaks its contract).',
    ['consumer', 'outcome'],
  );
  return (consumer, outcome) => counter.inc({ consumer, outcome });
}

/** What a pool reports; mysql2 keeps these in its (undocumented but stable) queues. */
interface Mysql2PoolLike {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
  config?: { connectionLimit?: number };
}

/** `sc_db_pool_connections{state}`: in use, idle, and requests waiting for a connection (MySQL pools). */
export function registerPoolGauges(metrics: Metrics, dataSource: DataSource): void {
  const pool = (dataSource.driver as unknown as { pool?: Mysql2PoolLike }).pool;
  if (!pool?._allConnections || !pool._freeConnections) return;
  metrics.gauge(
    'sc_db_pool_connections',
    'Database pool connections: in_use, idle, and waiting (requests queued for a connection).',
    ['state'],
    (gauge) => {
      const all = pool._allConnections?.length ?? 0;
      const idle = pool._freeConnections?.length ?? 0;
      gauge.set({ state: 'in_use' }, all - idle);
      gauge.set({ state: 'idle' }, idle);
      gauge.set({ state: 'waiting' }, pool._connectionQueue?.length ?? 0);
    },
  );
  metrics.gauge('sc_db_pool_max_connections', 'Database pool size.', [], (gauge) => {
    gauge.set(pool.config?.connectionLimit ?? 0);
  });
}
