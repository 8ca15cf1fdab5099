import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Latency buckets in seconds, for every duration histogram of the product (GraphQL operations,
 * subgraph fetches, event handling): fine below 100 ms where our requests are, up to 10 s.
 */
export const LATENCY_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface MetricsOptions {
  /** The `service` label of every series (roster, people, gateway, …). */
  service: string;
  /** Node process metrics (CPU, memory, event-loop lag, GC, handles); default true. */
  processMetrics?: boolean;
}

/**
 * The metrics of one service, in the Prometheus text format on `/metrics` (prom-client). One
 * registry per service, so the embedded app, which runs every service in one process, serves each
 * service's figures on its own port. Names start with `sc_`; labels are low-cardinality by
 * construction (see {@link BoundedLabel}): never an id, never a variable.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly service: string;

  constructor(options: MetricsOptions) {
    this.service = options.service;
    this.registry.setDefaultLabels({ service: options.service });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** The counter of that name, created on first use (a second part of the service gets the same one). */
  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Counter<L>;
    return new Counter<L>({ name, help, labelNames, registers: [this.registry] });
  }

  /** The histogram of that name (seconds, {@link LATENCY_BUCKETS} unless given), created on first use. */
  histogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    buckets: number[] = LATENCY_BUCKETS,
  ): Histogram<L> {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Histogram<L>;
    return new Histogram<L>({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  /**
   * A gauge read when Prometheus scrapes: `collect` sets its value(s). A collect that fails (the
   * database is away) never fails the scrape, and never reports a stale or made-up value as current:
   * a labelled gauge is left out of that scrape, an unlabelled one reads NaN.
   */
  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    collect: (gauge: Gauge<L>) => Promise<void> | void,
  ): Gauge<L> {
    const existing = this.registry.getSingleMetric(name);
    if (existing) throw new Error(`the gauge ${name} is registered twice`);
    return new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        try {
          await collect(this);
        } catch {
          this.reset();
          if (labelNames.length === 0) this.set(Number.NaN);
        }
      },
    });
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The `GET /metrics` handler. */
  route(): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
    return async (_req, res) => {
      const body = await this.text();
      res.writeHead(200, {
        'content-type': this.registry.contentType,
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
      });
      res.end(body);
    };
  }
}

/**
 * Keeps a label's values few, whatever callers send: a GraphQL operation name is chosen by the
 * client, so a loop with a new name per request would otherwise create a series per request. A
 * value must look like a GraphQL name; the first `max` distinct ones are kept as they are, later
 * ones are counted as `other`; no name is `anonymous`, a malformed one `invalid`.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly max = 200) {}

  value(raw: string | null | undefined): string {
    if (raw === null || raw === undefined || raw === '') return 'anonymous';
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(raw)) return 'invalid';
    if (this.seen.has(raw)) return raw;
    if (this.seen.size >= this.max) return 'other';
    this.seen.add(raw);
    return raw;
  }
}
