import { makeTestIdNumber, normalizeIdNumber, validateIdNumber } from './id-card';

const TODAY = new Date('2026-11-25T00:00:00Z');

describe('normalizeIdNumber', () => {
  it('trims, turns full-width digits and x into ASCII and upper-cases X', () => {
    expect(normalizeIdNumber('  11010519491231002x ')).toBe('11010519491231002X');
    expect(normalizeIdNumber('１１０１０５１９４９１２３１００２Ｘ')).toBe('11010519491231002X');
    expect(normalizeIdNumber('11010519491231002ｘ')).toBe('11010519491231002X');
  });
});

describe('validateIdNumber', () => {
  it('accepts the example printed in GB 11643-1999 (check character X)', () => {
    expect(validateIdNumber('11010519491231002X', TODAY)).toEqual({
      ok: true,
      birthDate: '1949-12-31',
      gender: 'FEMALE',
      regionCode: '110105',
    });
  });

  it('rejects a checksum-valid number born before 1900', () => {
    expect(validateIdNumber('440524188001010014', TODAY)).toEqual({
      ok: false,
      reason: 'birth date is before 1900',
    });
  });

  it('accepts generated numbers of both genders', () => {
    const male = makeTestIdNumber('510129', '1990-02-28', 7, 'MALE');
    const female = makeTestIdNumber('510129', '2000-02-29', 7, 'FEMALE');
    expect(validateIdNumber(male, TODAY)).toEqual({
      ok: true,
      birthDate: '1990-02-28',
      gender: 'MALE',
      regionCode: '510129',
    });
    expect(validateIdNumber(female, TODAY)).toMatchObject({ ok: true, gender: 'FEMALE' });
  });

  it.each([
    ['11010519491231002', 'must have 18 characters, has 17'],
    ['1101051949123100211', 'must have 18 characters, has 19'],
    ['11010519491231002Y', 'must be 17 digits followed by a digit or X'],
    ['1101051949123X0021', 'must be 17 digits followed by a digit or X'],
    ['11010519491231002x', 'must be 17 digits followed by a digit or X'],
    ['11010519491231002A', 'must be 17 digits followed by a digit or X'],
    ['110105194912310021', 'check digit does not match (typo?)'],
    ['110105194912310027', 'check digit does not match (typo?)'],
    ['990105194912310021', 'region code is not a known province'],
  ])('rejects %s: %s', (id, reason) => {
    expect(validateIdNumber(id, TODAY)).toEqual({ ok: false, reason });
  });

  it('rejects impossible and future birth dates even with a correct check digit', () => {
    const withCheck = (body17: string) => {
      // Borrow the generator's arithmetic by trying each check character.
      for (const c of '0123456789X') {
        const r = validateIdNumber(body17 + c, TODAY);
        if (r.ok || r.reason !== 'check digit does not match (typo?)') return r;
      }
      throw new Error('unreachable');
    };
    expect(withCheck('51012919900230001')).toEqual({
      ok: false,
      reason: 'birth date is not a real calendar date',
    });
    expect(withCheck('51012919011301001')).toEqual({
      ok: false,
      reason: 'birth date is not a real calendar date',
    });
    expect(withCheck('51012920230229001')).toEqual({
      ok: false,
      reason: 'birth date is not a real calendar date',
    });
    expect(withCheck('51012920261126001')).toEqual({ ok: false, reason: 'birth date is in the future' });
    expect(withCheck('51012920261125001')).toMatchObject({ ok: true, birthDate: '2026-11-25' });
  });

  it('never repeats the number in a reason', () => {
    const id = '110105194912310021';
    const r = validateIdNumber(id, TODAY);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).not.toContain('1101');
  });
});

describe('makeTestIdNumber', () => {
  it('is deterministic and sets the gender digit', () => {
    const a = makeTestIdNumber('510129', '1985-06-15', 42, 'MALE');
    expect(a).toBe(makeTestIdNumber('510129', '1985-06-15', 42, 'MALE'));
    expect(a.slice(0, 17)).toBe('51012919850615085');
    expect(makeTestIdNumber('510129', '1985-06-15', 42, 'FEMALE').slice(14, 17)).toBe('084');
    // Sequence 0 of a female gives order code 000 and still validates.
    expect(validateIdNumber(makeTestIdNumber('510129', '1985-06-15', 0, 'FEMALE')).ok).toBe(true);
  });

  it('produces check character X where the arithmetic says so', () => {
    const xs = Array.from({ length: 500 }, (_, i) =>
      makeTestIdNumber('510129', '1990-01-01', i, 'MALE'),
    ).filter((id) => id.endsWith('X'));
    expect(xs.length).toBeGreaterThan(0);
    for (const id of xs) expect(validateIdNumber(id).ok).toBe(true);
  });

  it('refuses inputs that cannot make a valid number', () => {
    expect(() => makeTestIdNumber('5101', '1990-01-01', 1, 'MALE')).toThrow('6 digits');
    expect(() => makeTestIdNumber('510129', '1990-02-30', 1, 'MALE')).toThrow('not a real calendar date');
    expect(() => makeTestIdNumber('510129', '1990-01-01', 500, 'MALE')).toThrow('0 to 499');
  });
});
