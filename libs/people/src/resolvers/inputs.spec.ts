import {
  Kind,
  parse,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';
import { parseInput } from '@sc/graphql';
import { makeTestIdNumber } from '../domain/id-card';
import { selectedSensitiveFields } from './info';
import {
  createHouseholdInput,
  moveInInput,
  moveOutInput,
  recordInspectionInput,
  residentFilter,
} from './inputs';

const VALID = makeTestIdNumber('510129', '1988-08-08', 7, 'FEMALE');
// Ids are UUIDs (the platform's id rule).
const address = { streetId: '5b2f0c1e-1d0a-4c55-9f43-3c1f7a9e2b10', building: '3', door: '501' };

describe('people inputs', () => {
  it('normalises a full-width or lower-case ID number and takes birth date and gender from it', () => {
    const wide = VALID.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))).toLowerCase();
    const input = parseInput(moveInInput, {
      idNumber: ` ${wide} `,
      name: ' 李梅 ',
      origin: '大邑县',
      category: 'REGISTERED',
      address,
    });
    expect(input.idNumber).toEqual({ idNumber: VALID, birthDate: '1988-08-08', gender: 'FEMALE' });
    expect(input.name).toBe('李梅');
    expect(input.address).toEqual({ ...address, courtyardId: null, unit: '' });
  });

  it('refuses a wrong check digit naming the field and never echoing the number', () => {
    const wrong = VALID.slice(0, 17) + (VALID.endsWith('0') ? '1' : '0');
    let caught: unknown;
    try {
      parseInput(residentFilter, { idNumber: wrong }, 'filter');
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'filter.idNumber' } });
    expect(JSON.stringify(caught)).not.toContain(wrong);
    expect((caught as Error).message).not.toContain(wrong);
  });

  it('takes the entrance (单元) as `entrance` or under its deprecated name `unit`, refusing the two when they differ', () => {
    const move = (parts: Record<string, string>) =>
      parseInput(moveInInput, {
        idNumber: VALID,
        name: '李梅',
        origin: '大邑县',
        category: 'REGISTERED',
        address: { ...address, ...parts },
      }).address.unit;
    expect(move({ entrance: ' 2 ' })).toBe('2');
    expect(move({ unit: '2' })).toBe('2');
    expect(move({ entrance: '2', unit: '2' })).toBe('2');
    let caught: unknown;
    try {
      move({ entrance: '2', unit: '3' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'input.address.entrance' },
    });
  });

  it('takes the day of a move or a household as a Date-typed field or under its deprecated string name', () => {
    const move = (days: Record<string, string>) =>
      parseInput(moveInInput, {
        idNumber: VALID,
        name: '李梅',
        origin: '大邑县',
        category: 'REGISTERED',
        address,
        ...days,
      }).date;
    expect(move({ movedInOn: '2026-03-01' })).toBe('2026-03-01');
    expect(move({ date: '2026-03-01' })).toBe('2026-03-01');
    expect(move({})).toBe(new Date().toISOString().slice(0, 10));
    expect(() => move({ movedInOn: '2026-03-01', date: '2026-03-02' })).toThrow(/input\.movedInOn/);
    const out = (days: Record<string, string>) =>
      parseInput(moveOutInput, { residentId: address.streetId, destination: '成都市', ...days }).date;
    expect(out({ movedOutOn: '2026-04-01' })).toBe('2026-04-01');
    expect(() => out({ movedOutOn: '2026-04-01', date: '2026-04-02' })).toThrow(/input\.movedOutOn/);
    const household = (days: Record<string, string>) =>
      parseInput(createHouseholdInput, {
        address,
        headResidentId: address.streetId,
        housing: 'OWNED',
        ...days,
      }).entryDate;
    expect(household({ enteredOn: '2025-12-31' })).toBe('2025-12-31');
    expect(household({ entryDate: '2025-12-31' })).toBe('2025-12-31');
    expect(() => household({ enteredOn: '2025-12-31', entryDate: '2025-12-30' })).toThrow(/input\.enteredOn/);
  });

  it('refuses joining a household and founding one at the same time', () => {
    expect(() =>
      parseInput(moveInInput, {
        idNumber: VALID,
        name: 'x',
        origin: 'y',
        category: 'FLOATING',
        address,
        householdId: 'h1',
        newHousehold: { housing: 'RENTED' },
      }),
    ).toThrow(/input\.newHousehold/);
  });
});

describe('selectedSensitiveFields', () => {
  it('finds the whole values a query selects, through fragments', () => {
    const doc = parse(`
      query { resident(id: "1") { sensitive(purpose: "p") { idNumber ...More ... on ResidentSensitive { door } } } }
      fragment More on ResidentSensitive { phone }
    `);
    const op = doc.definitions[0] as OperationDefinitionNode;
    const resident = op.selectionSet.selections[0] as FieldNode;
    const sensitive = resident.selectionSet?.selections[0] as FieldNode;
    const info = {
      fieldNodes: [sensitive],
      fragments: Object.fromEntries(
        doc.definitions
          .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
          .map((d) => [d.name.value, d]),
      ),
    };
    expect(selectedSensitiveFields(info)).toEqual(['DOOR', 'ID_NUMBER', 'PHONE']);
  });

  it.each([
    ['NUL', 'a\u0000b'],
    ['an ANSI escape', '\u001b[2J'],
    ['an unpaired surrogate', '\ud800'],
  ])('refuses %s in a name or an address part, naming the field', (_, bad) => {
    const base = { idNumber: VALID, name: '李梅', origin: '大邑县', category: 'REGISTERED', address };
    const fieldOf = (input: unknown) => {
      try {
        parseInput(moveInInput, input);
        return undefined;
      } catch (error) {
        return (error as { extensions: Record<string, unknown> }).extensions['field'];
      }
    };
    expect(fieldOf({ ...base, name: bad })).toBe('input.name');
    expect(fieldOf({ ...base, address: { ...address, building: bad } })).toBe('input.address.building');
  });

  it.each([
    ['year 0000', '0000-03-01T00:00:00Z'],
    ['year 9999', '9999-03-01T00:00:00Z'],
  ])('refuses a unit inspection visited in %s', (_, iso) => {
    const inspection = {
      unitId: '5b2f0c1e-1d0a-4c55-9f43-3c1f7a9e2b10',
      result: 'PASSED',
      hazards: 0,
      visitedAt: new Date(iso),
    };
    expect(() => parseInput(recordInspectionInput, inspection)).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ field: 'input.visitedAt' }) }),
    );
  });
});
