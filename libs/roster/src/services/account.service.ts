import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { requireAuthenticated, requireRole, type Principal, type Role, type TokenIssuer } from '@sc/auth';
import { isMysqlFamily, transaction } from '@sc/db';
import { ConflictError, RateLimitedError, UnauthenticatedError } from '@sc/graphql';
import { Account, LoginThrottle } from '../entities/account.entity';
import { decoyHash, hashPassword, verifyPassword } from './password';

export interface LoginPolicy {
  /** Attempts allowed per username within one window; a successful sign-in resets the count. */
  maxFailures: number;
  windowSeconds: number;
}
export const DEFAULT_LOGIN_POLICY: LoginPolicy = { maxFailures: 5, windowSeconds: 15 * 60 };

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

  async login(usernameRaw: string, password: string, now = new Date()) {
    const username = usernameRaw.trim().toLowerCase();
    const key = `user:${username}`.slice(0, 60);
    // Every attempt takes a slot BEFORE the (slow) password check, with an atomic increment, so
    // parallel guesses cannot get more than maxFailures checks into one window.
    await this.takeAttempt(key, now);
    const account = await this.ds.getRepository(Account).findOneBy({ username });
    const ok = await verifyPassword(password, account?.passwordHash ?? (await decoyHash()));
    if (!account || !ok || account.status !== 'ACTIVE') {
      throw new UnauthenticatedError('Invalid username or password');
    }
    await this.ds.getRepository(LoginThrottle).delete({ key });
    const issued = this.issuer.issue({
      subject: account.id,
      roles: accountRoles(account),
      scopes: accountScopes(account),
      name: account.displayName,
    });
    return { token: issued.token, expiresAt: issued.expiresAt, account };
  }

  /** Counts one attempt in the username's window; throws RATE_LIMITED past the allowance. */
  private async takeAttempt(key: string, now: Date): Promise<void> {
    const windowMs = this.policy.windowSeconds * 1000;
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
    if (counted.failures > this.policy.maxFailures) {
      const retryAfter = Math.ceil((counted.windowStartedAt.getTime() + windowMs - now.getTime()) / 1000);
      throw new RateLimitedError(Math.max(retryAfter, 1));
    }
  }

  async me(principal: Principal | null): Promise<Account | null> {
    const p = requireAuthenticated(principal);
    return this.ds.getRepository(Account).findOneBy({ id: p.subject });
  }

  async list(
    principal: Principal | null,
    limit: number,
    afterKey: string | null,
  ): Promise<{ rows: Account[]; total: () => Promise<number> }> {
    requireRole(principal, 'ADMIN');
    const qb = this.ds
      .getRepository(Account)
      .createQueryBuilder('a')
      .orderBy('a.username', 'ASC')
      .limit(limit);
    if (afterKey !== null) qb.where('a.username > :afterKey', { afterKey });
    return { rows: await qb.getMany(), total: () => this.ds.getRepository(Account).count() };
  }

  async create(principal: Principal | null, input: NewAccount): Promise<Account> {
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
