import { DEMO_CHIEFS } from './chiefs';
import { demoPopulation } from './population';
import { stableId } from './places';

describe('Caichang demo population', () => {
  const demo = demoPopulation();

  it('has 2,400 households, 11,000 residents and 320 units, every resident in one household', () => {
    expect(demo.households).toHaveLength(2_400);
    expect(demo.residents).toHaveLength(11_000);
    expect(demo.units).toHaveLength(320);
    const members = demo.households.flatMap((h) => h.members);
    expect(new Set(members).size).toBe(11_000);
  });

  it('is deterministic and gives resident n the id stableId(resident:n)', () => {
    const again = demoPopulation();
    expect(again.residents[4_321]).toEqual(demo.residents[4_321]);
    expect(demo.residents[0]?.id).toBe(stableId('resident:1'));
  });

  it('has about a third migrants, from the counties of the report', () => {
    const migrants = demo.residents.filter((r) => r.category !== 'REGISTERED');
    expect(migrants.length / demo.residents.length).toBeGreaterThan(0.25);
    expect(migrants.length / demo.residents.length).toBeLessThan(0.45);
    const origins = new Set(migrants.map((r) => r.origin));
    for (const o of ['汉源县', '仪陇县', '营山县', '达州市', '遂宁市', '巴中市'])
      expect(origins).toContain(o);
  });

  it('makes residents 101–110 the demo chiefs, and never repeats the inputs of an ID number', () => {
    expect(demo.residents.slice(100, 110).map((r) => r.name)).toEqual(DEMO_CHIEFS.map((c) => c.name));
    const keys = demo.residents.map((r) => `${r.idRegion}|${r.birthDate}|${r.idSequence}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
