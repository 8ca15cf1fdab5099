export * from './config';
export * from './context';
export * from './entities/account.entity';
export * from './entities/place.entity';
export * from './events/contracts';
export * from './roster.service';
export * from './schema';
export * from './seed/caichang';
export { ROSTER_MIGRATIONS } from './migrations';
