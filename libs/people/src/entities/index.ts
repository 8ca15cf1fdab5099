export * from './address.entity';
export * from './history.entity';
export * from './house.entity';
export * from './household.entity';
export * from './resident.entity';
export * from './unit.entity';
