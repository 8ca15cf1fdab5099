export * from './env';
export * from './logger';
export * from './paths';
export * from './run';
export * from './secret-file';
export * from './startup-error';
