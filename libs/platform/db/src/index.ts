export * from './data-source';
export * from './mysql-admin';
export * from './pagination';
