import { CASE_OUTCOMES, CASE_STATES } from '@sc/cases-contracts';
import { OPEN_STATES } from '../domain/lifecycle';
import { FIXMYSTREET_STATUSES, open311State, statesOf } from './status';

describe('Open311 status mapping', () => {
  it('is open exactly for the open states of the lifecycle, RESOLVED and the ends closed', () => {
    for (const state of CASE_STATES) {
      const expected = OPEN_STATES.includes(state) ? 'open' : 'closed';
      expect([state, open311State(state, null).status]).toEqual([state, expected]);
    }
    expect(statesOf('open', CASE_STATES).sort()).toEqual([...OPEN_STATES].sort());
    expect(statesOf('closed', CASE_STATES).sort()).toEqual(
      ['CLOSED', 'DUPLICATE', 'REJECTED', 'RESOLVED'].sort(),
    );
  });

  it('names the FixMyStreet state of each open state', () => {
    expect(open311State('REPORTED', null).extended).toBe('open');
    expect(open311State('REOPENED', null).extended).toBe('open');
    expect(open311State('ACCEPTED', null).extended).toBe('investigating');
    expect(open311State('ASSIGNED', null).extended).toBe('action_scheduled');
    expect(open311State('IN_PROGRESS', null).extended).toBe('in_progress');
    expect(open311State('ESCALATED', null).extended).toBe('in_progress');
  });

  it('says how a resolved or closed case ended by its outcome (closed is not fixed)', () => {
    const by = Object.fromEntries(CASE_OUTCOMES.map((o) => [o, open311State('CLOSED', o).extended]));
    expect(by).toEqual({
      FIXED: 'fixed',
      PARTLY_FIXED: 'closed',
      NOT_OUR_RESPONSIBILITY: 'not_councils_responsibility',
      NO_FURTHER_ACTION: 'no_further_action',
      DUPLICATE: 'duplicate',
    });
    expect(open311State('RESOLVED', 'FIXED')).toEqual({ status: 'closed', extended: 'fixed' });
    expect(open311State('CLOSED', null).extended).toBe('closed');
    expect(open311State('REJECTED', null)).toEqual({ status: 'closed', extended: 'no_further_action' });
    expect(open311State('DUPLICATE', null)).toEqual({ status: 'closed', extended: 'duplicate' });
  });

  it('only ever answers states of the FixMyStreet list', () => {
    for (const state of CASE_STATES)
      for (const outcome of [null, ...CASE_OUTCOMES])
        expect(FIXMYSTREET_STATUSES).toContain(open311State(state, outcome).extended);
  });
});
