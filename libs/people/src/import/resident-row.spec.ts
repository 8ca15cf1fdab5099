import { makeTestIdNumber } from '../domain/id-card';
import { caichangPlaceDirectory } from './places';
import { ImportHeaderError, IMPORT_COLUMNS, mapHeader, normalizePhone, validateRow } from './resident-row';

const HEADER = IMPORT_COLUMNS.map((c) => c.header);
const places = caichangPlaceDirectory();
const TODAY = '2026-11-25';
const ID = makeTestIdNumber('511823', '1975-01-30', 21, 'MALE');

/** A good row as a spreadsheet has it; override cells by header. */
function record(cells: Record<string, string> = {}, line = 2) {
  const base: Record<string, string> = {
    姓名: '张德明',
    性别: '男',
    身份证号: ID,
    联系电话: '13808120004',
    户籍地: '汉源县',
    人员类别: '外来常住',
    街道: '新街',
    院落: '新街东院',
    楼栋: '2',
    单元: '1',
    门牌号: '301',
    迁入日期: '2015-06-01',
    备注: '',
    ...cells,
  };
  return { line, fields: HEADER.map((h) => base[h] ?? '') };
}
const check = (cells: Record<string, string> = {}) =>
  validateRow(record(cells), mapHeader(HEADER), places, TODAY);
const reasons = (cells: Record<string, string>) => {
  const r = check(cells);
  return r.ok ? [] : r.reasons;
};

describe('mapHeader', () => {
  it('maps the documented header, aliases, starred required columns and any order', () => {
    const m = mapHeader(['* 姓名', '身份证号码', '手机号', '户籍所在地', '人口类别', '所在街道', '自定义列']);
    expect(m.indexes).toMatchObject({ name: 0, idNumber: 1, phone: 2, origin: 3, category: 4, street: 5 });
    expect(m.ignored).toEqual(['自定义列']);
    expect(m.width).toBe(7);
  });

  it('refuses a header without a required column or with a column twice', () => {
    expect(() => mapHeader(['姓名', '身份证号'])).toThrow(ImportHeaderError);
    expect(() => mapHeader(['姓名', '身份证号'])).toThrow('户籍地, 人员类别, 街道');
    expect(() => mapHeader([...HEADER, '身份证号码'])).toThrow('appears twice');
  });
});

describe('validateRow', () => {
  it('accepts a good row and derives birth date and gender from the ID number', () => {
    expect(check()).toEqual({
      ok: true,
      row: expect.objectContaining({
        line: 2,
        name: '张德明',
        gender: 'MALE',
        birthDate: '1975-01-30',
        idNumber: ID,
        phone: '13808120004',
        category: 'MIGRANT_LONG_TERM',
        address: { building: '2', unit: '1', door: '301' },
        movedInAt: '2015-06-01',
      }),
    });
  });

  it('normalizes what spreadsheets do to values', () => {
    const r = check({
      身份证号: ` ${ID.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)))} `,
      联系电话: '+86 138-0812-0004',
      街道: ' 新 街 ',
      楼栋: '２',
      迁入日期: '2015/6/1',
      性别: '',
    });
    expect(r.ok && r.row).toMatchObject({ idNumber: ID, phone: '13808120004', movedInAt: '2015-06-01' });
  });

  it.each([
    [{ 姓名: '' }, ['姓名: missing']],
    [{ 姓名: '张3' }, ['姓名: contains digits or symbols']],
    [{ 身份证号: '' }, ['身份证号: missing']],
    [{ 身份证号: '5.11823E+17' }, [expect.stringContaining('turned into a number by the spreadsheet')]],
    [
      { 身份证号: `${ID.slice(0, 17)}${ID[17] === '1' ? '2' : '1'}` },
      ['身份证号: check digit does not match (typo?)'],
    ],
    [{ 联系电话: '1380812' }, [expect.stringContaining('联系电话: not a mobile number')]],
    [{ 人员类别: '临时' }, ['人员类别: must be 户籍人口, 外来常住 or 流动人口']],
    [{ 人员类别: '' }, ['人员类别: missing']],
    [{ 户籍地: '' }, ['户籍地: missing']],
    [{ 街道: '光明大道' }, ['街道: not a street of the community']],
    [{ 院落: '南门院' }, ['院落: not a courtyard of this street']],
    [{ 性别: '女' }, ['性别: does not match the ID number']],
    [{ 性别: '未知' }, ['性别: must be 男 or 女']],
    [{ 门牌号: '' }, ['门牌号: missing while 楼栋 or 单元 is given']],
    [{ 迁入日期: '2027-01-01' }, ['迁入日期: in the future']],
    [{ 迁入日期: '1970-01-01' }, ['迁入日期: before the birth date']],
    [{ 迁入日期: '2015-02-30' }, ['迁入日期: not a date (use YYYY-MM-DD)']],
  ])('rejects %j with the reason', (cells, expected) => {
    expect(reasons(cells)).toEqual(expected);
  });

  it('reports every problem of a row at once, never its values', () => {
    const r = reasons({ 姓名: '', 联系电话: '12', 街道: '光明大道' });
    expect(r).toEqual([
      '姓名: missing',
      expect.stringContaining('联系电话'),
      '街道: not a street of the community',
    ]);
    expect(r.join(' ')).not.toContain('光明大道');
  });

  it('rejects a record with the wrong number of columns or malformed quoting', () => {
    const short = { line: 9, fields: ['张三', '男'] };
    expect(validateRow(short, mapHeader(HEADER), places)).toEqual({
      ok: false,
      reasons: ['has 2 columns, the header has 13 (a stray comma or quote?)'],
    });
    expect(
      validateRow({ ...record(), error: 'text after a closing quote' }, mapHeader(HEADER), places),
    ).toEqual({
      ok: false,
      reasons: ['malformed CSV: text after a closing quote'],
    });
  });

  it('takes a row without a door number as living on the street or courtyard, without an address', () => {
    const r = check({ 楼栋: '', 单元: '', 门牌号: '' });
    expect(r.ok && r.row.address).toBeNull();
  });
});

describe('normalizePhone', () => {
  it('keeps digits only and drops the country prefix of a mobile number', () => {
    expect(normalizePhone(' (028) 8812-0011 ')).toBe('02888120011');
    expect(normalizePhone('0086 13808120004')).toBe('13808120004');
  });
});
