import { z } from 'zod';
import { ROLES } from './roles';

/**
 * What a verified token must carry before it becomes a Principal. jsonwebtoken checks the signature,
 * time and audience/issuer; this checks the shape, so a correctly signed but odd token is still refused.
 */
export const tokenClaimsSchema = z.object({
  sub: z.string().trim().min(1),
  roles: z.array(z.enum(ROLES)),
  scopes: z.array(z.string().min(1)).default([]),
  name: z.string().optional(),
  jti: z.string().min(1),
  /** The sign-in session (refresh-token family) the token was issued for; absent for tool-minted tokens. */
  sid: z.string().min(1).optional(),
  iat: z.number().int(),
  // jsonwebtoken accepts tokens without exp; a token that never expires is not one we issue.
  exp: z.number().int(),
});
export type TokenClaims = z.infer<typeof tokenClaimsSchema>;
