export * from './events';
export * from './import';
