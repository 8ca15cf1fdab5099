import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { requireAuthenticated, requireRole, type Principal, type Role, type TokenIssuer } from '@sc/auth';
import { transaction } from '@sc/db';
import { ConflictError, RateLimitedError, UnauthenticatedError } from '@sc/graphql';
import { Account, LoginThrottle } from '../entities/account.entity';
import { decoyHash, hashPassword, verifyPassword } from './password';

export interface LoginPolicy {
  /** Failed attempts allowed per username within one window. */
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
    const throttle = await this.ds.getRepository(LoginThrottle).findOneBy({ key });
    const windowOpen =
      throttle && now.getTime() - throttle.windowStartedAt.getTime() < this.policy.windowSeconds * 1000;
    if (throttle && windowOpen && throttle.failures >= this.policy.maxFailures) {
      const retryAfter = Math.ceil(
        (throttle.windowStartedAt.getTime() + this.policy.windowSeconds * 1000 - now.getTime()) / 1000,
      );
      throw new RateLimitedError(retryAfter);
    }
    const account = await this.ds.getRepository(Account).findOneBy({ username });
    const ok = await verifyPassword(password, account?.passwordHash ?? (await decoyHash()));
    if (!account || !ok || account.status !== 'ACTIVE') {
      await this.recordFailure(key, windowOpen ? throttle : null, now);
      throw new UnauthenticatedError('Invalid username or password');
    }
    if (throttle) await this.ds.getRepository(LoginThrottle).delete({ key });
    const issued = this.issuer.issue({
      subject: account.id,
      roles: accountRoles(account),
      scopes: accountScopes(account),
      name: account.displayName,
    });
    return { token: issued.token, expiresAt: issued.expiresAt, account };
  }

  private async recordFailure(key: string, current: LoginThrottle | null, now: Date): Promise<void> {
    const repo = this.ds.getRepository(LoginThrottle);
    if (current) {
      // Atomic increment: concurrent failures all count.
      await repo.increment({ key }, 'failures', 1);
    } else {
      await repo.upsert({ key, failures: 1, windowStartedAt: now }, ['key']);
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
    const username = input.username.toLowerCase();
    const passwordHash = await hashPassword(input.password);
    return transaction(this.ds, async (m) => {
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
    });
  }
}
