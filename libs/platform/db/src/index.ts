export * from './data-source';
export * from './mysql-admin';
export * from './pagination';
export * from './embedded-sqlite';
export * from './node-sqlite';
