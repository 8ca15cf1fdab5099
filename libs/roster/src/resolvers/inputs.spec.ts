import { BadUserInputError, parseInput } from '@sc/graphql';
import * as inputs from './inputs';

/**
 * One text rule and one date rule for every input (issue 10 §3): the fields the hardening audit found
 * accepting NUL, ANSI escapes and unpaired surrogates, and year 0000/9999 dates, now refuse them with
 * BAD_USER_INPUT naming the field — through the very schemas the resolvers parse with.
 */
const BAD_TEXT: [string, string][] = [
  ['NUL', 'a\u0000b'],
  ['an ANSI escape', '\u001b[31mred\u001b[0m'],
  ['an unpaired surrogate', 'x\ud800y'],
  ['a lone low surrogate', '\udc00'],
  ['only spaces', '   '],
];
const CHIEF = '5f0c1b9e-2b0a-4d7e-9a51-1c2d3e4f5a6b';

function refusal(schema: Parameters<typeof parseInput>[0], value: unknown): { field: string } | undefined {
  try {
    parseInput(schema, value);
    return undefined;
  } catch (error) {
    if (!(error instanceof BadUserInputError)) throw error;
    return { field: String(error.extensions['field']) };
  }
}

const training = (over: Record<string, unknown>) => ({
  topic: 'FIRE_DRILL',
  title: '消防演练',
  heldAt: new Date('2026-06-01T02:00:00Z'),
  trainer: '王教员',
  chiefIds: [CHIEF],
  ...over,
});

describe('roster inputs: one text rule and one date rule', () => {
  it.each(BAD_TEXT)('recordTraining.title and .trainer refuse %s', (_, bad) => {
    expect(refusal(inputs.recordTrainingInput, training({ title: bad }))).toEqual({ field: 'input.title' });
    expect(refusal(inputs.recordTrainingInput, training({ trainer: bad }))).toEqual({
      field: 'input.trainer',
    });
  });

  it.each(BAD_TEXT)('createAccount.displayName refuses %s', (_, bad) => {
    const account = {
      username: 'staff.zhang',
      displayName: bad,
      password: 'a long enough password',
      roles: ['COMMUNITY_STAFF'],
      scopes: ['community:caichang'],
    };
    expect(refusal(inputs.createAccountInput, account)).toEqual({ field: 'input.displayName' });
  });

  it.each(BAD_TEXT)('nominateChief.reason refuses %s', (_, bad) => {
    const nomination = { residentId: CHIEF, name: '李建国', nominatorResidentId: null, reason: bad };
    expect(refusal(inputs.nominateChiefInput, nomination)).toEqual({ field: 'input.reason' });
  });

  it('keeps good text as typed, trimmed and NFC-normalised (a paired surrogate is a character)', () => {
    const parsed = parseInput(
      inputs.recordTrainingInput,
      training({ title: '  防火𠀀演练  ', trainer: 'Cafe\u0301' }),
    );
    expect(parsed.title).toBe('防火𠀀演练');
    expect(parsed.trainer).toBe('Café');
  });

  it.each([
    ['year 0000', '0000-06-01T00:00:00Z'],
    ['year 9999', '9999-06-01T00:00:00Z'],
    ['before 1900', '1899-12-31T23:59:59Z'],
  ])('a training or patrol date in %s is refused', (_, iso) => {
    expect(refusal(inputs.recordTrainingInput, training({ heldAt: new Date(iso) }))).toEqual({
      field: 'input.heldAt',
    });
    const patrol = {
      streetId: CHIEF,
      patrolledAt: new Date(iso),
      route: '正街',
      findings: '无',
      hazardCount: 0,
      requestCount: 0,
      needsAction: false,
    };
    expect(refusal(inputs.recordPatrolInput, patrol)).toEqual({ field: 'input.patrolledAt' });
  });

  it('accepts a date inside the range', () => {
    expect(
      refusal(inputs.recordTrainingInput, training({ heldAt: new Date('2026-12-03T08:00:00Z') })),
    ).toBeUndefined();
  });
});
