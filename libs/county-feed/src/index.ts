export * from './figures';
export * from './asyncapi';
export * from './apply';
export * from './entities';
export * from './feed';
export * from './figures.repository';
export { FEED_MIGRATIONS } from './migrations';
