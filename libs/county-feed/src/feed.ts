import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { type DataSource, type EntityManager, IsNull } from 'typeorm';
import { z } from 'zod';
import { type Env, type Logger } from '@sc/config';
import { databaseErrorCode, isTransientDatabaseError, openDatabase, transaction } from '@sc/db';
import {
  BusSubscriber,
  type CloudEvent,
  type EventDelivery,
  type InProcessBus,
  type InvalidMessage,
  KafkaSubscriber,
  OUTBOX_ENTITIES,
  OUTBOX_MIGRATIONS,
  type Subscription,
} from '@sc/events';
import { findRoute, listen, type Listening, type RouteHandler, sendJson } from '@sc/graphql';
import { Metrics } from '@sc/metrics';
import { parseServiceEnv, type ServiceConfig } from '@sc/service';
import { applyEvent } from './apply';
import { EventCatalogue } from './asyncapi';
import { FEED_ENTITIES, ParkedEvent } from './entities';
import { FiguresRepository } from './figures.repository';
import { FEED_MIGRATIONS } from './migrations';

/** Name of the feed: its logger, metrics label, env prefix (`COUNTY_FEED_*`) and default group. */
export const COUNTY_FEED = 'county-feed';
export const COUNTY_FEED_PORT = 4005;
/** The document the feed reads, relative to the workspace (the cwd of every app). */
export const DEFAULT_ASYNCAPI_FILE = 'docs/asyncapi/asyncapi.json';

/** The feed's own variables, beside the shared ones (KAFKA_*, LOG_*, DATA_DIR) and COUNTY_FEED_HOST/PORT/DATABASE_URL. */
export const COUNTY_FEED_ENV = {
  /** Kafka consumer group (and inbox name); default `county-feed` plus KAFKA_GROUP_SUFFIX. */
  COUNTY_FEED_GROUP_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, 'expected 1 to 100 letters, digits, dots, dashes or underscores')
    .optional(),
  /** The AsyncAPI document to subscribe to and validate against. */
  COUNTY_FEED_ASYNCAPI_FILE: z.string().min(1).default(DEFAULT_ASYNCAPI_FILE),
};

/** The feed's settings, parsed from its environment (throws ConfigError naming every wrong variable). */
export interface CountyFeedConfig {
  service: ServiceConfig;
  groupId: string;
  asyncapiFile: string;
}

export function parseCountyFeedConfig(env: Env): CountyFeedConfig {
  const { config, env: own } = parseServiceEnv(
    { name: COUNTY_FEED, port: COUNTY_FEED_PORT, env: COUNTY_FEED_ENV },
    env,
  );
  return {
    service: config,
    groupId: own.COUNTY_FEED_GROUP_ID ?? `${COUNTY_FEED}${config.kafkaGroupSuffix}`,
    asyncapiFile: asyncapiPath(own.COUNTY_FEED_ASYNCAPI_FILE),
  };
}

/**
 * The document's path: as given, relative to the cwd. The default alone falls back to `asyncapi.json`
 * beside the bundled main.js (tools/build copies it there), for a deployment run outside the workspace.
 */
function asyncapiPath(file: string): string {
  const resolved = path.resolve(file);
  if (file !== DEFAULT_ASYNCAPI_FILE || fs.existsSync(resolved)) return resolved;
  const bundled = path.join(__dirname, 'asyncapi.json');
  return fs.existsSync(bundled) ? bundled : resolved;
}

export interface StartCountyFeedOptions {
  /** Database URL: mysql://, mariadb:// (real mode) or sqlite:<file> (embedded). */
  databaseUrl: string;
  /** Consumer group and inbox name. */
  groupId: string;
  logger: Logger;
  /** Kafka (real mode): brokers and the topic prefix of the deployment. */
  kafka?: { brokers: string[]; clientId?: string; topicPrefix?: string };
  /** Embedded mode: the in-process bus instead of Kafka (it keeps no history: start before others publish). */
  bus?: InProcessBus;
  asyncapiFile?: string;
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** How often the lag is asked of the broker (default 1 s). */
  lagIntervalMs?: number;
}

