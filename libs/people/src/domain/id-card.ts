/**
 * 18-digit resident identity card numbers (居民身份证号码, GB 11643-1999):
 * 6-digit region code, 8-digit birth date, 3-digit sequence (odd = male), ISO 7064 MOD 11-2 check character.
 */

/** Result of {@link validateIdNumber}. */
export type IdNumberCheck =
  | { ok: true; birthDate: string; gender: 'MALE' | 'FEMALE'; regionCode: string }
  | { ok: false; reason: string };

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';
/**
 * Province-level codes (GB/T 2260 first two digits), plus 71/81/82 (Taiwan, Hong Kong, Macao) and 83
 * (residence permits of Taiwan residents). Catches a digit typed into the wrong column of a spreadsheet.
 */
const PROVINCES = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41', '42', '43',
  '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82', '83',
]); // prettier-ignore
/** Older numbers are not in the 18-digit scheme (introduced 1999; nobody alive was born before this). */
const MIN_BIRTH_YEAR = 1900;

/**
 * Brings a number typed into a spreadsheet to canonical form: trimmed, full-width digits and X
 * (common with Chinese input methods) to ASCII, lower-case x to X. Does not validate.
 */
export function normalizeIdNumber(raw: string): string {
  return raw
    .trim()
    .replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 0x30))
    .replace(/[xｘＸ]/g, 'X');
}

/**
 * Checks a normalized 18-character number: length, digits, province, a real birth date not in the future,
 * and the MOD 11-2 check character. Reasons are in plain words and never repeat the number.
 * @param today the date against which "in the future" is judged (UTC; `YYYY-MM-DD` or a Date).
 */
export function validateIdNumber(id: string, today: Date | string = new Date()): IdNumberCheck {
  if (id.length !== 18) return { ok: false, reason: `must have 18 characters, has ${id.length}` };
  if (!/^\d{17}[\dX]$/.test(id)) {
    return { ok: false, reason: 'must be 17 digits followed by a digit or X' };
  }
  const regionCode = id.slice(0, 6);
  if (!PROVINCES.has(regionCode.slice(0, 2)))
    return { ok: false, reason: 'region code is not a known province' };
  const birthDate = parseBirthDate(id.slice(6, 14));
  if (birthDate === undefined) return { ok: false, reason: 'birth date is not a real calendar date' };
  if (Number(birthDate.slice(0, 4)) < MIN_BIRTH_YEAR) {
    return { ok: false, reason: `birth date is before ${MIN_BIRTH_YEAR}` };
  }
  if (birthDate > (typeof today === 'string' ? today : today.toISOString().slice(0, 10)))
    return { ok: false, reason: 'birth date is in the future' };
  if (checkChar(id.slice(0, 17)) !== id[17])
    return { ok: false, reason: 'check digit does not match (typo?)' };
  const gender = Number(id[16]) % 2 === 1 ? 'MALE' : 'FEMALE';
  return { ok: true, birthDate, gender, regionCode };
}

/** `YYYY-MM-DD` from digits 7–14 of a valid 18-character number (no check beyond the length). */
export function birthDateOf(idNumber: string): string {
  if (idNumber.length !== 18) throw new Error('expected an 18-character ID number');
  return `${idNumber.slice(6, 10)}-${idNumber.slice(10, 12)}-${idNumber.slice(12, 14)}`;
}

/**
 * A valid number for demo data and tests: same inputs, same number.
 * @param regionCode 6 digits, e.g. `510129` (大邑县).
 * @param birthDate `YYYY-MM-DD`.
 * @param sequence 0–499: the order code is `2 × sequence + (1 for MALE)`, so the gender digit is right.
 */
export function makeTestIdNumber(
  regionCode: string,
  birthDate: string,
  sequence: number,
  gender: 'MALE' | 'FEMALE',
): string {
  if (!/^\d{6}$/.test(regionCode)) throw new Error('region code must be 6 digits');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(birthDate)) throw new Error('birth date must be YYYY-MM-DD');
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 499) {
    throw new Error('sequence must be an integer from 0 to 499');
  }
  const order = String(sequence * 2 + (gender === 'MALE' ? 1 : 0)).padStart(3, '0');
  const body = `${regionCode}${birthDate.replace(/-/g, '')}${order}`;
  const id = `${body}${checkChar(body)}`;
  const check = validateIdNumber(id);
  if (!check.ok) throw new Error(`cannot make a valid number: ${check.reason}`);
  return id;
}

/** ISO 7064 MOD 11-2 over the first 17 digits. */
function checkChar(body17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (body17.charCodeAt(i) - 48) * (WEIGHTS[i] ?? 0);
  return CHECK_CHARS[sum % 11] ?? '?';
}

function parseBirthDate(yyyymmdd: string): string | undefined {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  if (m < 1 || m > 12 || d < 1) return undefined;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d)
    return undefined;
  return `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
}
