import { createHash } from 'node:crypto';

/**
 * A deterministic id in UUID shape, derived from a stable name. The demo data of every service uses
 * the same function, so the streets the people service references are the streets of the roster.
 */
export function stableId(name: string): string {
  const h = createHash('sha256').update(`caichang-demo:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface DemoCommunity {
  code: string;
  name: string;
  /** Resident groups in official order, each with its streets and their courtyards. */
  groups: { name: string; streets: [street: string, courtyards: string[]][] }[];
}

/** 蔡场社区: 3 resident groups, 21 streets, 72 courtyards (names are believable, not surveyed). */
export const CAICHANG: DemoCommunity = {
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
};
