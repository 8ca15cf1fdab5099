import { SeenIds, UuidV7 } from './ids';

describe('UuidV7', () => {
  it('makes RFC 9562 version-7 ids that sort in creation order, also within one millisecond', () => {
    const gen = new UuidV7();
    const ids = Array.from({ length: 10_000 }, (_, i) => gen.next(1_764_000_000_000 + Math.floor(i / 5000)));
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('never goes backwards when the clock does', () => {
    const gen = new UuidV7();
    const a = gen.next(2_000);
    const b = gen.next(1_000);
    expect(b > a).toBe(true);
  });
});

describe('SeenIds', () => {
  it('returns the first line of a repeated ID number and grows past its initial size', () => {
    const seen = new SeenIds();
    // Consecutive numbers of one region and day, the worst case for a table keyed by the low digits.
    const keys = Array.from({ length: 100_000 }, (_, i) => `510129198001${String(i).padStart(5, '0')}X`);
    expect(new Set(keys).size).toBe(100_000);
    // One expectation for all, not 100,000 of them: jest's matchers are the slow part here.
    expect(keys.filter((k, i) => seen.addOrGet(k, i + 2) !== undefined)).toEqual([]);
    expect(seen.size).toBe(100_000);
    expect(seen.addOrGet(keys[0] ?? '', 999_999)).toBe(2);
    expect(seen.addOrGet(keys[77_777] ?? '', 999_999)).toBe(77_779);
    // Only the 17 digits matter (the check character follows from them).
    expect(seen.addOrGet(`${(keys[5] ?? '').slice(0, 17)}7`, 999_999)).toBe(7);
    expect(() => seen.addOrGet('123', 1)).toThrow(/18-character/);
  });
});
