import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { IsNull, LessThan, MoreThan, type DataSource, type EntityManager } from 'typeorm';
import {
  hasRole,
  type Principal,
  requireAuthenticated,
  requireRole,
  type Role,
  type TokenIssuer,
} from '@sc/auth';
import {
  applyKeyset,
  type CountedConnection,
  fetchOrderedPage,
  forUpdate,
  isMysqlFamily,
  type OrderedPage,
  transaction,
} from '@sc/db';
import { ConflictError, ForbiddenError, RateLimitedError, UnauthenticatedError } from '@sc/graphql';
import type { RequestInfo } from '@sc/service';
import type { RosterRequest } from '../context';
import { Account, LoginThrottle, RefreshToken } from '../entities/account.entity';
import { decoyHash, hashPassword, verifyPassword } from './password';

/**
 * Sign-in throttling (ADR 0014, after OWASP's Authentication Cheat Sheet and ASVS 2.2.1): a fast
 * limit per (username, client address) stops one source guessing without letting it lock the account
 * for everybody else, and a slower limit per username over all addresses bounds what many sources
 * together can try. Both are fixed windows that start with the first attempt.
 */
export interface LoginPolicy {
  /** Attempts per (username, client address) within one window; a success resets the count. */
  maxFailures: number;
  windowSeconds: number;
  /** Failed attempts per username from all addresses together within the account window. */
  accountMaxFailures: number;
  accountWindowSeconds: number;
}
export const DEFAULT_LOGIN_POLICY: LoginPolicy = {
  maxFailures: 5,
  windowSeconds: 15 * 60,
  accountMaxFailures: 100,
  accountWindowSeconds: 3600,
};

/** Default lifetime of a refresh token (each refresh starts a new one): 14 days. */
export const DEFAULT_REFRESH_TTL_SECONDS = 14 * 86_400;

/** A refresh token as handed out: 32 random bytes, base64url. Only its SHA-256 is stored. */
function newRefreshSecret(): string {
  return randomBytes(32).toString('base64url');
}
function hashRefreshSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}
const REFRESH_SECRET = /^[A-Za-z0-9_-]{43}$/;

/** What `login` and `refreshSession` answer. */
export interface SessionTokens {
  token: string;
  expiresAt: Date;
  refreshToken: string;
  refreshExpiresAt: Date;
  account: Account;
}

/** How often (at most) one instance deletes throttle rows whose windows have ended. */
const SWEEP_EVERY_MS = 60_000;

/**
 * The bucket a client address is counted in: an IPv4 address, or the /64 network of an IPv6
 * address (one household or host is given a whole /64, so single addresses would be free to take).
 */
