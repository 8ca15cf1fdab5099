// The field cipher lives in @sc/db: the cases service encrypts Open311 reporters' contacts with it too.
export {
  BLIND_INDEX_HEX,
  configuredFieldCipher,
  type BlindIndexKind,
  FieldCipher,
  FieldKeyError,
  type FieldKeys,
  FieldTokenError,
  IV_BYTES,
  loadOrCreateDevFieldKeys,
  parseFieldKeys,
  TOKEN_VERSION,
} from '@sc/db';
export * from './cipher-worker';
