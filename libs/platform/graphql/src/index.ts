export * from './errors';
export * from './format-error';
export * from './http';
export * from './limits';
export * from './operation-guards';
export * from './scalars';
export * from './subgraph';
export * from './validation';
