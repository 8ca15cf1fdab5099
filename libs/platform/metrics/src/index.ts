export * from './metrics';
export type { Counter, Gauge, Histogram } from 'prom-client';
