import { normalizeIdNumber, validateIdNumber } from '../domain/id-card';
import { normalizeAddressPart } from '../domain/address';
import type { Gender, ResidentCategory } from '../entities';
import type { PlaceDirectory } from './places';

/** The fields of one import row, by their internal names. */
export type ImportField =
  | 'name'
  | 'gender'
  | 'idNumber'
  | 'phone'
  | 'origin'
  | 'category'
  | 'street'
  | 'courtyard'
  | 'building'
  | 'unit'
  | 'door'
  | 'movedInAt'
  | 'notes';

/**
 * The columns of the import file: header as a community's spreadsheet has it, accepted aliases, and
 * whether the column must be present. Order here is the order of the documented format and the sample.
 */
export const IMPORT_COLUMNS: readonly {
  field: ImportField;
  header: string;
  aliases: string[];
  required: boolean;
}[] = [
  { field: 'name', header: '姓名', aliases: [], required: true },
  { field: 'gender', header: '性别', aliases: [], required: false },
  {
    field: 'idNumber',
    header: '身份证号',
    aliases: ['身份证号码', '公民身份号码', '证件号码'],
    required: true,
  },
  {
    field: 'phone',
    header: '联系电话',
    aliases: ['电话', '手机', '手机号', '手机号码', '联系方式'],
    required: false,
  },
  { field: 'origin', header: '户籍地', aliases: ['户籍所在地'], required: true },
  { field: 'category', header: '人员类别', aliases: ['人口类别', '类别'], required: true },
  { field: 'street', header: '街道', aliases: ['所在街道'], required: true },
  { field: 'courtyard', header: '院落', aliases: ['小区', '院落/小区'], required: false },
  { field: 'building', header: '楼栋', aliases: ['栋', '楼号'], required: false },
  { field: 'unit', header: '单元', aliases: [], required: false },
  { field: 'door', header: '门牌号', aliases: ['门牌', '房号'], required: false },
  { field: 'movedInAt', header: '迁入日期', aliases: ['入住日期', '居住日期'], required: false },
  { field: 'notes', header: '备注', aliases: [], required: false },
];

/** The file's header does not fit the format: nothing can be imported. */
export class ImportHeaderError extends Error {
  override readonly name = 'ImportHeaderError';
}

/** Where each field sits in the file's records. */
export interface ColumnMap {
  indexes: Partial<Record<ImportField, number>>;
  /** Number of columns of the header: every record must have as many. */
  width: number;
  /** Header cells that are not part of the format; their values are ignored. */
  ignored: string[];
}

/** Maps the header row to fields; throws {@link ImportHeaderError} for a missing or repeated column. */
export function mapHeader(header: readonly string[]): ColumnMap {
  const byName = new Map<string, ImportField>();
  for (const c of IMPORT_COLUMNS) for (const h of [c.header, ...c.aliases]) byName.set(h, c.field);
  const indexes: Partial<Record<ImportField, number>> = {};
  const ignored: string[] = [];
  header.forEach((cell, i) => {
    const name = cell.replace(/[\s\u3000*＊]+/g, ''); // "* 姓名" marks a required column in many templates
    const field = byName.get(name);
    if (field === undefined) {
      if (name.length > 0) ignored.push(name);
      return;
    }
    if (indexes[field] !== undefined)
      throw new ImportHeaderError(`column ${name} appears twice in the header`);
    indexes[field] = i;
  });
  const missing = IMPORT_COLUMNS.filter((c) => c.required && indexes[c.field] === undefined).map(
    (c) => c.header,
  );
  if (missing.length > 0) {
    throw new ImportHeaderError(
      `the header lacks the required column(s) ${missing.join(', ')}; expected e.g. ` +
        IMPORT_COLUMNS.map((c) => c.header).join(','),
    );
  }
  return { indexes, width: header.length, ignored };
}

const CATEGORIES: Record<string, ResidentCategory> = {
  户籍人口: 'REGISTERED',
  户籍: 'REGISTERED',
  外来常住: 'MIGRANT_LONG_TERM',
  外来常住人口: 'MIGRANT_LONG_TERM',
  流动人口: 'FLOATING',
  流动: 'FLOATING',
  REGISTERED: 'REGISTERED',
  MIGRANT_LONG_TERM: 'MIGRANT_LONG_TERM',
  FLOATING: 'FLOATING',
};
const GENDERS: Record<string, Gender> = { 男: 'MALE', 女: 'FEMALE', MALE: 'MALE', FEMALE: 'FEMALE' };

