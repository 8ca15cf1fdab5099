import type { DataSource } from 'typeorm';
import type { Role } from '@sc/auth';
import type { Logger } from '@sc/config';
import { transaction } from '@sc/db';
import { CAICHANG, stableId } from '@sc/demo';
import { Place } from '../entities/place.entity';
import type { AccountService } from '../services/account.service';
import type { PlaceService } from '../services/place.service';

export interface DemoAccount {
  username: string;
  displayName: string;
  roles: Role[];
  scopes: string[];
}

/** Demo staff accounts (embedded mode only); they share one demo password printed at start. */
export const DEMO_ACCOUNTS: DemoAccount[] = [
  { username: 'admin', displayName: '系统管理员', roles: ['ADMIN'], scopes: [] },
  {
    username: 'staff',
    displayName: '社区工作人员 李敏',
    roles: ['COMMUNITY_STAFF'],
    scopes: ['community:caichang'],
  },
  {
    username: 'officer',
    displayName: '镇党委 王建国',
    roles: ['TOWN_OFFICER'],
    scopes: ['community:caichang'],
  },
  { username: 'county', displayName: '县级平台', roles: ['COUNTY_VIEWER'], scopes: [] },
];
export const DEMO_PASSWORD = 'caichang-demo-2026';

export { CAICHANG, stableId };

/**
 * Loads the demo roster if the database has no community yet: idempotent, one transaction for the
 * places (their events go through the outbox like any change).
 */
export async function seedCaichang(
  ds: DataSource,
  places: PlaceService,
  accounts: AccountService,
  logger: Logger,
): Promise<boolean> {
  if (await ds.getRepository(Place).existsBy({ kind: 'COMMUNITY', code: CAICHANG.code })) return false;
  const actor = 'seed';
  let streets = 0;
  let courtyards = 0;
  await transaction(ds, async (m) => {
    const community = await places.createIn(m, actor, {
      kind: 'COMMUNITY',
      id: stableId('community'),
      code: CAICHANG.code,
      name: CAICHANG.name,
    });
    for (const [g, group] of CAICHANG.groups.entries()) {
      const rg = await places.createIn(m, actor, {
        kind: 'RESIDENT_GROUP',
        id: stableId(`group:${g + 1}`),
        parentId: community.id,
        name: group.name,
      });
      for (const [streetName, yards] of group.streets) {
        const street = await places.createIn(m, actor, {
          kind: 'STREET',
          id: stableId(`street:${streetName}`),
          parentId: rg.id,
          name: streetName,
        });
        streets++;
        for (const yard of yards) {
          await places.createIn(m, actor, {
            kind: 'COURTYARD',
            id: stableId(`courtyard:${streetName}:${yard}`),
            parentId: street.id,
            name: yard,
          });
          courtyards++;
        }
      }
    }
  });
  for (const a of DEMO_ACCOUNTS) {
    await accounts.createUnchecked({ ...a, id: stableId(`account:${a.username}`), password: DEMO_PASSWORD });
  }
  logger.info({ streets, courtyards, accounts: DEMO_ACCOUNTS.length }, 'seeded the Caichang demo roster');
  return true;
}
