export * from './field-cipher';
export * from './cipher-worker';
