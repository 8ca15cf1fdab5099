export * from './case.entity';
export * from './taxonomy.entity';
export * from './ledger.entity';
export * from './campaign.entity';
export * from './intake.entity';
export * from './open311.entity';
