/**
 * The product's case taxonomy (9大类29项) of DOMAIN.md, as the data the service seeds into its
 * database as version 1 of every item (ADR 0017). Admins edit items later; every edit is a new
 * version, and a case keeps the version it was accepted under.
 */

export type LimitUnit = 'HOURS' | 'WORKING_DAYS';
/** How a resolved case is confirmed: the reporter's rating (requests) or the chief's check (hazards). */
export type Confirmation = 'RATING' | 'RECTIFICATION_CHECK';
/** Who gets a case by default when it is assigned without a target. */
export type DefaultAssignee = 'GRID_CHIEF' | 'COMMUNITY_STAFF';

export interface Limit {
  value: number;
  unit: LimitUnit;
}

export interface ItemSeed {
  code: string;
  name: string;
  confirmation: Confirmation;
  defaultAssignee: DefaultAssignee;
}

export interface CategorySeed {
  code: string;
  name: string;
  respond: Limit;
  resolve: Limit;
  /** Urgent items tell the reporter to phone 119 as well (fire). */
  urgent: boolean;
  items: ItemSeed[];
}

const h = (value: number): Limit => ({ value, unit: 'HOURS' });
const wd = (value: number): Limit => ({ value, unit: 'WORKING_DAYS' });
const hazard = (code: string, name: string): ItemSeed => ({
  code,
  name,
  confirmation: 'RECTIFICATION_CHECK',
  defaultAssignee: 'GRID_CHIEF',
});
const request = (code: string, name: string, defaultAssignee: DefaultAssignee = 'GRID_CHIEF'): ItemSeed => ({
  code,
  name,
  confirmation: 'RATING',
  defaultAssignee,
});

export const TAXONOMY: readonly CategorySeed[] = [
  {
    code: 'FIRE',
    name: '消防安全',
    respond: h(2),
    resolve: h(24),
    urgent: true,
    items: [
      hazard('FIRE_EQUIPMENT', '消防设施缺失或损坏'),
      hazard('FIRE_EXIT_BLOCKED', '消防通道堵塞'),
      hazard('EBIKE_CHARGING', '电动车违规停放充电'),
      hazard('FIRE_ELECTRIC_HAZARD', '用火用电隐患'),
    ],
  },
  {
    code: 'SECURITY',
    name: '社会治安',
    respond: h(4),
    resolve: wd(5),
    urgent: false,
    items: [
      hazard('SECURITY_HAZARD', '治安隐患'),
      hazard('CCTV_MISSING', '视频监控缺失'),
      request('DISPUTE', '矛盾纠纷'),
    ],
  },
  {
    code: 'SANITATION',
    name: '环境卫生',
    respond: h(24),
    resolve: wd(3),
    urgent: false,
    items: [
      request('LITTERING', '垃圾乱丢'),
      request('SEWAGE_DUMPING', '污水乱倒'),
      request('CLEANING_POOR', '卫生保洁不到位'),
      request('GARBAGE_COLLECTION_LATE', '垃圾清运不及时'),
    ],
  },
  {
    code: 'STREET_ORDER',
    name: '市容秩序',
    respond: h(24),
    resolve: wd(3),
    urgent: false,
    items: [
      request('STREET_VENDOR', '流动摊贩占道'),
      request('POSTERS', '乱贴乱挂'),
      hazard('PILED_MATERIALS', '物料乱堆乱放'),
      request('OUTSIDE_TRADING', '店外经营'),
      request('UNCIVIL_BEHAVIOUR', '不文明行为'),
    ],
  },
  {
    code: 'TRAFFIC',
    name: '交通停车',
    respond: h(24),
    resolve: wd(3),
    urgent: false,
    items: [
      request('CAR_PARKING', '机动车乱停乱放'),
      request('BIKE_PARKING', '非机动车乱停放'),
      hazard('ROAD_SAFETY', '道路交通安全隐患'),
    ],
  },
  {
    code: 'ILLEGAL_BUILDING',
    name: '违法建设',
    respond: h(24),
    resolve: wd(15),
    urgent: false,
    items: [hazard('ILLEGAL_STRUCTURE', '违规搭建'), hazard('PUBLIC_SPACE_OCCUPIED', '占用公共空间')],
  },
  {
    code: 'FACILITIES',
    name: '公共设施',
    respond: h(24),
    resolve: wd(5),
    urgent: false,
    items: [
      request('ROAD_DAMAGED', '道路破损'),
      request('PUBLIC_FACILITY_DAMAGED', '公建设施损坏'),
      request('DRAINAGE_LIGHTING', '排水与路灯故障'),
    ],
  },
  {
    code: 'GREENERY',
    name: '绿化养护',
    respond: h(24),
    resolve: wd(5),
    urgent: false,
    items: [request('GREENERY_DAMAGED', '绿化损毁'), request('GREENERY_UPKEEP', '绿化养护不到位')],
  },
  {
    code: 'NEEDS',
    name: '民生诉求',
    respond: h(24),
    resolve: wd(5),
    urgent: false,
    items: [
      request('NEED_WORK', '务工就业', 'COMMUNITY_STAFF'),
      request('NEED_MEDICAL', '就医', 'COMMUNITY_STAFF'),
      request('NEED_SCHOOLING', '就学', 'COMMUNITY_STAFF'),
    ],
  },
];
