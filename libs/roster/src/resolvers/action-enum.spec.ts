import { sdlEnumValues } from '@sc/graphql';
import { rosterTypeDefs } from '../schema';
import { CHIEF_ACTIONS } from '../services/chief-lifecycle';

describe('ChiefTransition.actionType', () => {
  it('has an enum value for every action the lifecycle stores, and no other', () => {
    expect(sdlEnumValues(rosterTypeDefs(), 'ChiefAction')).toEqual([...CHIEF_ACTIONS]);
  });
});
