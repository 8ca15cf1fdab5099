import { CAICHANG, stableId } from './places';
import { DEMO_CHIEFS } from './chiefs';

/**
 * The Caichang demo population, generated deterministically (fixed seed): 2,400 households and
 * 11,000 residents over the 21 streets and 72 courtyards, about a third of them migrants from the
 * counties the report names, and 320 units (mostly merchants). Plain data only: the people service
 * turns it into rows (ID numbers through its own generator, encryption with its keys). Residents
 * 101–110 are the 10 street chiefs of DEMO_CHIEFS, under the same names and phones.
 */

/** A small, fast, seedable PRNG (mulberry32): same seed, same sequence, on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const DEMO_POPULATION_SEED = 20261125;
export const DEMO_HOUSEHOLDS = 2_400;
export const DEMO_RESIDENTS = 11_000;
export const DEMO_UNITS = 320;

/** 户籍地 with the region code (GB/T 2260) the fake ID numbers start with, and its share. */
export const DEMO_ORIGINS = {
  local: { name: '大邑县', region: '510129' },
  migrant: [
    { name: '汉源县', region: '511823', weight: 22 },
    { name: '仪陇县', region: '511324', weight: 18 },
    { name: '营山县', region: '511322', weight: 17 },
    { name: '达州市', region: '511702', weight: 15 },
    { name: '遂宁市', region: '510903', weight: 14 },
    { name: '巴中市', region: '511902', weight: 10 },
    { name: '邛崃市', region: '510183', weight: 4 },
  ],
} as const;

export type DemoCategory = 'REGISTERED' | 'MIGRANT_LONG_TERM' | 'FLOATING';
export type DemoRelationship = 'HEAD' | 'SPOUSE' | 'CHILD' | 'PARENT' | 'GRANDCHILD' | 'TENANT' | 'OTHER';

export interface DemoAddress {
  streetId: string;
  courtyardId: string | null;
  building: string;
  unit: string;
  door: string;
}

export interface DemoHousehold {
  n: number;
  id: string;
  address: DemoAddress;
  housing: 'OWNED' | 'RENTED' | 'PUBLIC' | 'OTHER';
  entryDate: string;
  /** Indexes into `residents` of the members, head first. */
  members: number[];
}

export interface DemoResident {
  /** 1-based; id = stableId(`resident:<n>`). */
  n: number;
  id: string;
  name: string;
  gender: 'MALE' | 'FEMALE';
  birthDate: string;
  /** Inputs of a checksum-valid fake ID number: region code, birth date, sequence (0–499), gender. */
  idRegion: string;
  idSequence: number;
  phone: string | null;
  origin: string;
  category: DemoCategory;
  needs: ('WORK' | 'MEDICAL' | 'SCHOOLING' | 'FAMILY_VISIT')[];
  languages: string[];
  household: number;
  relationship: DemoRelationship;
  movedInAt: string;
}

export interface DemoUnit {
  n: number;
  id: string;
  name: string;
  kind: 'MERCHANT' | 'SCHOOL' | 'KINDERGARTEN' | 'CLINIC' | 'ORGANISATION';
  licenceNumber: string;
  contactName: string;
  contactPhone: string;
  address: DemoAddress;
}

export interface DemoPopulation {
  households: DemoHousehold[];
  residents: DemoResident[];
  units: DemoUnit[];
}

const SURNAMES =
  '王李张刘陈杨黄赵周吴徐孙马胡朱郭何罗高林郑梁谢唐许冯宋韩邓彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤';
const GIVEN_MALE = '伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林云峰建国文志海成康德';
const GIVEN_FEMALE = '芳娜敏静丽艳娟霞秀玲桂英兰梅琳燕婷雪慧红琴晶颖倩洁萍蓉丹玉珍凤淑莉佳欣怡';
const SHOPS = [
  '超市',
  '小吃店',
  '火锅店',
  '茶馆',
  '药店',
  '五金店',
  '理发店',
  '服装店',
  '面馆',
  '便利店',
  '农资店',
  '粮油店',
  '手机店',
  '副食店',
  '烟酒店',
  '豆花饭',
  '汽修店',
  '快递点',
];

