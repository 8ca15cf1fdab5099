import { sdlEnumValues, upperSnake } from '@sc/graphql';
import { MATTER_ACTIONS } from '../domain/lifecycle';
import { deliberationTypeDefs } from '../schema';

describe('MatterTransition.actionType', () => {
  it('has an enum value for every action a matter history stores (draft, extendVote and the lifecycle), and no other', () => {
    const stored = ['draft', ...MATTER_ACTIONS, 'extendVote'].map(upperSnake);
    expect([...sdlEnumValues(deliberationTypeDefs(), 'MatterAction')].sort()).toEqual([...stored].sort());
  });
});
