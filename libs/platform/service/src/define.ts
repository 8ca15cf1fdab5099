import type { ApolloServerPlugin } from '@apollo/server';
import type { Metrics } from '@sc/metrics';
import type { IncomingMessage } from 'node:http';
import type { DataSource } from 'typeorm';
import type { z } from 'zod';
import type { Principal, SigningKey } from '@sc/auth';
import type { Logger } from '@sc/config';
import type { EmbeddedUpgrade } from '@sc/db';
import type { EventHandler, Outbox, Producer, ReadModelCatchUp, SnapshotSource, Topic } from '@sc/events';
import type { ReadinessCheck, RouteHandler, SubgraphResolvers } from '@sc/graphql';
import type { ServiceConfig } from './env';

/** What every service method learns about the request it serves (services extend it). */
export interface RequestInfo {
  /** The verified caller, or null for an anonymous one. */
  readonly principal: Principal | null;
}

/** One consumer group of a service: topics of other services and the inbox handler that applies them. */
export interface Consumption {
  /** Unique within the service; the Kafka group is `<service>.<name><KAFKA_GROUP_SUFFIX>`. */
  name: string;
  topics: readonly Topic[];
  handler: EventHandler;
  /** A read model filled by a producer's snapshot when it is behind (ADR 0023). */
  catchUp?: ReadModelCatchUp;
}

/** A periodic job of a service (see `ServiceParts.jobs`). */
export interface ServiceJob {
  /** Unique within the service (part of the lock name), e.g. `case-sweeper`. */
  name: string;
  intervalMs: number;
  /** Idempotent work, given the time it runs for. */
  run: (now: Date) => Promise<void>;
}

/** What the kit hands a service's `build`: its settings and the infrastructure already running. */
export interface ServiceKit<TEnv> {
  name: string;
  /** The service's own settings (its `env` shape, parsed). */
  env: TEnv;
  config: ServiceConfig;
  logger: Logger;
  /** Migrated (real mode) or synchronized (embedded) database with the outbox and inbox tables. */
  dataSource: DataSource;
  /** Writes the service's events in the transaction of the change (source from `produces`). */
  outbox: Outbox;
  /** Call after a transaction that wrote events committed: the relay publishes without waiting to poll. */
  committed: () => void;
  /** Cleanup the kit runs on close, in reverse order of registration (also after a failed start). */
  onClose(close: () => Promise<void> | void): void;
  /** The clock of this start (tests move it); jobs run by it. */
  clock: () => Date;
  /** The service's metrics, served on `/metrics`: add the service's own figures here. */
  metrics: Metrics;
  /**
   * The caller of a plain HTTP route (`routes`), from its `Authorization: Bearer` header, verified
   * like a GraphQL request's: null when there is none; rejects with UNAUTHENTICATED when it is refused.
   */
  authenticate: (req: IncomingMessage) => Promise<Principal | null>;
}

/** A service that issues tokens: its signing key is served as a JWKS and verifies its own tokens. */
export interface TokenIssuing {
  signingKey: SigningKey;
}

/** What a service's `build` returns: how to make a request context, and its optional parts. */
export interface ServiceParts<TContext extends RequestInfo, TExposed> {
  /** Builds the per-request context (loaders, services) for a verified caller. */
  context(request: { principal: Principal | null; req: IncomingMessage }): TContext | Promise<TContext>;
  /** Set by the token issuer: the kit serves `/.well-known/jwks.json` and verifies with this key. */
  issuer?: TokenIssuing;
  /** Plain HTTP routes beside /graphql (see `findRoute`: `POST /path`, `GET /prefix/*`). */
  routes?: Record<string, RouteHandler>;
  readiness?: ReadinessCheck[];
  /** Loads the demo data when the database is empty (idempotent). */
  seed?: () => Promise<unknown>;
  /**
   * Periodic background work (sweepers, closing votes): run in every copy of the service but in one at a
   * time (`ExclusiveJob`), on the kit's clock; started after the seed, stopped first on close.
   */
  jobs?: readonly ServiceJob[];
  /** What tests and tools may reach on the running service (e.g. the field cipher). */
  exposed?: TExposed;
  /** More Apollo plugins for the subgraph, e.g. the public-read cache (ADR 0050). */
  plugins?: ApolloServerPlugin<TContext>[];
}

/** Everything that defines a service; the registry lists one per service. */
export interface ServiceDefinition<TShape extends z.ZodRawShape, TContext extends RequestInfo, TExposed> {
  /** Registry name, subgraph name and prefix of its own variables (`roster` → `ROSTER_PORT`). */
  name: string;
  /** One line for docs and start banners. */
  title: string;
  /** Default port (`<NAME>_PORT`). */
  port: number;
  /** The subgraph's own SDL (the kit adds the platform SDL, see `subgraphSdl`). */
  sdl: () => string;
  resolvers: SubgraphResolvers;
  /** TypeORM entities; the kit adds the outbox and inbox tables. */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: Function[];
  /** Generated migrations of the real database; the kit runs the outbox/inbox migration first. */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: Function[];
  /** Folder of the generated migrations, relative to the workspace root (for `npm run db:migration`). */
  migrationsDir: string;
  embeddedUpgrade?: EmbeddedUpgrade;
  /** The service's event contracts (its contract library). */
  produces?: Producer;
  /** What it consumes from other services. */
  consumes?: readonly Consumption[];
  /**
   * The producer's snapshot for its consumers' read models (ADR 0023), on its database and outbox:
   * used by the running service (embedded catch-up) and by `npm run readmodels:snapshot`.
   */
  snapshot?: (dataSource: DataSource, outbox: Outbox, committed: () => void) => SnapshotSource;
  /**
   * Public pages the service serves (GET route patterns such as `/signboards/*`, among its `routes`):
   * the gateway forwards them, so they are reachable at the gateway's URL (ADR 0046).
   */
  pages?: readonly string[];
  /**
   * Where a deployed process (`runService`) runs the demo seed: `child` runs it in a short-lived child
   * process of the same app (its own build, the same database and outbox) and waits for it before
   * serving, so the memory a large seed leaves committed (malloc'd native buffers of 10,000s of
   * ciphers and INSERTs, heap pages) goes with that process instead of staying in the service (ADR 0050,
   * 2026-12-04 evening). Default `inline`. Embedded mode and `start()` in tests always seed inline.
   */
  seedIn?: 'inline' | 'child';
  /** The service's own variables, beyond those every service has (see `serviceEnvNames`). */
  env: TShape;
  build(kit: ServiceKit<z.infer<z.ZodObject<TShape>>>): Promise<ServiceParts<TContext, TExposed>>;
}
