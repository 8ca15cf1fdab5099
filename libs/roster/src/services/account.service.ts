import { createHash, randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { LessThan, MoreThan, type DataSource, type EntityManager } from 'typeorm';
import { requireAuthenticated, requireRole, type Role, type TokenIssuer } from '@sc/auth';
import { type CountedConnection, fetchPage, isMysqlFamily, type Page, transaction } from '@sc/db';
import { ConflictError, RateLimitedError, UnauthenticatedError } from '@sc/graphql';
import type { RequestInfo } from '@sc/service';
import { Account, LoginThrottle } from '../entities/account.entity';
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

export function accountRoles(a: Account): Role[] {
  return a.roles.split(',').filter(Boolean) as Role[];
}
export function accountScopes(a: Account): string[] {
  return a.scopes.split(',').filter(Boolean);
}

/** Staff accounts and sign-in. The roster service is the token issuer of the platform. */
export class AccountService {
  constructor(
    private readonly ds: DataSource,
    private readonly issuer: TokenIssuer,
    private readonly policy: LoginPolicy = DEFAULT_LOGIN_POLICY,
  ) {}

  /**
   * Signs in with a password. `clientAddress` is the caller's address as the HTTP layer worked it
   * out (see clientAddress in @sc/graphql); callers without one share a single bucket.
   */
  async login(usernameRaw: string, password: string, clientAddress = 'unknown', now = new Date()) {
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
    const issued = this.issuer.issue({
      subject: account.id,
      roles: accountRoles(account),
      scopes: accountScopes(account),
      name: account.displayName,
    });
    return { token: issued.token, expiresAt: issued.expiresAt, account };
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

  async me({ principal }: RequestInfo): Promise<Account | null> {
    const p = requireAuthenticated(principal);
    return this.ds.getRepository(Account).findOneBy({ id: p.subject });
  }

  /** Every account, by username (ADMIN only). */
  list({ principal }: RequestInfo, page: Page): Promise<CountedConnection<Account>> {
    requireRole(principal, 'ADMIN');
    return fetchPage(
      page,
      (limit, afterKey) => {
        const qb = this.ds
          .getRepository(Account)
          .createQueryBuilder('a')
          .orderBy('a.username', 'ASC')
          .limit(limit);
        if (afterKey !== null) qb.where('a.username > :afterKey', { afterKey });
        return qb.getMany();
      },
      (a) => a.username,
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
