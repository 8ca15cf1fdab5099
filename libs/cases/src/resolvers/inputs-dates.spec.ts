import { parseInput } from '@sc/graphql';
import { createCampaignInput, recordCampaignActionInput } from './inputs';

const ID = '5b2f0c1e-1d0a-4c55-9f43-3c1f7a9e2b10';
const campaign = {
  name: '百日攻坚',
  scopeKind: 'COMMUNITY',
  scopeId: ID,
  targets: [{ name: 'HOUSEHOLDS_VISITED', goal: 300 }],
};

function fieldOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return (error as { extensions?: { field?: string } }).extensions?.field;
  }
  return undefined;
}

describe('campaign inputs take Date-typed days, and the deprecated strings (issue 15 §4)', () => {
  it('takes firstDay/lastDay or startsOn/endsOn for the same period', () => {
    const byDate = parseInput(createCampaignInput, {
      ...campaign,
      firstDay: '2026-12-01',
      lastDay: '2027-03-10',
    });
    const byString = parseInput(createCampaignInput, {
      ...campaign,
      startsOn: '2026-12-01',
      endsOn: '2027-03-10',
    });
    expect({ ...byDate, lastDayField: undefined }).toEqual({ ...byString, lastDayField: undefined });
    expect(byDate).toMatchObject({
      startsOn: '2026-12-01',
      endsOn: '2027-03-10',
      lastDayField: 'input.lastDay',
    });
    expect(byString.lastDayField).toBe('input.endsOn');
  });

  it('needs one name of each day, and both names of a day to agree', () => {
    expect(fieldOf(() => parseInput(createCampaignInput, { ...campaign, lastDay: '2027-03-10' }))).toBe(
      'input.firstDay',
    );
    expect(
      fieldOf(() =>
        parseInput(createCampaignInput, {
          ...campaign,
          firstDay: '2026-12-01',
          startsOn: '2026-12-02',
          lastDay: '2027-03-10',
        }),
      ),
    ).toBe('input.firstDay');
  });

  it("takes an action's day as date or day", () => {
    const action = { campaignId: ID, target: 'HOUSEHOLDS_VISITED', streetId: ID };
    expect(parseInput(recordCampaignActionInput, { ...action, date: '2026-12-05' })).toMatchObject({
      day: '2026-12-05',
      dayField: 'input.date',
    });
    expect(parseInput(recordCampaignActionInput, { ...action, day: '2026-12-05' }).dayField).toBe(
      'input.day',
    );
    expect(parseInput(recordCampaignActionInput, { ...action, day: '2026-12-05' }).day).toBe('2026-12-05');
    expect(parseInput(recordCampaignActionInput, action).day).toBeUndefined();
    expect(
      fieldOf(() =>
        parseInput(recordCampaignActionInput, { ...action, date: '2026-12-05', day: '2026-12-06' }),
      ),
    ).toBe('input.date');
  });
});
