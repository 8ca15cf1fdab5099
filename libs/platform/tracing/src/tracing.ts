import {
  context,
  type Context,
  INVALID_SPAN_CONTEXT,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
} from '@opentelemetry/api';
import type * as ContextAsyncHooks from '@opentelemetry/context-async-hooks';
import type * as Core from '@opentelemetry/core';
import type * as OtlpHttp from '@opentelemetry/exporter-trace-otlp-http';
import type * as Resources from '@opentelemetry/resources';
import type * as SdkTrace from '@opentelemetry/sdk-trace';
import type {
  InMemorySpanExporter,
  SpanExporter,
  SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

/*
 * The SDK (provider, processors, the OTLP exporter with its protobuf serializers, the context manager,
 * the propagator: ~250 modules, ~5 MB of heap) is loaded by startTracing only when spans are exported
 * (ADR 0050, 2026-12-04 evening): with tracing off, as by default, every call here goes through
 * @opentelemetry/api's no-op implementations and nothing else is required.
 */
const sdkTrace = (): typeof SdkTrace => require('@opentelemetry/sdk-trace') as typeof SdkTrace;

/** The SDK's in-memory exporter (for specs), loaded on first use like the rest of the SDK. */
export function inMemorySpanExporter(): InMemorySpanExporter {
  return new (sdkTrace().InMemorySpanExporter)();
}

export { SpanKind, SpanStatusCode, type Span, type Context };

/** A context whose active span is `span` (to inject it, or to start its children). */
export function setSpan(span: Span, parent: Context = context.active()): Context {
  return trace.setSpan(parent, span);
}

/**
 * Tracing for the whole product (docs/observability.md, ADR 0038): OpenTelemetry, with spans made
 * by hand at the points that matter — the GraphQL request (gateway and subgraph), the gateway's call
 * to a subgraph, the outbox write, the relay's publish and the consumer's handling — and the W3C
 * trace context carried over HTTP (`traceparent`) and inside each CloudEvent (the CloudEvents
 * distributed-tracing extension), so one change is one trace from the browser to another service's
 * consumer. Until {@link startTracing} registers a provider every call here is a no-op.
 */
const TRACER = 'street-chief';

/** The product's tracer (a no-op one until tracing is started). */
export function tracer() {
  return trace.getTracer(TRACER);
}

export type TracesExporter = 'otlp' | 'console' | 'none';

export interface TracingOptions {
  /** `service.name` of the spans (the app: roster, gateway, embedded, …). */
  service: string;
  /** Where spans go: OTLP over HTTP (`OTEL_EXPORTER_OTLP_*`), the console, or an exporter given (tests). */
  exporter: TracesExporter | SpanExporter;
}

export interface RunningTracing {
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

let running: TracerProvider | null = null;

/** True while {@link startTracing} has a provider registered in this process (spans are recorded). */
export function tracingOn(): boolean {
  return running !== null;
}

/** The span {@link inSpan} hands to its function while tracing is off: records nothing. */
const NO_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Registers the process's tracer provider, context manager (AsyncLocalStorage) and W3C propagator.
 * Once per process; `none` registers nothing (every span call stays a no-op).
 */
export function startTracing(options: TracingOptions): RunningTracing {
  if (options.exporter === 'none') return { shutdown: async () => undefined };
  if (running) throw new Error('tracing is already started in this process');
  const { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, TracerProvider } = sdkTrace();
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttp;
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof Resources;
  const { AsyncLocalStorageContextManager } =
    require('@opentelemetry/context-async-hooks') as typeof ContextAsyncHooks;
  const { W3CTraceContextPropagator } = require('@opentelemetry/core') as typeof Core;
  let processor: SpanProcessor;
  if (options.exporter === 'otlp') processor = new BatchSpanProcessor({ exporter: new OTLPTraceExporter() });
  else if (options.exporter === 'console')
    processor = new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() });
  else processor = new SimpleSpanProcessor({ exporter: options.exporter });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.service }),
    spanProcessors: [processor],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  running = provider;
  return {
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
      running = null;
    },
  };
}

/**
 * Which exporter the standard variables ask for: `OTEL_SDK_DISABLED=true` or
 * `OTEL_TRACES_EXPORTER=none` → none; `otlp`/`console` as given; unset → otlp when an OTLP endpoint
 * is configured, else `fallback` (none in embedded mode and by default).
 */
export function tracesExporterFromEnv(
  env: Record<string, string | undefined>,
  fallback: TracesExporter = 'none',
): TracesExporter {
  if ((env['OTEL_SDK_DISABLED'] ?? '').toLowerCase() === 'true') return 'none';
  const asked = (env['OTEL_TRACES_EXPORTER'] ?? '').trim().toLowerCase();
  if (asked === 'otlp' || asked === 'console' || asked === 'none') return asked;
  if (asked !== '') throw new Error(`OTEL_TRACES_EXPORTER: expected otlp, console or none, got ${asked}`);
  if (env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) return 'otlp';
  return fallback;
}

/**
 * Runs `fn` in a new active span (a child of `parent`, or of the active context), ends it, and
 * marks it as failed when `fn` throws. The span's `sc.service` attribute tells apart the services of
 * the embedded app, which share one process (and so one `service.name`). With tracing off it only
 * calls `fn` (with a span that records nothing): no context switch, no closure per call (ADR 0052).
 */
export function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes; parent?: Context },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  if (running === null) {
    try {
      return fn(NO_SPAN);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }
  const parent = options.parent ?? context.active();
  return tracer().startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: error instanceof Error ? error.name : 'error',
        });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** The trace context of incoming HTTP headers (`traceparent`, `tracestate`), or the root context. */
export function contextFromHeaders(headers: Record<string, string | string[] | undefined>): Context {
  return propagation.extract(ROOT_CONTEXT, headers, {
    get: (carrier, key) => carrier[key],
    keys: (carrier) => Object.keys(carrier),
  });
}

/** The trace context a CloudEvent carries (distributed-tracing extension), or the root context. */
export function contextFromEvent(event: { traceparent?: string; tracestate?: string }): Context {
  if (!event.traceparent) return ROOT_CONTEXT;
  const carrier: Record<string, string> = { traceparent: event.traceparent };
  if (event.tracestate) carrier['tracestate'] = event.tracestate;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/** `traceparent`/`tracestate` of the active (or given) context; empty when nothing is traced. */
export function traceHeaders(ctx: Context = context.active()): { traceparent?: string; tracestate?: string } {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** `trace_id` and `span_id` of the active span, for log lines; undefined when none is recording. */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const { traceId, spanId, traceFlags } = span.spanContext();
  if (!trace.isSpanContextValid(span.spanContext()) || traceFlags === undefined) return undefined;
  return { trace_id: traceId, span_id: spanId };
}

/** The active span, to rename or annotate (a no-op span when none). */
export function activeSpan(): Span | undefined {
  return trace.getActiveSpan();
}

/**
 * An app's tracing from the standard variables (see {@link tracesExporterFromEnv}); a wrong
 * `OTEL_TRACES_EXPORTER` stops the app with one line and exit 78, like any wrong setting.
 */
export function startTracingFromEnv(
  service: string,
  env: Record<string, string | undefined>,
  fallback: TracesExporter = 'none',
): RunningTracing {
  let exporter: TracesExporter;
  try {
    exporter = tracesExporterFromEnv(env, fallback);
  } catch (error) {
    process.stderr.write(`${service}: invalid configuration: ${(error as Error).message}\n`);
    process.exit(78);
  }
  return startTracing({ service, exporter });
}
