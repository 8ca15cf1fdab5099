import type { FieldCipher } from '../crypto';

/** The parts of a standard address (标准地址); door is personal data. */
export interface AddressParts {
  streetId: string;
  courtyardId: string | null;
  building: string;
  unit: string;
  door: string;
}

/** Trims and drops inner spaces, full-width digits to ASCII: `3 栋` and `３栋` are one building. */
export function normalizeAddressPart(value: string): string {
  return value
    .trim()
    .replace(/\s+/g, '')
    .replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 0x30))
    .toUpperCase();
}

/** The canonical text of an address: the input of its blind index (never stored in clear). */
export function canonicalAddress(p: AddressParts): string {
  return [
    p.streetId,
    p.courtyardId ?? '',
    normalizeAddressPart(p.building),
    normalizeAddressPart(p.unit),
    normalizeAddressPart(p.door),
  ].join('|');
}

/**
 * `address_key` (unique) and `code` of an address. The key is the keyed blind index of the
 * canonical form; the public code is its first 16 hex digits, prefixed: `SA-1A2B3C4D5E6F7A8B`.
 * Keyed, so the door cannot be guessed back from the code without the blind-index key.
 */
export function addressKeyAndCode(
  cipher: FieldCipher,
  p: AddressParts,
): { addressKey: string; code: string } {
  const addressKey = cipher.blindIndex('door', canonicalAddress(p));
  return { addressKey, code: addressCode(addressKey) };
}

/** The public code of an address key: `SA-` and its first 16 hex digits, upper case. */
export function addressCode(addressKey: string): string {
  return `SA-${addressKey.slice(0, 16).toUpperCase()}`;
}
