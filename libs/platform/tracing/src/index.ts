export * from './tracing';
export { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
