export * from './csv';
export * from './places';
export * from './resident-import';
export * from './resident-row';
export * from './deferred-indexes';