/** What the feed reports about its progress (`GET /api/v1/status`, `/metrics`). */
export interface FeedStatus {
  /** Messages of the feed's topics the group has not committed yet (0 on the in-process bus). */
  eventsBehind: number;
  /** Seconds since the event time of the last event handled, while events are behind; 0 when none is. */
  secondsBehind: number;
  /** When the lag was last asked of the broker (ms since the epoch, the start of that poll); null before. */
  lagCheckedAt: number | null;
  /** True once the feed saw no event behind since it started (stays true). */
  caughtUp: boolean;
  processed: number;
  duplicates: number;
  parked: number;
}

export interface RunningCountyFeed extends Listening {
  dataSource: DataSource;
  figures: FiguresRepository;
  catalogue: EventCatalogue;
  status(): Promise<FeedStatus>;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const MAX_MESSAGE_CHARS = 60_000;
/** Attempts at a valid event that fails permanently (not a passing database failure) before it is parked. */
const MAX_APPLY_ATTEMPTS = 3;

/**
 * Starts the county feed: the AsyncAPI document parsed, its database migrated, one consumer group over
 * every topic of the document (from offset zero when the group is new), every event validated against
 * its schema and either applied to the statistics or parked, and the HTTP API (health, readiness once
 * caught up, Prometheus metrics, the figures as JSON).
 */
export async function startCountyFeed(options: StartCountyFeedOptions): Promise<RunningCountyFeed> {
  const logger = options.logger.child({ component: 'county-feed' });
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) {
      try {
        await closer();
      } catch (err) {
        logger.warn({ err }, 'a part of the county feed failed to close');
      }
    }
  };
  try {
    const catalogue = await EventCatalogue.load(options.asyncapiFile ?? path.resolve(DEFAULT_ASYNCAPI_FILE));
    const dataSource = await openDatabase({
      url: options.databaseUrl,
      entities: [...FEED_ENTITIES, ...OUTBOX_ENTITIES],
      migrations: [...OUTBOX_MIGRATIONS, ...FEED_MIGRATIONS],
      logger,
    });
    closers.push(() => dataSource.destroy());
    const figures = new FiguresRepository(dataSource);
    const metrics = new Metrics({ service: COUNTY_FEED });
    const outcomes = metrics.counter(
      'sc_county_feed_events_total',
      'Events the county feed received, by outcome: processed (applied or parked), duplicate (redelivered), invalid (no event at all, parked).',
      ['outcome'],
    );
    const applyGiveUps = metrics.counter(
      'sc_county_feed_apply_failures_parked_total',
      'Valid events parked because applying them failed the same way ' +
        `${MAX_APPLY_ATTEMPTS} times (a permanent database error or a bug; see the log by event id).`,
    );
    /** Valid events whose application failed permanently, by id: attempts so far and the error code. */
    const applyFailures = new Map<string, { attempts: number; code: string }>();
    const counts = { processed: 0, duplicates: 0 };
    let lastEventTime: number | null = null;
    const startedAt = Date.now();

    const park = async (
      m: EntityManager,
      row: {
        eventId: string | null;
        type: string | null;
        reason: string;
        message: string | null;
      } & EventDelivery,
    ) => {
      await m.insert(ParkedEvent, {
        eventId: row.eventId,
        type: row.type,
        topic: row.topic,
        partition: row.partition ?? null,
        offset: row.offset ?? null,
        reason: row.reason,
        message: row.message === null ? null : row.message.slice(0, MAX_MESSAGE_CHARS),
        parkedAt: new Date(),
      });
    };
    const handler = async (event: CloudEvent<unknown>, m: EntityManager, delivery: EventDelivery) => {
      const verdict = catalogue.validate(delivery.topic, event);
      const failed = applyFailures.get(event.id);
      if (verdict.ok && failed !== undefined && failed.attempts >= MAX_APPLY_ATTEMPTS) {
        // The same valid event failed the same way every time (a value its column cannot hold, a bug):
        // retrying forever would block its partition, so it is parked like an invalid one — counted,
        // visible on /api/v1/parked, never silently dropped.
        applyFailures.delete(event.id);
        applyGiveUps.inc();
        logger.error(
          { eventId: event.id, type: event.type, topic: delivery.topic, error: failed.code },
          'parked an event that could not be applied',
        );
        await park(m, {
          eventId: event.id,
          type: event.type,
          reason: `could not be applied after ${failed.attempts} attempts: ${failed.code}`,
          message: JSON.stringify(event),
          ...delivery,
        });
      } else if (verdict.ok) {
        try {
          await applyEvent(event, m);
          applyFailures.delete(event.id);
        } catch (err) {
          // A failure that may pass (the database away, a lock conflict) is retried without limit.
          if (!isTransientDatabaseError(err)) {
            const attempts = (failed?.attempts ?? 0) + 1;
            if (applyFailures.size >= 10_000 && failed === undefined) applyFailures.clear();
            applyFailures.set(event.id, { attempts, code: databaseErrorCode(err) });
          }
          throw err;
        }
      } else {
        // Logged by id and type only: the reason names schema paths and keywords, never values.
        logger.warn(
          { eventId: event.id, type: event.type, topic: delivery.topic, reason: verdict.reason },
          'parked an event that does not match its AsyncAPI schema',
        );
        await park(m, {
          eventId: event.id,
          type: event.type,
          reason: verdict.reason,
          message: JSON.stringify(event),
          ...delivery,
        });
      }
      const time = Date.parse(event.time);
      if (!Number.isNaN(time)) lastEventTime = time;
    };
    const onInvalidMessage = async (message: InvalidMessage) => {
      logger.warn(
        {
          topic: message.topic,
          partition: message.partition,
          offset: message.offset,
          reason: message.reason,
        },
        'parked a message that is not an event',
      );
      await transaction(dataSource, async (m) => {
        // No event id to deduplicate on: a redelivered message is known by its place in the topic.
        if (message.offset !== undefined) {
          const known = await m.getRepository(ParkedEvent).findOneBy({
            topic: message.topic,
            partition: message.partition ?? IsNull(),
            offset: message.offset,
          });
          if (known) return;
        }
        await park(m, { eventId: null, type: null, message: message.value, ...message });
      });
    };

    let subscription: Subscription;
    let kafka: KafkaSubscriber | null = null;
    const topics = catalogue.topics;
    const subscribeOptions = {
      consumer: options.groupId,
      topics,
      handler,
      dataSource,
      onInvalidMessage,
      onOutcome: (outcome: 'processed' | 'duplicate' | 'invalid' | 'rejected') => {
        outcomes.inc({ outcome });
        if (outcome === 'processed') counts.processed += 1;
        if (outcome === 'duplicate') counts.duplicates += 1;
      },
    };
    if (options.bus) {
      subscription = new BusSubscriber(options.bus, logger).subscribe(subscribeOptions);
    } else if (options.kafka) {
      kafka = new KafkaSubscriber({
        brokers: options.kafka.brokers,
        clientId: options.kafka.clientId ?? COUNTY_FEED,
        logger,
        topicPrefix: options.kafka.topicPrefix,
        // One copy per county system: after a crash its restart should not wait kafkajs's 30 s for the
        // dead member's partitions (the broker's minimum is 6 s).
        sessionTimeoutMs: 10_000,
      });
      subscription = kafka.subscribe(subscribeOptions);
    } else {
      throw new Error('the county feed needs Kafka brokers or an in-process bus');
    }
    closers.push(() => subscription.stop());

    // The lag, asked of the broker in the background (a scrape or a status call reads the last answer).
    let eventsBehind = kafka ? Number.NaN : 0;
    let caughtUp = !kafka;
    let running = !kafka;
    let lagCheckedAt: number | null = kafka ? null : Date.now();
    void subscription.running(3_600_000).then(
      () => (running = true),
      () => undefined,
    );
    const pollLag = async () => {
      if (!kafka || !running) return;
      const checkedAt = Date.now();
      try {
        const rows = await kafka.lag([{ consumer: options.groupId, topics }]);
        eventsBehind = rows.reduce((sum, r) => sum + r.lag, 0);
        lagCheckedAt = checkedAt;
        if (eventsBehind === 0 && !caughtUp) {
          caughtUp = true;
          logger.info({ processed: counts.processed }, 'county feed caught up');
        }
      } catch (err) {
        logger.debug({ err }, 'cannot read the consumer lag');
        eventsBehind = Number.NaN;
      }
    };
    let polling = Promise.resolve();
    const timer = setInterval(() => {
      polling = polling.then(pollLag);
    }, options.lagIntervalMs ?? 1_000);
    closers.push(async () => {
      clearInterval(timer);
      await polling;
    });

    const parkedCount = async () => {
      const [row] = (await dataSource.query('SELECT COUNT(*) AS n FROM feed_parked_event')) as {
        n: unknown;
      }[];
      return Number(row?.n ?? 0);
    };
    const secondsBehind = () =>
      eventsBehind > 0 ? Math.max(0, (Date.now() - (lastEventTime ?? startedAt)) / 1000) : 0;
    const status = async (): Promise<FeedStatus> => ({
      eventsBehind,
      secondsBehind: secondsBehind(),
      lagCheckedAt: kafka ? lagCheckedAt : Date.now(),
      caughtUp,
      processed: counts.processed,
      duplicates: counts.duplicates,
      parked: await parkedCount(),
    });
    metrics.gauge(
      'sc_county_feed_events_behind',
      'Messages of the feed’s topics its consumer group has not committed yet (NaN when the broker does not answer).',
      [],
      (g) => g.set(eventsBehind),
    );
    metrics.gauge(
      'sc_county_feed_seconds_behind',
      'While events are behind: seconds since the event time of the last event the feed handled; 0 when caught up.',
      [],
      (g) => g.set(secondsBehind()),
    );
    metrics.gauge(
      'sc_county_feed_parked_events',
      'Events parked because they do not match the AsyncAPI document (table feed_parked_event).',
      [],
      async (g) => g.set(await parkedCount()),
    );

    const routes: Record<string, RouteHandler> = {
      '/healthz': (_req, res) => sendJson(res, 200, { status: 'ok' }),
      '/readyz': async (_req, res) => {
        const database = await dataSource.query('SELECT 1').then(
          () => 'ok',
          () => 'unavailable',
        );
        const events = caughtUp
          ? 'ok'
          : `catching up (${Number.isNaN(eventsBehind) ? '?' : eventsBehind} behind)`;
        const ok = database === 'ok' && events === 'ok';
        sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : 'not ready', checks: { database, events } });
      },
      '/metrics': metrics.route(),
      '/api/v1/figures': async (req, res) => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const range = parseMonths(url.searchParams);
        if ('error' in range) return badUserInput(res, range.error);
        sendJson(res, 200, await figures.figures(range.fromMonth, range.toMonth));
      },
      '/api/v1/status': async (_req, res) => sendJson(res, 200, await status()),
      '/api/v1/parked': async (_req, res) => {
        const rows = await dataSource.getRepository(ParkedEvent).find({ order: { seq: 'DESC' }, take: 100 });
        sendJson(res, 200, {
          total: await parkedCount(),
          latest: rows.map((r) => ({
            eventId: r.eventId,
            type: r.type,
            topic: r.topic,
            partition: r.partition,
            offset: r.offset,
            reason: r.reason,
            parkedAt: r.parkedAt.toISOString(),
          })),
        });
      },
    };
    const server = http.createServer((req, res) => {
      handle(routes, req, res).catch((err: unknown) => {
        logger.error({ err, path: req.url }, 'request failed');
        if (!res.headersSent)
          sendJson(res, 500, {
            errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
          });
        else res.end();
      });
    });
    const listening = await listen(server, options.port, options.host ?? '0.0.0.0');
    closers.push(() => listening.close());
    logger.info(
      { url: listening.url, topics: topics.length, groupId: options.groupId },
      'county feed listening',
    );
    return { ...listening, dataSource, figures, catalogue, status, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function handle(routes: Record<string, RouteHandler>, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const route = req.method === 'GET' ? findRoute(routes, 'GET', url.pathname) : undefined;
  if (!route) return sendJson(res, req.method === 'GET' ? 404 : 405, { error: 'not found' });
  await route(req, res);
}

type MonthRange = { fromMonth: string; toMonth: string } | { error: { field: string; message: string } };

/** `fromMonth` and `toMonth` (YYYY-MM, both required, from ≤ to). */
export function parseMonths(params: URLSearchParams): MonthRange {
  const fromMonth = params.get('fromMonth') ?? '';
  const toMonth = params.get('toMonth') ?? '';
  if (!MONTH.test(fromMonth))
    return { error: { field: 'fromMonth', message: 'expected a month as YYYY-MM' } };
  if (!MONTH.test(toMonth)) return { error: { field: 'toMonth', message: 'expected a month as YYYY-MM' } };
  if (fromMonth > toMonth) return { error: { field: 'toMonth', message: 'must not be before fromMonth' } };
  return { fromMonth, toMonth };
}

function badUserInput(res: ServerResponse, issue: { field: string; message: string }): void {
  sendJson(res, 400, {
    errors: [
      {
        message: `${issue.field}: ${issue.message}`,
        extensions: { code: 'BAD_USER_INPUT', field: issue.field, issues: [issue] },
      },
    ],
  });
}
