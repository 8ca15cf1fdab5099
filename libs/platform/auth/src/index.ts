export * from './roles';
export * from './keys';
export * from './key-resolvers';
export * from './token-issuer';
export * from './token-verifier';
export * from './authenticate';
export * from './guards';
export { tokenClaimsSchema, type TokenClaims } from './claims';
