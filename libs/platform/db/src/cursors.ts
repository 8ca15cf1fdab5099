/**
 * Pagination arguments, cursors and list orders without the database (`@sc/db/cursors`): what
 * @sc/graphql validates pages with. Importing `@sc/db` instead would load TypeORM and mysql2 into
 * every process that validates input, the gateway included (ADR 0050, 2026-12-04 evening).
 */
export * from './pagination';
export * from './order-keys';