export function addressBucket(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = '', tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export interface NewAccount {
  username: string;
  displayName: string;
  password: string;
  roles: Role[];
  scopes: string[];
  id?: string;
}

/** The resident a principal is: a RESIDENT's subject, or the id of a `resident:<id>` scope; null otherwise. */
export function residentIdOf(p: Principal): string | null {
  const scoped = p.scopes.find((s) => s.startsWith('resident:'));
  if (scoped) return scoped.slice('resident:'.length);
  return p.roles.includes('RESIDENT') ? p.subject : null;
}

export function accountRoles(a: Account): Role[] {
  return a.roles.split(',').filter(Boolean) as Role[];
}
export function accountScopes(a: Account): string[] {
  return a.scopes.split(',').filter(Boolean);
}

/** Staff accounts and sign-in. The roster service is the token issuer of the platform. */
/** An account as answered: `actorOnly` when staff reached it as the actor of a history. */
export type AccountView = Account & { actorOnly?: true };

/** A field of an account that only the account itself and ADMIN read (not staff reaching an actor). */
export function actorOnly<T>(a: AccountView, value: T): T {
  if (a.actorOnly) throw new ForbiddenError('only the account itself and ADMIN see this field of an account');
  return value;
}

export class AccountService {
  constructor(
    private readonly ds: DataSource,
    private readonly issuer: TokenIssuer,
    private readonly policy: LoginPolicy = DEFAULT_LOGIN_POLICY,
    private readonly refreshTtlSeconds: number = DEFAULT_REFRESH_TTL_SECONDS,
  ) {}

  /**
   * Signs in with a password. `clientAddress` is the caller's address as the HTTP layer worked it
   * out (see clientAddress in @sc/graphql); callers without one share a single bucket.
   */
  async login(
    usernameRaw: string,
    password: string,
    clientAddress = 'unknown',
    now = new Date(),
  ): Promise<SessionTokens> {
    const username = usernameRaw.trim().toLowerCase();
    const pairKey = `ua:${createHash('sha256')
      .update(`${username}\n${addressBucket(clientAddress)}`)
      .digest('base64url')}`;
    const accountKey = `u:${username}`.slice(0, 60);
    await this.sweep(now);
    // Every attempt takes its slots BEFORE the (slow) password check, with atomic increments, so
    // parallel guesses cannot get more checks into a window than allowed. An attempt refused for
    // its (username, address) is not counted for the username: one source alone cannot use up the
    // account-wide allowance and lock everybody else out.
    await this.takeAttempt(pairKey, this.policy.windowSeconds, this.policy.maxFailures, now);
    await this.takeAttempt(accountKey, this.policy.accountWindowSeconds, this.policy.accountMaxFailures, now);
    const account = await this.ds.getRepository(Account).findOneBy({ username });
    const ok = await verifyPassword(password, account?.passwordHash ?? (await decoyHash()));
    if (!account || !ok || account.status !== 'ACTIVE') {
      throw new UnauthenticatedError('Invalid username or password');
    }
    // A success clears this source's count and gives back its slot of the account-wide count:
    // only failures use that one up.
    const throttle = this.ds.getRepository(LoginThrottle);
    await throttle.delete({ key: pairKey });
    await throttle.decrement({ key: accountKey, failures: MoreThan(0) }, 'failures', 1);
    const familyId = randomUUID();
    return transaction(this.ds, (m) => this.issueSession(m, account, familyId, now));
  }

  /**
   * Exchanges a refresh token for a new access token and the next refresh token (rotation). The
   * roles and scopes are read from the account again, so a change reaches the session at its next
   * refresh. UNAUTHENTICATED ("session expired or revoked", the same for every case) for an unknown,
   * expired, revoked or already used token, or a disabled account; a used one also ends its whole
   * session, since only a thief or a replay presents a token that was already exchanged.
   */
  async refresh(secret: string, now = new Date()): Promise<SessionTokens> {
    const refused = () => new UnauthenticatedError('Session expired or revoked: sign in again');
    if (!REFRESH_SECRET.test(secret)) throw refused();
    const outcome = await transaction(this.ds, async (m) => {
      const row = await forUpdate(
        m
          .getRepository(RefreshToken)
          .createQueryBuilder('t')
          .where('t.tokenHash = :h', { h: hashRefreshSecret(secret) }),
      ).getOne();
      if (!row || row.revokedAt !== null || row.expiresAt.getTime() <= now.getTime()) return null;
      if (row.usedAt !== null) {
        await this.revokeFamily(m, row.familyId, now);
        return 'reused' as const;
      }
      const account = await m.getRepository(Account).findOneBy({ id: row.accountId });
      if (!account || account.status !== 'ACTIVE') {
        await this.revokeFamily(m, row.familyId, now);
        return null;
      }
      await m.getRepository(RefreshToken).update({ id: row.id }, { usedAt: now });
      return this.issueSession(m, account, row.familyId, now);
    });
    if (outcome === null || outcome === 'reused') throw refused();
    return outcome;
  }

  /**
   * Ends a sign-in session: the one of the refresh token when given, else the one of the caller's
   * access token (`sid`). True when a live session was ended, false when there was none (already
   * ended, unknown token, a token without a session): logging out twice is not an error. The
   * session's access tokens stay valid until they expire (they are checked by every service without
   * a lookup); the refresh token can no longer be used.
   */
  async logout({ principal }: RequestInfo, secret: string | undefined, now = new Date()): Promise<boolean> {
    return transaction(this.ds, async (m) => {
      let familyId: string | undefined;
      if (secret !== undefined) {
        if (!REFRESH_SECRET.test(secret)) return false;
        const row = await m.getRepository(RefreshToken).findOneBy({ tokenHash: hashRefreshSecret(secret) });
        familyId = row?.familyId;
      } else {
        familyId = requireAuthenticated(principal).sessionId;
      }
      if (familyId === undefined) return false;
      return (await this.revokeFamily(m, familyId, now)) > 0;
    });
  }

  private async revokeFamily(m: EntityManager, familyId: string, now: Date): Promise<number> {
    const result = await m
      .getRepository(RefreshToken)
      .update({ familyId, revokedAt: IsNull() }, { revokedAt: now });
    return result.affected ?? 0;
  }

  private async issueSession(
    m: EntityManager,
    account: Account,
    familyId: string,
    now: Date,
  ): Promise<SessionTokens> {
    const refreshToken = newRefreshSecret();
    const refreshExpiresAt = new Date(now.getTime() + this.refreshTtlSeconds * 1000);
    await m.getRepository(RefreshToken).insert({
      id: randomUUID(),
      tokenHash: hashRefreshSecret(refreshToken),
      familyId,
      accountId: account.id,
      createdAt: now,
      expiresAt: refreshExpiresAt,
      usedAt: null,
      revokedAt: null,
    });
    // Expired rows of any session go with the next sign-in or refresh (bounded: the index on expires_at).
    await m.getRepository(RefreshToken).delete({ expiresAt: LessThan(new Date(now.getTime() - 86_400_000)) });
    const issued = this.issuer.issue({
      subject: account.id,
      roles: accountRoles(account),
      scopes: accountScopes(account),
      name: account.displayName,
      sessionId: familyId,
    });
    return { token: issued.token, expiresAt: issued.expiresAt, refreshToken, refreshExpiresAt, account };
  }

  private lastSweep = 0;

  /** Deletes counts whose windows have ended, at most once a minute per instance. */
  private async sweep(now: Date): Promise<void> {
    if (now.getTime() - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now.getTime();
    const longest = Math.max(this.policy.windowSeconds, this.policy.accountWindowSeconds) * 1000;
    await this.ds
      .getRepository(LoginThrottle)
      .delete({ windowStartedAt: LessThan(new Date(now.getTime() - longest)) });
  }

  /** Counts one attempt in the key's window; throws RATE_LIMITED past the allowance. */
  private async takeAttempt(key: string, windowSeconds: number, max: number, now: Date): Promise<void> {
    const windowMs = windowSeconds * 1000;
    const cutoff = new Date(now.getTime() - windowMs);
    // One atomic statement starts a new window or counts the attempt in the current one, so
    // concurrent attempts can neither reset nor skip each other's counts.
    await transaction(this.ds, async (m) => {
      if (isMysqlFamily(this.ds)) {
        await m.query(
          `INSERT INTO login_throttle (\`key\`, failures, window_started_at) VALUES (?, 1, ?)
           ON DUPLICATE KEY UPDATE
             failures = IF(window_started_at < ?, 1, failures + 1),
             window_started_at = IF(window_started_at < ?, VALUES(window_started_at), window_started_at)`,
          [key, now, cutoff, cutoff],
        );
      } else {
        const at = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', ''); // TypeORM's SQLite format
        await m.query(
          `INSERT INTO login_throttle ("key", failures, window_started_at) VALUES (?, 1, ?)
           ON CONFLICT ("key") DO UPDATE SET
             failures = CASE WHEN window_started_at < ? THEN 1 ELSE failures + 1 END,
             window_started_at = CASE WHEN window_started_at < ? THEN excluded.window_started_at ELSE window_started_at END`,
          [key, at(now), at(cutoff), at(cutoff)],
        );
      }
    });
    const counted = await this.ds.getRepository(LoginThrottle).findOneByOrFail({ key });
    if (counted.failures > max) {
      const retryAfter = Math.ceil((counted.windowStartedAt.getTime() + windowMs - now.getTime()) / 1000);
      throw new RateLimitedError(Math.max(retryAfter, 1));
    }
  }

  /** The staff account a principal signed in as; null when its subject is not an account. */
  /**
   * The account behind an `actor` id of a history (`actorAccount`, and the `Account` references other
   * services resolve here): for the account itself and ADMIN whole; for COMMUNITY_STAFF and
   * TOWN_OFFICER as an actor (id and display name: the other fields refuse, see {@link actorOnly});
   * null for anyone else and for ids that are no account. Batched by the entity loader: one
   * statement for every actor of an answer.
   */
  async asActor(req: RosterRequest, id: string): Promise<AccountView | null> {
    const p = req.principal;
    if (!p) return null;
    const whole = p.subject === id || p.roles.includes('ADMIN');
    if (!whole && !hasRole(p, 'COMMUNITY_STAFF', 'TOWN_OFFICER')) return null;
    const account = await req.loaders.entities.byId(Account, id);
    if (!account) return null;
    return whole ? account : { ...account, actorOnly: true };
  }

  account(req: RosterRequest, principal: Principal): Promise<Account | null> {
    return req.loaders.entities.byId(Account, principal.subject);
  }

  async me({ principal }: RequestInfo): Promise<Account | null> {
    const p = requireAuthenticated(principal);
    return this.ds.getRepository(Account).findOneBy({ id: p.subject });
  }

  /** Every account, by username or another order of ACCOUNT_ORDERS (ADMIN only). */
  list({ principal }: RequestInfo, page: OrderedPage<Account>): Promise<CountedConnection<Account>> {
    requireRole(principal, 'ADMIN');
    return fetchOrderedPage(
      page,
      (limit, after, backward) =>
        applyKeyset(
          this.ds.getRepository(Account).createQueryBuilder('a'),
          page.order,
          after,
          backward,
          limit,
        ).getMany(),
      () => this.ds.getRepository(Account).count(),
    );
  }

  async create({ principal }: RequestInfo, input: NewAccount): Promise<Account> {
    requireRole(principal, 'ADMIN');
    return this.createUnchecked(input);
  }

  /** For the demo seed and the bootstrap command: no principal involved. */
  async createUnchecked(input: NewAccount): Promise<Account> {
    const passwordHash = await hashPassword(input.password);
    return transaction(this.ds, (m) => this.insertIn(m, input, passwordHash));
  }

  /**
   * Inserts an account inside the caller's transaction (the demo seed's, so that an interrupted seed
   * leaves no roster without its accounts), the password already hashed with `hashPassword`.
   */
  async insertIn(
    m: EntityManager,
    input: Omit<NewAccount, 'password'>,
    passwordHash: string,
  ): Promise<Account> {
    const username = input.username.toLowerCase();
    const repo = m.getRepository(Account);
    if (await repo.existsBy({ username })) {
      throw new ConflictError(`Username ${username} is already taken`, { field: 'input.username' });
    }
    const now = new Date();
    const account = repo.create({
      id: input.id ?? randomUUID(),
      username,
      displayName: input.displayName,
      passwordHash,
      roles: [...new Set(input.roles)].join(','),
      scopes: [...new Set(input.scopes)].join(','),
      status: 'ACTIVE',
      createdAt: now,
      updatedAt: now,
    });
    await repo.insert(account);
    return account;
  }
}
