import { GraphQLError } from 'graphql';

/**
 * The error codes a client can act on. Everything else is a fault and is reported as
 * INTERNAL_SERVER_ERROR without internals.
 */
export const USER_ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
] as const;
export type UserErrorCode = (typeof USER_ERROR_CODES)[number];

/**
 * A failure the caller caused and can act on; carries a stable `extensions.code`. Raised in a
 * resolver it is part of a 200 response, as GraphQL over HTTP expects (the gateway would turn a
 * subgraph's non-2xx status into a fault); only a refused token answers 401 (see http.ts).
 */
export class AppError extends GraphQLError {
  constructor(
    readonly code: UserErrorCode,
    message: string,
    extensions: Record<string, unknown> = {},
  ) {
    super(message, { extensions: { ...extensions, code } });
    this.name = 'AppError';
  }
}

export class UnauthenticatedError extends AppError {
  constructor(
    message = 'Authentication required: send a valid bearer token',
    extensions: Record<string, unknown> = {},
  ) {
    super('UNAUTHENTICATED', message, extensions);
  }
}

/**
 * Why a token that was sent is refused (ADR 0028): `MALFORMED` — the header is not
 * `Bearer <JWT>`, nothing can be read from it (HTTP 401); `EXPIRED` — a readable token past its
 * `exp` (refresh it); `INVALID` — any other refusal: signature, key, issuer, audience, claims
 * (sign in again). The last two answer HTTP 200, like every other UNAUTHENTICATED.
 */
export type TokenRefusal = 'MALFORMED' | 'EXPIRED' | 'INVALID';

/** A token that was sent and refused: UNAUTHENTICATED with `extensions.reason` (see TokenRefusal). */
export class TokenRefusedError extends UnauthenticatedError {
  constructor(
    readonly reason: TokenRefusal,
    message: string,
  ) {
    super(message, { reason });
    this.name = 'TokenRefusedError';
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Not allowed for your role or scope') {
    super('FORBIDDEN', message);
  }
}

export interface InputIssue {
  /** Path of the offending input field, e.g. `input.name`. */
  field: string;
  message: string;
}

export class BadUserInputError extends AppError {
  constructor(message: string, issues: InputIssue[] = []) {
    super('BAD_USER_INPUT', message, { issues, ...(issues[0] ? { field: issues[0].field } : {}) });
  }
}

/** "Not found or no access": a denied read never reveals whether the record exists. */
export class NotFoundError extends AppError {
  /** `field`: the input that named the missing record, e.g. `input.address.streetId`. */
  constructor(what: string, id?: string, field?: string) {
    super('NOT_FOUND', `${what}${id ? ` ${id}` : ''} not found or not accessible`, field ? { field } : {});
  }
}

export class ConflictError extends AppError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super('CONFLICT', message, extensions);
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number) {
    super('RATE_LIMITED', `Too many attempts; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}
