import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { loadOrCreateDevSigningKey, TokenIssuer } from '@sc/auth';
import { openDatabase } from '@sc/db';
import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import { LoginThrottle } from '../entities/account.entity';
import { roster } from '../roster.service';
import { AccountService, addressBucket } from './account.service';

const PASSWORD = 'correct horse battery staple';
const T0 = new Date('2026-05-01T08:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (error) {
    return String((error as { extensions?: { code?: unknown } }).extensions?.code ?? error);
  }
}

describe('addressBucket', () => {
  it('keeps an IPv4 address and counts an IPv6 address by its /64 network', () => {
    expect(addressBucket('203.0.113.7')).toBe('203.0.113.7');
    expect(addressBucket('2001:db8:a:b:1:2:3:4')).toBe('2001:db8:a:b::/64');
    expect(addressBucket('2001:db8:a:b::99')).toBe('2001:db8:a:b::/64');
    expect(addressBucket('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressBucket('::1')).toBe('0:0:0:0::/64');
    expect(addressBucket('unknown')).toBe('unknown');
  });
});

describe.each([
  ['sql.js', 'sqljs'],
  ['MariaDB [needs: MariaDB]', 'mariadb'],
] as const)('login throttle on %s', (_, kind) => {
  let db: TestDatabase | undefined;
  let dir: string;
  let ds: DataSource;
  let accounts: AccountService;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-login-'));
    if (kind === 'mariadb') db = await freshMysqlDatabase('roster_login');
    ds = await openDatabase({
      url: db ? db.url : `sqljs:${dir}/roster.sqlite`,
      entities: roster.entities,
      migrations: db ? roster.migrations : [],
    });
    const issuer = new TokenIssuer(loadOrCreateDevSigningKey(dir), {
      issuer: 'i',
      audience: 'a',
      ttlSeconds: 60,
    });
    accounts = new AccountService(ds, issuer, {
      maxFailures: 3,
      windowSeconds: 600,
      accountMaxFailures: 7,
      accountWindowSeconds: 3600,
    });
    for (const username of ['admin', 'staff', 'officer', 'county']) {
      await accounts.createUnchecked({
        username,
        displayName: username,
        password: PASSWORD,
        roles: ['ADMIN'],
        scopes: [],
      });
    }
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const login = (username: string, password: string, address: string, seconds: number) =>
    outcome(accounts.login(username, password, address, at(seconds)));

  it('limits guesses per (username, address): another address still signs in', async () => {
    const guesses: string[] = [];
    for (let i = 0; i < 5; i++) guesses.push(await login('admin', `wrong-${i}`, '198.51.100.1', i));
    expect(guesses).toEqual([
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
      'RATE_LIMITED',
      'RATE_LIMITED',
    ]);
    // The attacker's address stays closed, even with the right password…
    expect(await login('admin', PASSWORD, '198.51.100.1', 10)).toBe('RATE_LIMITED');
    // …while the administrator, elsewhere, is not locked out.
    expect(await login('admin', PASSWORD, '203.0.113.5', 11)).toBe('OK');
    // The window ends: the attacker's address may try again.
    expect(await login('admin', PASSWORD, '198.51.100.1', 601)).toBe('OK');
  });

  it('treats a whole IPv6 /64 as one address', async () => {
    const guesses: string[] = [];
    for (let i = 0; i < 4; i++) guesses.push(await login('staff', 'wrong', `2001:db8:7:7::${i + 1}`, i));
    expect(guesses).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED']);
    expect(await login('staff', PASSWORD, '2001:db8:7:8::1', 5)).toBe('OK');
  });

  it('limits failures per username over all addresses; refused attempts and successes do not count', async () => {
    // Address A: 3 checked failures, then refused attempts that must not use up the account's allowance.
    for (let i = 0; i < 3; i++)
      expect(await login('officer', 'wrong', '192.0.2.1', i)).toBe('UNAUTHENTICATED');
    for (let i = 0; i < 10; i++)
      expect(await login('officer', 'wrong', '192.0.2.1', 3 + i)).toBe('RATE_LIMITED');
    // Successes from B do not count as failures.
    for (let i = 0; i < 3; i++) expect(await login('officer', PASSWORD, '192.0.2.2', 20 + i)).toBe('OK');
    // B and C add 4 more failures: 7, the account's allowance.
    for (let i = 0; i < 3; i++)
      expect(await login('officer', 'wrong', '192.0.2.2', 30 + i)).toBe('UNAUTHENTICATED');
    expect(await login('officer', 'wrong', '192.0.2.3', 40)).toBe('UNAUTHENTICATED');
    // The 8th failure from anywhere, and any attempt after it, is refused until the account window ends.
    expect(await login('officer', 'wrong', '192.0.2.3', 41)).toBe('RATE_LIMITED');
    expect(await login('officer', PASSWORD, '192.0.2.4', 42)).toBe('RATE_LIMITED');
    expect(await login('officer', PASSWORD, '192.0.2.4', 3601)).toBe('OK');
  });

  it('says how long to wait', async () => {
    for (let i = 0; i < 3; i++) await login('county', 'wrong', '192.0.2.9', 0);
    await expect(accounts.login('county', 'wrong', '192.0.2.9', at(100))).rejects.toMatchObject({
      extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 500 },
    });
  });

  it('deletes counts whose windows have ended', async () => {
    const throttle = ds.getRepository(LoginThrottle);
    expect(await throttle.count()).toBeGreaterThan(0);
    // A day later the next attempt sweeps every ended window; only its own counts remain.
    expect(await login('nobody', 'wrong', '192.0.2.50', 86_400)).toBe('UNAUTHENTICATED');
    const keys = (await throttle.find()).map((t) => t.key);
    expect(keys).toHaveLength(2);
    expect(keys).toEqual(expect.arrayContaining(['u:nobody', expect.stringMatching(/^ua:[\w-]{43}$/)]));
  });
});
