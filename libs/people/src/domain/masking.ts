/**
 * Default display of personal data (PIPL: masked unless the viewer's role needs the whole value).
 * Every function masks something even for malformed input: a value that fails validation is still
 * personal data.
 */

const MASK = '*';

/** `510129199001011234` → `5101**********1234`: province and prefecture, and the last four. */
export function maskIdNumber(id: string): string {
  const chars = Array.from(id.trim());
  if (chars.length <= 8) return MASK.repeat(chars.length);
  return `${chars.slice(0, 4).join('')}${MASK.repeat(chars.length - 8)}${chars.slice(-4).join('')}`;
}

/** `13812345678` → `138****5678`; other lengths keep at most the last four digits. */
export function maskPhone(phone: string): string {
  const chars = Array.from(phone.trim());
  if (/^1\d{10}$/.test(phone.trim()))
    return `${chars.slice(0, 3).join('')}${MASK.repeat(4)}${chars.slice(-4).join('')}`;
  if (chars.length <= 4) return MASK.repeat(chars.length);
  const keep = Math.min(4, chars.length - 4);
  return `${MASK.repeat(chars.length - keep)}${chars.slice(-keep).join('')}`;
}

/**
 * Door number (门牌号): the part after the last separator is the flat and is hidden; the building or
 * unit prefix stays so a chief can still tell which staircase it is. `501` → `**`, `3-501` → `3-**`,
 * `2单元501` → `2单元**`.
 */
export function maskDoor(door: string): string {
  const trimmed = door.trim();
  if (trimmed.length === 0) return '';
  const match = /^(.*[-－—/单元号栋幢楼#])[^-－—/单元号栋幢楼#]+$/u.exec(trimmed);
  return match?.[1] ? `${match[1]}**` : '**';
}

const COMPOUND_SURNAMES = new Set([
  '欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '长孙', '宇文', '司徒', '夏侯',
  '令狐', '端木', '轩辕', '呼延', '南宫', '西门', '独孤', '澹台', '万俟', '闻人', '赫连', '钟离',
]); // prettier-ignore

/** `张三` → `张*`, `欧阳修文` → `欧阳**`: the surname stays, the given name is hidden. */
export function maskName(name: string): string {
  const chars = Array.from(name.trim());
  if (chars.length <= 1) return MASK.repeat(chars.length);
  const surname = chars.length > 2 && COMPOUND_SURNAMES.has(chars.slice(0, 2).join('')) ? 2 : 1;
  return `${chars.slice(0, surname).join('')}${MASK.repeat(chars.length - surname)}`;
}
