import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Role } from '@sc/auth';
import type { Logger } from '@sc/config';
import { transaction } from '@sc/db';
import { Place } from '../entities/place.entity';
import type { AccountService } from '../services/account.service';
import type { PlaceService } from '../services/place.service';

/**
 * A deterministic id in UUID shape, derived from a stable name. The demo data of every service uses
 * the same function, so the streets the people service references are the streets of the roster.
 */
export function stableId(name: string): string {
  const h = createHash('sha256').update(`caichang-demo:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** 蔡场社区: 3 resident groups, 21 streets, 72 courtyards (names are believable, not surveyed). */
export const CAICHANG = {
  code: 'caichang',
  name: '蔡场社区',
  groups: [
    {
      name: '第一居民小组',
      streets: [
        ['正街', ['正街一号院', '供销社院', '老邮局院', '粮站院']],
        ['新街', ['新街东院', '新街西院', '信用社院', '新街商住楼']],
        ['文昌街', ['文昌宫院', '书院坝', '文昌新苑']],
        ['上河街', ['上河坝院', '河畔人家', '水磨房院', '柳树湾']],
        ['下河街', ['下河院', '渡口院', '鱼市院']],
        ['建设路', ['建设小区', '电力院', '水利站院']],
        ['兴业路', ['兴业花园', '农机站院', '兴业商住楼']],
      ],
    },
    {
      name: '第二居民小组',
      streets: [
        ['南街', ['南街老院', '南门院', '油坊院', '南苑小区']],
        ['北街', ['北门院', '北街新村', '卫生院宿舍', '北街老院']],
        ['东街', ['东门院', '东街商住楼', '榨房院']],
        ['西街', ['西门院', '西街安置小区', '酱园院']],
        ['复兴街', ['复兴院', '复兴商住楼', '老戏台院']],
        ['和平街', ['和平院', '和平新苑', '茶馆院']],
        ['人民路', ['人民小区', '政府宿舍', '人民商场院', '税务所院']],
      ],
    },
    {
      name: '第三居民小组',
      streets: [
        ['幸福路', ['幸福家园', '幸福院', '敬老院', '幸福里']],
        ['花园街', ['花园小区', '花木院', '园艺场院']],
        ['桂花巷', ['桂花院', '桂香苑', '古井院']],
        ['青石巷', ['青石院', '石板院', '老祠堂院']],
        ['金鸡街', ['金鸡院', '金鸡新村', '农贸市场院', '屠宰场院']],
        ['蔡场路', ['蔡场路一号院', '车站院', '物流园院']],
        ['学堂街', ['学堂院', '中心小学宿舍', '幼儿园院', '文化站院']],
      ],
    },
  ],
} as const;

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
