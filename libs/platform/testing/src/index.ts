export * from './database';
export * from './graphql-client';
export * from './tokens';
export * from './infra';
export * from './migrations';
export * from './server-sql-mode';
export * from './app-process';
export * from './service-process';
