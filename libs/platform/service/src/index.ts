export * from './define';
export * from './env';
export * from './lifecycle';
export * from './service';
export * from './catch-up';
