import { encodeCursor } from '@sc/db';
import { parsePage } from './validation';

const codeAndField = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    const ext = (e as { extensions?: Record<string, unknown> }).extensions ?? {};
    return [ext['code'], ext['field']];
  }
  throw new Error('no error');
};

describe('parsePage (Relay page arguments, both directions)', () => {
  it('reads forward and backward pages', () => {
    expect(parsePage({})).toEqual({ first: 20, afterKey: null });
    expect(parsePage({ first: 5, after: encodeCursor('k') })).toEqual({ first: 5, afterKey: 'k' });
    expect(parsePage({ last: 5 })).toEqual({ first: 5, afterKey: null, backward: true });
    expect(parsePage({ last: 3, before: encodeCursor('k') })).toEqual({
      first: 3,
      afterKey: 'k',
      backward: true,
    });
    expect(parsePage({ before: encodeCursor('k') })).toEqual({ first: 20, afterKey: 'k', backward: true });
  });

  it('refuses mixed directions, sizes over the cap and cursors it did not issue, naming the argument', () => {
    expect(codeAndField(() => parsePage({ first: 1, last: 1 }))).toEqual(['BAD_USER_INPUT', 'first']);
    expect(codeAndField(() => parsePage({ after: encodeCursor('a'), before: encodeCursor('b') }))).toEqual([
      'BAD_USER_INPUT',
      'after',
    ]);
    expect(codeAndField(() => parsePage({ last: 101 }))).toEqual(['BAD_USER_INPUT', 'last']);
    expect(codeAndField(() => parsePage({ first: -1 }))).toEqual(['BAD_USER_INPUT', 'first']);
    expect(codeAndField(() => parsePage({ last: 2, before: 'abc' }))).toEqual(['BAD_USER_INPUT', 'before']);
    expect(codeAndField(() => parsePage({ after: 'abc' }))).toEqual(['BAD_USER_INPUT', 'after']);
  });
});
