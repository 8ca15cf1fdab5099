export * from './events';
export * from './grid-read-model';
export * from './read-models';
