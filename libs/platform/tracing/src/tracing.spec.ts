import { Writable } from 'node:stream';
import { createLogger } from '@sc/config';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import {
  activeTraceIds,
  contextFromEvent,
  inSpan,
  SpanKind,
  startTracing,
  traceHeaders,
  tracesExporterFromEnv,
} from './tracing';

describe('tracing', () => {
  it('is off unless asked: OTEL_TRACES_EXPORTER, an OTLP endpoint, OTEL_SDK_DISABLED', () => {
    expect(tracesExporterFromEnv({})).toBe('none');
    expect(tracesExporterFromEnv({ OTEL_TRACES_EXPORTER: 'console' })).toBe('console');
    expect(tracesExporterFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe('otlp');
    expect(tracesExporterFromEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toBe(
      'otlp',
    );
    expect(
      tracesExporterFromEnv({
        OTEL_SDK_DISABLED: 'true',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      }),
    ).toBe('none');
    expect(() => tracesExporterFromEnv({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(/otlp, console or none/);
  });

  it('does nothing while no tracing is started: no ids, no headers', async () => {
    await inSpan('off', {}, async () => {
      expect(activeTraceIds()).toBeUndefined();
      expect(traceHeaders()).toEqual({});
    });
  });

  it('puts trace_id and span_id on every log line written inside a span, and continues an event’s trace', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = startTracing({ service: 'spec', exporter });
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const logger = createLogger({ service: 'spec', level: 'info', destination });
    try {
      let headers: { traceparent?: string } = {};
      await inSpan('outer', { kind: SpanKind.SERVER }, async () => {
        logger.info('inside');
        headers = traceHeaders();
      });
      logger.info('outside');
      const [outer] = exporter.getFinishedSpans();
      expect(lines[0]).toMatchObject({
        msg: 'inside',
        trace_id: outer?.spanContext().traceId,
        span_id: outer?.spanContext().spanId,
      });
      expect(lines[1]).not.toHaveProperty('trace_id');
      expect(headers.traceparent).toBe(
        `00-${outer?.spanContext().traceId}-${outer?.spanContext().spanId}-01`,
      );

      // A consumer continues the trace an event carries.
      await inSpan('consume', { parent: contextFromEvent(headers) }, async () => undefined);
      const consume = exporter.getFinishedSpans().find((s) => s.name === 'consume');
      expect(consume?.spanContext().traceId).toBe(outer?.spanContext().traceId);
      expect(consume?.parentSpanContext?.spanId).toBe(outer?.spanContext().spanId);
    } finally {
      await tracing.shutdown();
    }
  });

  it('marks a span whose work threw as failed and rethrows', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = startTracing({ service: 'spec', exporter });
    const fail = (): Promise<never> => Promise.reject(new TypeError('no'));
    try {
      await expect(inSpan('boom', {}, fail)).rejects.toThrow('no');
      expect(exporter.getFinishedSpans()[0]?.status).toEqual({ code: 2, message: 'TypeError' });
    } finally {
      await tracing.shutdown();
    }
  });
});
