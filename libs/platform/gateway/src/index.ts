export * from './config';
export * from './gateway';
export * from './supergraph';
export * from './subgraph-fetch';
export * from './sessions';
export * from './pages';
