import { storedEnum, upperSnake } from './stored';

describe('storedEnum', () => {
  const ACTIONS = ['APPOINT', 'RETIRE'] as const;

  it('answers a stored value of the set as the enum value', () => {
    expect(storedEnum('APPOINT', ACTIONS)).toBe('APPOINT');
    expect(storedEnum('openDiscussion', ['OPEN_DISCUSSION'] as const, upperSnake)).toBe('OPEN_DISCUSSION');
  });

  it('throws a plain Error (a fault, not the client’s) for a value outside the set', () => {
    expect(() => storedEnum('DELETE', ACTIONS)).toThrow('unexpected stored value DELETE');
  });
});

describe('upperSnake', () => {
  it('turns camelCase method names into enum values', () => {
    expect(['draft', 'openVoting', 'completeImplementation', 'extendVote'].map(upperSnake)).toEqual([
      'DRAFT',
      'OPEN_VOTING',
      'COMPLETE_IMPLEMENTATION',
      'EXTEND_VOTE',
    ]);
  });
});
