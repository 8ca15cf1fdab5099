export * from './tracing';
export type { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace';
