import { sdlEnumValues } from '@sc/graphql';
import { CASE_HISTORY_ACTIONS } from '../domain/lifecycle';
import { casesTypeDefs } from '../schema';

describe('CaseTransition.actionType and CaseUpdate.actionType', () => {
  it('have an enum value for every action a history row or an update stores, and no other', () => {
    expect(sdlEnumValues(casesTypeDefs(), 'CaseAction')).toEqual([...CASE_HISTORY_ACTIONS]);
  });
});