/** Fields of one row after the per-field rules; `undefined` where the cell was refused. */
interface ParsedFields {
  name: string;
  gender: Gender | null;
  idNumber: { id: string; gender: Gender; birthDate: string } | undefined;
  phone: string | null;
  origin: string;
  category: ResidentCategory | undefined;
  street: string;
  courtyard: string | null;
  building: string;
  unit: string;
  door: string;
  movedInAt: string | null;
}

const NAME_SYMBOLS = /^[^\d@#$%^&*=+<>{}[\]|\\/]*$/u;

/**
 * Per-field rules, in column order; every rule of every field runs, so a row reports all its problems.
 * Messages start with the column header and never contain the value: the bad-row report may be shared
 * or logged, the values are personal data. Plain code rather than a schema library: this runs a million
 * times per large import (a zod schema here was ~15% of the import's CPU).
 */
function parseFields(cell: (f: ImportField) => string, issues: string[], today: string): ParsedFields {
  const name = cell('name').trim();
  if (name.length === 0) issues.push('姓名: missing');
  if (name.length > 50) issues.push('姓名: longer than 50 characters');
  if (!NAME_SYMBOLS.test(name)) issues.push('姓名: contains digits or symbols');

  const genderCell = cell('gender').trim();
  let gender: Gender | null = null;
  if (genderCell.length > 0) {
    gender = GENDERS[genderCell.toUpperCase()] ?? null;
    if (gender === null) issues.push('性别: must be 男 or 女');
  }

  let idNumber: ParsedFields['idNumber'];
  const id = normalizeIdNumber(cell('idNumber'));
  if (id.length === 0) issues.push('身份证号: missing');
  else if (/^\d(\.\d+)?E\+\d+$/i.test(id)) {
    issues.push(
      '身份证号: turned into a number by the spreadsheet (e.g. 5.10129E+17); format the column as text',
    );
  } else {
    const check = validateIdNumber(id, today);
    if (check.ok) idNumber = { id, gender: check.gender, birthDate: check.birthDate };
    else issues.push(`身份证号: ${check.reason}`);
  }

  let phone: string | null = normalizePhone(cell('phone'));
  if (phone.length === 0) phone = null;
  else if (!/^1[3-9]\d{9}$/.test(phone) && !/^0\d{9,11}$/.test(phone)) {
    issues.push('联系电话: not a mobile number (11 digits starting with 1) or a landline with area code');
  }

  const origin = cell('origin').trim();
  if (origin.length === 0) issues.push('户籍地: missing');
  if (origin.length > 50) issues.push('户籍地: longer than 50 characters');

  const categoryCell = cell('category').trim();
  const category = CATEGORIES[categoryCell.toUpperCase()];
  if (category === undefined) {
    issues.push(
      categoryCell.length === 0 ? '人员类别: missing' : '人员类别: must be 户籍人口, 外来常住 or 流动人口',
    );
  }

  const street = cell('street').trim();
  if (street.length === 0) issues.push('街道: missing');

  const courtyardCell = cell('courtyard').trim();
  if (courtyardCell.length > 50) issues.push('院落: longer than 50 characters');

  const part = (f: 'building' | 'unit' | 'door', label: string): string => {
    const v = normalizeAddressPart(cell(f));
    if (v.length > 20) issues.push(`${label}: longer than 20 characters`);
    return v;
  };
  const building = part('building', '楼栋');
  const unit = part('unit', '单元');
  const door = part('door', '门牌号');

  const movedCell = cell('movedInAt').trim();
  let movedInAt: string | null = null;
  if (movedCell.length > 0) {
    movedInAt = parseDate(movedCell) ?? null;
    if (movedInAt === null) issues.push('迁入日期: not a date (use YYYY-MM-DD)');
  }

  return {
    name,
    gender,
    idNumber,
    phone,
    origin,
    category,
    street,
    courtyard: courtyardCell.length === 0 ? null : courtyardCell,
    building,
    unit,
    door,
    movedInAt,
  };
}

/** A row that passed validation, with places resolved to ids. Still plaintext: encrypt before storing. */
export interface ValidRow {
  line: number;
  name: string;
  gender: Gender;
  birthDate: string;
  /** Normalized ID number (the blind index input). */
  idNumber: string;
  /** Digits only, or null when the cell was empty. */
  phone: string | null;
  origin: string;
  category: ResidentCategory;
  streetId: string;
  courtyardId: string | null;
  /** The standard address, when the row has a door number. Parts are normalized. */
  address: { building: string; unit: string; door: string } | null;
  movedInAt: string | null;
}

/** Result of {@link validateRow}: the row, or every reason it is bad. */
export type RowCheck = { ok: true; row: ValidRow } | { ok: false; reasons: string[] };

/**
 * Validates one record against the format: field rules, ID number (GB 11643), places by name,
 * and the rules between fields. Collects every problem of the row, not just the first.
 */
export function validateRow(
  record: { line: number; fields: string[]; error?: string },
  columns: ColumnMap,
  places: PlaceDirectory,
  today: string = new Date().toISOString().slice(0, 10),
): RowCheck {
  if (record.error !== undefined) return { ok: false, reasons: [`malformed CSV: ${record.error}`] };
  // Trailing empty cells beyond the header (a stray comma at the end of every line) are harmless.
  const extraBlank =
    record.fields.length > columns.width && record.fields.slice(columns.width).every((f) => f.trim() === '');
  if (record.fields.length !== columns.width && !extraBlank) {
    return {
      ok: false,
      reasons: [
        `has ${record.fields.length} columns, the header has ${columns.width} (a stray comma or quote?)`,
      ],
    };
  }
  const cell = (f: ImportField): string => {
    const i = columns.indexes[f];
    return i === undefined ? '' : (record.fields[i] ?? '');
  };
  const reasons: string[] = [];
  const r = parseFields(cell, reasons, today);
  if (reasons.length > 0 || r.idNumber === undefined || r.category === undefined) {
    // Place checks still run on what parsed, so the user sees all problems of the row at once.
    if (r.street.length > 0 && places.streetId(r.street) === undefined)
      reasons.push('街道: not a street of the community');
    return { ok: false, reasons };
  }
  const idNumber = r.idNumber;
  const category = r.category;
  const streetId = places.streetId(r.street);
  if (streetId === undefined) reasons.push('街道: not a street of the community');
  let courtyardId: string | null = null;
  if (r.courtyard !== null && streetId !== undefined) {
    courtyardId = places.courtyardId(r.street, r.courtyard) ?? null;
    if (courtyardId === null) reasons.push('院落: not a courtyard of this street');
  }
  if (r.gender !== null && r.gender !== idNumber.gender) reasons.push('性别: does not match the ID number');
  if ((r.building.length > 0 || r.unit.length > 0) && r.door.length === 0) {
    reasons.push('门牌号: missing while 楼栋 or 单元 is given');
  }
  if (r.movedInAt !== null) {
    if (r.movedInAt > today) reasons.push('迁入日期: in the future');
    else if (r.movedInAt < idNumber.birthDate) reasons.push('迁入日期: before the birth date');
  }
  if (reasons.length > 0 || streetId === undefined) return { ok: false, reasons };
  return {
    ok: true,
    row: {
      line: record.line,
      name: r.name,
      gender: idNumber.gender,
      birthDate: idNumber.birthDate,
      idNumber: idNumber.id,
      phone: r.phone,
      origin: r.origin,
      category,
      streetId,
      courtyardId,
      address: r.door.length > 0 ? { building: r.building, unit: r.unit, door: r.door } : null,
      movedInAt: r.movedInAt,
    },
  };
}

/** True when every cell is blank: spreadsheets export such rows below the data; they are skipped. */
export function isBlankRecord(fields: readonly string[]): boolean {
  return fields.every((f) => f.trim().length === 0);
}

/** Digits only: spaces, dashes, brackets and a +86 / 0086 prefix removed, full-width digits to ASCII. */
export function normalizePhone(raw: string): string {
  const digits = raw
    .replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 0x30))
    .replace(/[\s\u3000\-－()（）]/g, '');
  return digits.replace(/^(?:\+86|0086)(?=1\d{10}$)/, '');
}

/** `2023-05-01`, `2023/5/1`, `2023.5.1`, `2023年5月1日` → `2023-05-01`; undefined when not a real date. */
function parseDate(v: string): string | undefined {
  const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(v);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d)
    return undefined;
  return date.toISOString().slice(0, 10);
}
