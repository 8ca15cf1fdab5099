export * from './child-lists';
export * from './data-source';
export * from './entity-loaders';
export * from './errors';
export * from './locking';
export * from './mysql-admin';
export * from './mysql-session';
export * from './pagination';
