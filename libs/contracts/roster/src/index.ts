export * from './events';
export * from './grid-read-model';
