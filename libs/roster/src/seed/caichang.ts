import type { DataSource, EntityManager } from 'typeorm';
import type { Role } from '@sc/auth';
import type { Logger } from '@sc/config';
import { transaction } from '@sc/db';
import { CAICHANG, DEMO_CHIEFS, demoGridId, stableId } from '@sc/demo';
import { Place } from '../entities/place.entity';
import type { AccountService } from '../services/account.service';
import { hashPassword } from '../services/password';
import type { ChiefService } from '../services/chief.service';
import type { GridService } from '../services/grid.service';
import type { PlaceService } from '../services/place.service';
import type { SignboardService } from '../services/signboard.service';

/** The services the demo seed goes through, so its data obeys the same rules and emits the same events. */
export interface DemoServices {
  places: PlaceService;
  accounts: AccountService;
  grids: GridService;
  chiefs: ChiefService;
  signboards: SignboardService;
}

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
  // One account per demo chief (chief01…chief10), scoped to the chief's grid.
  ...DEMO_CHIEFS.map((c, i) => ({
    username: `chief${String(i + 1).padStart(2, '0')}`,
    displayName: `街长 ${c.name}`,
    roles: ['STREET_CHIEF' as Role],
    scopes: [`grid:${demoGridId(i + 1)}`],
  })),
];
export const DEMO_PASSWORD = 'caichang-demo-2026';

export { CAICHANG, DEMO_CHIEFS, demoGridId, stableId };

/**
 * The 30 signboards: one at the community service centre, one per resident group at its square,
 * one per street at its main crossing (scope: the street), and five more at markets, the school,
 * the bus station and notice boards.
 */
export function demoSignboards(): { code: string; place: string; location: string; scope: string }[] {
  const community = stableId('community');
  const boards = [{ place: community, location: '社区党群服务中心门口', scope: community }];
  CAICHANG.groups.forEach((group, g) => {
    const id = stableId(`group:${g + 1}`);
    boards.push({ place: id, location: `${group.name}活动广场`, scope: id });
  });
  for (const [street] of CAICHANG.groups.flatMap((g) => g.streets)) {
    const id = stableId(`street:${street}`);
    boards.push({ place: id, location: `${street}主路口`, scope: id });
  }
  const extra: [string, string, string][] = [
    ['street:金鸡街', '农贸市场入口公告栏', 'group:3'],
    ['street:学堂街', '中心小学校门对面', 'group:3'],
    ['street:蔡场路', '客运站候车厅', 'community'],
    ['street:人民路', '人民商场公告栏', 'group:2'],
    ['street:正街', '正街与新街交叉口', 'group:1'],
  ];
  for (const [place, location, scope] of extra)
    boards.push({ place: stableId(place), location, scope: stableId(scope) });
  return boards.map((b, i) => ({ code: `CC-SB-${String(i + 1).padStart(2, '0')}`, ...b }));
}

/**
 * Loads the demo roster if the database has no community yet: idempotent, and all of it (places,
 * grids, chiefs, signboards, accounts; the events through the outbox like any change) in one
 * transaction, so a start stopped halfway leaves nothing and the next start seeds it whole.
 *
 * It decides on what a readable database holds: a file that cannot be read never gets this far
 * (@sc/db refuses it at open).
 */
export async function seedCaichang(ds: DataSource, services: DemoServices, logger: Logger): Promise<boolean> {
  const { places, accounts, grids, chiefs, signboards } = services;
  if (await ds.getRepository(Place).existsBy({ kind: 'COMMUNITY', code: CAICHANG.code })) return false;
  const actor = 'seed';
  let streets = 0;
  let courtyards = 0;
  // Hashed before the transaction: argon2id takes a while and the transaction queue would wait.
  const demoAccounts: { account: DemoAccount; passwordHash: string }[] = [];
  for (const account of DEMO_ACCOUNTS) {
    demoAccounts.push({ account, passwordHash: await hashPassword(DEMO_PASSWORD) });
  }
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
    await seedChiefs(m, grids, chiefs);
    for (const b of demoSignboards()) {
      await signboards.createIn(m, {
        id: stableId(`signboard:${b.code}`),
        code: b.code,
        placeId: b.place,
        location: b.location,
        scopePlaceId: b.scope,
      });
    }
    for (const { account: a, passwordHash } of demoAccounts) {
      await accounts.insertIn(m, { ...a, id: stableId(`account:${a.username}`) }, passwordHash);
    }
  });
  await signboards.settle();
  logger.info(
    { streets, courtyards, chiefs: DEMO_CHIEFS.length, accounts: DEMO_ACCOUNTS.length },
    'seeded the Caichang demo roster',
  );
  return true;
}

/** Demo nominators: residents 201… of the people service's demo population. */
const nominator = (chief: number, k: number) => stableId(`resident:${200 + chief * 10 + k}`);

/** Each demo chief goes the whole selection way (3 nominations, vetting, filing, appointment). */
async function seedChiefs(m: EntityManager, grids: GridService, chiefs: ChiefService): Promise<void> {
  const actor = 'seed';
  const termStart = new Date('2026-01-01T00:00:00.000Z');
  const termEnd = new Date('2028-12-31T00:00:00.000Z');
  for (const [i, c] of DEMO_CHIEFS.entries()) {
    const n = i + 1;
    const grid = await grids.createIn(m, actor, {
      id: demoGridId(n),
      name: c.gridName,
      streetIds: c.streetNames.map((s) => stableId(`street:${s}`)),
      courtyardIds: [],
      reason: '街长制网格划分',
      at: new Date(Date.UTC(2025, 10, 1, 0, n)),
    });
    const id = stableId(`chief:${n}`);
    for (let k = 1; k <= 3; k++) {
      await chiefs.nominateIn(m, actor, {
        id,
        residentId: c.residentId,
        name: c.name,
        nominatorResidentId: nominator(n, k),
        reason: '群众推荐：热心公益，熟悉街情',
        at: new Date(Date.UTC(2025, 10, 2, n, k)),
      });
    }
    await chiefs.transitionIn(
      m,
      actor,
      id,
      'VET_PASS',
      '社区考察合格',
      chiefs.vetting({
        passed: true,
        reason: '社区考察合格',
        visitNotes: '入户走访，群众评价良好',
        opinions: [],
      }),
    );
    await chiefs.transitionIn(
      m,
      actor,
      id,
      'FILE',
      '镇党委备案',
      chiefs.filing({
        filedOn: new Date('2025-12-20T00:00:00.000Z'),
        documentNumber: `蔡党备〔2025〕${n}号`,
        reason: '镇党委备案',
      }),
    );
    await chiefs.transitionIn(
      m,
      actor,
      id,
      'APPOINT',
      '挂牌上岗',
      chiefs.appointment({
        gridId: grid.id,
        badge: c.badge,
        phone: c.phone,
        termStart,
        termEnd,
        reason: '挂牌上岗',
      }),
    );
  }
}
