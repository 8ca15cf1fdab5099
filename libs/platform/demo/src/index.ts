export * from './places';
export * from './chiefs';
export * from './population';
