import { CAICHANG, stableId } from './places';

describe('Caichang demo places', () => {
  it('has 3 resident groups, 21 streets and 72 courtyards with unique names per parent', () => {
    expect(CAICHANG.groups).toHaveLength(3);
    const streets = CAICHANG.groups.flatMap((g) => g.streets);
    expect(streets).toHaveLength(21);
    expect(new Set(streets.map(([name]) => name)).size).toBe(21);
    expect(streets.flatMap(([, yards]) => yards)).toHaveLength(72);
    for (const [, yards] of streets) expect(new Set(yards).size).toBe(yards.length);
  });

  it('derives stable UUID-shaped ids', () => {
    expect(stableId('street:正街')).toBe(stableId('street:正街'));
    expect(stableId('street:正街')).not.toBe(stableId('street:新街'));
    expect(stableId('community')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