/** Generates the demo population; pure and deterministic (same output on every call). */
export function demoPopulation(): DemoPopulation {
  const rnd = seededRandom(DEMO_POPULATION_SEED);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const int = (min: number, max: number) => min + Math.floor(rnd() * (max - min + 1));
  const date = (fromYear: number, toYear: number) => {
    const y = int(fromYear, toYear);
    const m = int(1, 12);
    const d = int(1, 28);
    return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  };
  const name = (gender: 'MALE' | 'FEMALE', surname = pick([...SURNAMES])) => {
    const given = gender === 'MALE' ? GIVEN_MALE : GIVEN_FEMALE;
    return surname + (rnd() < 0.4 ? pick([...given]) : pick([...given]) + pick([...given]));
  };
  const phone = () =>
    `1${pick(['33', '35', '38', '39', '58', '59', '77', '80', '87', '89'])}${String(int(0, 99_999_999)).padStart(8, '0')}`;

  const places: { streetName: string; streetId: string; courtyardId: string }[] = [];
  for (const group of CAICHANG.groups) {
    for (const [streetName, yards] of group.streets) {
      for (const yard of yards) {
        places.push({
          streetName,
          streetId: stableId(`street:${streetName}`),
          courtyardId: stableId(`courtyard:${streetName}:${yard}`),
        });
      }
    }
  }
  const usedAddresses = new Set<string>();
  const addressIn = (place: (typeof places)[number]): DemoAddress => {
    for (;;) {
      const a = {
        streetId: place.streetId,
        courtyardId: place.courtyardId,
        building: String(int(1, 6)),
        unit: String(int(1, 3)),
        door: `${int(1, 7)}0${int(1, 4)}`,
      };
      const key = `${a.courtyardId}|${a.building}|${a.unit}|${a.door}`;
      if (!usedAddresses.has(key)) {
        usedAddresses.add(key);
        return a;
      }
    }
  };

  // Household sizes summing to exactly DEMO_RESIDENTS.
  const sizes: number[] = [];
  for (let h = 0; h < DEMO_HOUSEHOLDS; h++) sizes.push(int(2, 7));
  let total = sizes.reduce((s, x) => s + x, 0);
  for (let i = 0; total !== DEMO_RESIDENTS; i = (i + 1) % DEMO_HOUSEHOLDS) {
    const size = sizes[i] as number;
    if (total < DEMO_RESIDENTS && size < 8) {
      sizes[i] = size + 1;
      total++;
    } else if (total > DEMO_RESIDENTS && size > 1) {
      sizes[i] = size - 1;
      total--;
    }
  }

  const chiefStreet = new Map(DEMO_CHIEFS.map((c, i) => [101 + i, c.streetNames[0] ?? '']));
  const households: DemoHousehold[] = [];
  const residents: DemoResident[] = [];
  const usedIds = new Set<string>();
  const weights = DEMO_ORIGINS.migrant.reduce((s, o) => s + o.weight, 0);
  const migrantOrigin = () => {
    let x = rnd() * weights;
    for (const o of DEMO_ORIGINS.migrant) if ((x -= o.weight) < 0) return o;
    return DEMO_ORIGINS.migrant[0];
  };

  for (let h = 0; h < DEMO_HOUSEHOLDS; h++) {
    const size = sizes[h] as number;
    const firstN = residents.length + 1;
    // A chief's household lives on the chief's first street.
    const chiefHere = [...chiefStreet.keys()].find((n) => n >= firstN && n < firstN + size);
    const place = chiefHere
      ? (places.find((p) => p.streetName === chiefStreet.get(chiefHere)) ?? pick(places))
      : (places[h % places.length] ?? pick(places));
    const r = rnd();
    const category: DemoCategory =
      chiefHere || r < 0.64 ? 'REGISTERED' : r < 0.9 ? 'MIGRANT_LONG_TERM' : 'FLOATING';
    const origin = category === 'REGISTERED' ? DEMO_ORIGINS.local : migrantOrigin();
    const surname = pick([...SURNAMES]);
    const entryDate = category === 'REGISTERED' ? date(1985, 2020) : date(2012, 2026);
    const household: DemoHousehold = {
      n: h + 1,
      id: stableId(`household:${h + 1}`),
      address: addressIn(place),
      housing:
        category === 'REGISTERED' ? (rnd() < 0.9 ? 'OWNED' : 'PUBLIC') : rnd() < 0.85 ? 'RENTED' : 'OTHER',
      entryDate,
      members: [],
    };
    const headYear = int(1950, 1992);
    for (let k = 0; k < size; k++) {
      const n = residents.length + 1;
      const chief = n >= 101 && n <= 110 ? DEMO_CHIEFS[n - 101] : undefined;
      const relationship: DemoRelationship =
        k === 0
          ? 'HEAD'
          : k === 1
            ? 'SPOUSE'
            : k < size - 1 || size < 5
              ? 'CHILD'
              : rnd() < 0.5
                ? 'PARENT'
                : 'GRANDCHILD';
      const gender: 'MALE' | 'FEMALE' =
        k === 0 ? (rnd() < 0.8 ? 'MALE' : 'FEMALE') : k === 1 ? 'FEMALE' : rnd() < 0.5 ? 'MALE' : 'FEMALE';
      const birthDate =
        relationship === 'PARENT' ? date(headYear - 32, headYear - 20)
        : relationship === 'CHILD' ? date(Math.min(headYear + 20, 2024), Math.min(headYear + 36, 2024))
        : relationship === 'GRANDCHILD' ? date(2012, 2024)
        : date(headYear - 3, headYear + 3); // prettier-ignore
      let seq = n % 500;
      while (usedIds.has(`${origin.region}${birthDate}${seq}`)) seq = (seq + 1) % 500;
      usedIds.add(`${origin.region}${birthDate}${seq}`);
      const age = 2026 - Number(birthDate.slice(0, 4));
      const needs: DemoResident['needs'] = [];
      if (category !== 'REGISTERED' && age >= 18 && age < 60 && rnd() < 0.25) needs.push('WORK');
      if (age >= 65 && rnd() < 0.3) needs.push('MEDICAL');
      if (age >= 5 && age <= 15 && category !== 'REGISTERED' && rnd() < 0.5) needs.push('SCHOOLING');
      if (category !== 'REGISTERED' && rnd() < 0.1) needs.push('FAMILY_VISIT');
      residents.push({
        n,
        id: stableId(`resident:${n}`),
        name:
          chief?.name ??
          name(
            gender,
            k === 0 || relationship === 'CHILD' || relationship === 'GRANDCHILD' ? surname : undefined,
          ),
        gender: chief
          ? ['李秀英', '刘桂芳', '杨淑珍', '黄丽萍', '吴红梅'].includes(chief.name)
            ? 'FEMALE'
            : 'MALE'
          : gender,
        birthDate: chief ? date(1965, 1985) : birthDate,
        idRegion: origin.region,
        idSequence: seq,
        phone: chief?.phone ?? (age >= 16 ? phone() : null),
        origin: origin.name,
        category,
        needs,
        languages: category === 'REGISTERED' ? ['四川话'] : rnd() < 0.3 ? ['四川话', '普通话'] : ['四川话'],
        household: h,
        relationship,
        movedInAt: entryDate,
      });
      household.members.push(n - 1);
    }
    households.push(household);
  }
  // Chiefs' birth dates were redrawn above: keep their ID inputs unique too.
  for (const r of residents.slice(100, 110)) {
    let seq = r.idSequence;
    while (usedIds.has(`${r.idRegion}${r.birthDate}${seq}`)) seq = (seq + 1) % 500;
    usedIds.add(`${r.idRegion}${r.birthDate}${seq}`);
    r.idSequence = seq;
  }

  const units: DemoUnit[] = [];
  for (let u = 0; u < DEMO_UNITS; u++) {
    const place = places[(u * 7) % places.length] ?? pick(places);
    const kind: DemoUnit['kind'] =
      u < 2 ? 'SCHOOL' : u < 4 ? 'KINDERGARTEN' : u < 8 ? 'CLINIC' : u < 14 ? 'ORGANISATION' : 'MERCHANT';
    const label =
      kind === 'SCHOOL' ? ['蔡场小学', '蔡场中学'][u]
      : kind === 'KINDERGARTEN' ? ['蔡场幼儿园', '阳光幼儿园'][u - 2]
      : kind === 'CLINIC' ? `${place.streetName}诊所`
      : kind === 'ORGANISATION' ? `${place.streetName}老年协会`
      : `${pick([...SURNAMES])}记${pick(SHOPS)}`; // prettier-ignore
    units.push({
      n: u + 1,
      id: stableId(`unit:${u + 1}`),
      name: `${label}（${place.streetName}${u + 1}号）`,
      kind,
      licenceNumber: `92510129MA${String(100000 + u).padStart(6, '0')}${String.fromCharCode(65 + (u % 26))}${u % 10}`,
      contactName: name(rnd() < 0.5 ? 'MALE' : 'FEMALE'),
      contactPhone: phone(),
      address: {
        streetId: place.streetId,
        courtyardId: null,
        building: '',
        unit: '',
        door: `临街${u + 1}号`,
      },
    });
  }
  return { households, residents, units };
}
