export * from './events';
export * from './import';
export * from './read-models';
export * from './voters-read-model';
