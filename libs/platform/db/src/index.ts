export * from './data-source';
export * from './mysql-admin';
export * from './mysql-session';
export * from './pagination';
