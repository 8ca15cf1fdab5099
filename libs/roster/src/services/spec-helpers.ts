import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { loadOrCreateDevSigningKey, TokenIssuer, type Principal, type Role } from '@sc/auth';
import { createLogger } from '@sc/config';
import { openDatabase } from '@sc/db';
import type { RequestInfo } from '@sc/service';
import { Outbox } from '@sc/events';
import { ResidentRef } from '@sc/people-contracts';
import { freshMysqlDatabase } from '@sc/testing';
import { roster } from '../roster.service';
import { seedCaichang, type DemoServices } from '../seed/caichang';
import { AccountService } from './account.service';
import { ActivityService } from './activity.service';
import { ChiefService } from './chief.service';
import { GridService } from './grid.service';
import { PlaceService } from './place.service';
import { SignboardService } from './signboard.service';

export interface RosterServices extends DemoServices {
  activities: ActivityService;
}

/** Every roster service on one data source, wired as startRoster wires them (for specs). */
export function rosterServices(ds: DataSource, dataDir: string): RosterServices {
  const outbox = new Outbox({ source: '/caichang/roster' });
  const signboards = new SignboardService(ds, outbox);
  const grids = new GridService(ds, outbox, signboards);
  const issuer = new TokenIssuer(loadOrCreateDevSigningKey(dataDir), {
    issuer: 'i',
    audience: 'a',
    ttlSeconds: 60,
  });
  return {
    places: new PlaceService(ds, outbox, undefined, signboards),
    accounts: new AccountService(ds, issuer),
    grids,
    chiefs: new ChiefService(ds, outbox, grids, signboards),
    signboards,
    activities: new ActivityService(ds, outbox),
  };
}

/** A seeded embedded (SQLite) roster in a temporary folder; `close` removes it. */
export async function seededEmbeddedRoster(): Promise<{
  ds: DataSource;
  services: RosterServices;
  dir: string;
  close: () => Promise<void>;
}> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-roster-'));
  const ds = await openDatabase({
    url: `sqlite:${dir}/roster.sqlite`,
    entities: roster.entities,
    migrations: [],
  });
  const services = rosterServices(ds, dir);
  await seedCaichang(ds, services, createLogger({ service: 'test', level: 'silent' }));
  return {
    ds,
    services,
    dir,
    close: async () => {
      await ds.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The same on MariaDB (a fresh database, the committed migrations); `close` drops it. */
export async function seededMysqlRoster(): Promise<{
  ds: DataSource;
  services: RosterServices;
  dir: string;
  close: () => Promise<void>;
}> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-roster-'));
  const db = await freshMysqlDatabase('roster_services');
  const ds = await openDatabase({ url: db.url, entities: roster.entities, migrations: roster.migrations });
  const services = rosterServices(ds, dir);
  await seedCaichang(ds, services, createLogger({ service: 'test', level: 'silent' }));
  return {
    ds,
    services,
    dir,
    close: async () => {
      await ds.destroy();
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A caller (the request info services take) as a verified token would give it. */
export function caller(
  roles: Role[],
  subject = `test-${roles.join('-').toLowerCase()}`,
  scopes: string[] = [],
): RequestInfo {
  return { principal: principal(roles, subject, scopes) };
}

/** A principal as a verified token would give it. */
export function principal(
  roles: Role[],
  subject = `test-${roles.join('-').toLowerCase()}`,
  scopes: string[] = [],
): Principal {
  return { subject, roles, scopes, tokenId: 't', expiresAt: new Date(Date.now() + 600_000) };
}

/**
 * Makes the residents read model (`people_resident`) know these resident ids as living in the
 * community, as the people service's events would: nominations name only known residents.
 */
export async function knownResidents(ds: DataSource, ...ids: string[]): Promise<void> {
  await ds.getRepository(ResidentRef).upsert(
    ids.map((id) => ({
      id,
      status: 'ACTIVE' as const,
      householdId: null,
      streetId: null,
      courtyardId: null,
    })),
    ['id'],
  );
}

/**
 * The databases the service specs run on (`describe.each(ROSTER_DATABASES)('… on %s', (_, seeded) => …)`):
 * MySQL-only paths (`ON DUPLICATE KEY`, `FOR UPDATE`, named locks) are reached on MariaDB, the embedded
 * ones on SQLite.
 */
export const ROSTER_DATABASES = [
  ['MariaDB [real: MariaDB]', seededMysqlRoster],
  ['the embedded database (SQLite)', seededEmbeddedRoster],
] as const;
