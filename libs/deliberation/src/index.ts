export * from './config';
export * from './context';
export * from './deliberation.service';
export * from './entities';
export * from './domain/rules';
export { MATTER_LIFECYCLE } from './domain/lifecycle';
export { DELIBERATION_MIGRATIONS } from './migrations';
export * from './schema';
export { MatterService, listHash, receiptOf, shardOf } from './services/matter.service';
