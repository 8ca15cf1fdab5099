import { customRule, decide, meets, needed, presetRule, type Outcome, type VoteRule } from './rules';

const yesNo = (rule: VoteRule, electorate: number, FOR: number, AGAINST: number, ABSTAIN = 0) =>
  decide(rule, {
    electorate,
    participants: FOR + AGAINST + ABSTAIN,
    counts: { FOR, AGAINST, ABSTAIN },
    adoptingOption: 'FOR',
  });

describe('quorum and threshold', () => {
  const residents = presetRule('RESIDENTS_MEETING');
  const conduct = presetRule('RULES_OF_CONDUCT');
  const twoThirds = customRule({ num: 2, den: 3 }, 'TWO_THIRDS_OF_CAST');
  const ofElectorate = customRule({ num: 1, den: 2 }, 'MAJORITY_OF_ELECTORATE');
  const cases: [string, VoteRule, number, number, number, number, Outcome, boolean][] = [
    // name, rule, electorate, for, against, abstain, outcome, quorum met
    ['zero turnout', residents, 100, 0, 0, 0, 'QUORUM_NOT_MET', false],
    ['zero electorate', residents, 0, 0, 0, 0, 'QUORUM_NOT_MET', false],
    [
      'exactly half took part: "more than half" is not met',
      residents,
      100,
      50,
      0,
      0,
      'QUORUM_NOT_MET',
      false,
    ],
    ['one more than half took part', residents, 100, 51, 0, 0, 'ADOPTED', true],
    ['tie among participants is not a majority', residents, 100, 30, 30, 0, 'REJECTED', true],
    ['exactly half FOR of those present is not more than half', residents, 100, 30, 20, 10, 'REJECTED', true],
    ['abstentions count as taking part, not as FOR', residents, 100, 26, 0, 25, 'ADOPTED', true],
    ['abstentions can defeat a majority of votes', residents, 100, 25, 24, 2, 'REJECTED', true],
    ['exactly two thirds of cast meets "two thirds"', twoThirds, 9, 4, 2, 0, 'ADOPTED', true],
    ['just under two thirds of cast', twoThirds, 9, 3, 2, 1, 'REJECTED', true],
    ['exactly two thirds took part meets the quorum', twoThirds, 9, 6, 0, 0, 'ADOPTED', true],
    ['just under two thirds took part', twoThirds, 9, 5, 0, 0, 'QUORUM_NOT_MET', false],
    ['four fifths attendance exactly', conduct, 10, 6, 2, 0, 'ADOPTED', true],
    ['below four fifths attendance', conduct, 10, 7, 0, 0, 'QUORUM_NOT_MET', false],
    ['majority of cast but not of the electorate', ofElectorate, 100, 40, 10, 0, 'REJECTED', true],
    ['exactly half of the electorate is not more than half', ofElectorate, 100, 50, 10, 0, 'REJECTED', true],
    ['more than half of the electorate', ofElectorate, 100, 51, 0, 0, 'ADOPTED', true],
  ];
  it.each(cases)('%s', (_, rule, electorate, FOR, AGAINST, ABSTAIN, outcome, quorumMet) => {
    const r = yesNo(rule, electorate, FOR, AGAINST, ABSTAIN);
    expect(r.outcome).toBe(outcome);
    expect(r.quorumMet).toBe(quorumMet);
  });

  it('homeowners need two thirds of owners and of area to take part, and a majority of both', () => {
    const rule = presetRule('HOMEOWNERS');
    const base = { electorate: 9, adoptingOption: 'FOR', electorateArea: 900 };
    // 6 of 9 owners (exactly two thirds) with 600 of 900 m² (exactly two thirds): quorum met.
    expect(
      decide(rule, {
        ...base,
        participants: 6,
        participantArea: 600,
        counts: { FOR: 4, AGAINST: 2 },
        areaCounts: { FOR: 301, AGAINST: 299 },
      }).outcome,
    ).toBe('ADOPTED');
    // Same heads, but the FOR owners hold exactly half the participating area: not more than half.
    expect(
      decide(rule, {
        ...base,
        participants: 6,
        participantArea: 600,
        counts: { FOR: 4, AGAINST: 2 },
        areaCounts: { FOR: 300, AGAINST: 300 },
      }).outcome,
    ).toBe('REJECTED');
    // Enough owners but 599.99 m² of 900: the area quorum fails.
    expect(
      decide(rule, {
        ...base,
        participants: 6,
        participantArea: 599.99,
        counts: { FOR: 6 },
        areaCounts: { FOR: 599.99 },
      }).outcome,
    ).toBe('QUORUM_NOT_MET');
    // Special matters: three quarters of both.
    const special = presetRule('HOMEOWNERS', true);
    expect(
      decide(special, {
        ...base,
        participants: 8,
        participantArea: 800,
        counts: { FOR: 6, AGAINST: 2 },
        areaCounts: { FOR: 600, AGAINST: 200 },
      }).outcome,
    ).toBe('ADOPTED');
    expect(
      decide(special, {
        ...base,
        participants: 8,
        participantArea: 800,
        counts: { FOR: 6, AGAINST: 2 },
        areaCounts: { FOR: 599, AGAINST: 201 },
      }).outcome,
    ).toBe('REJECTED');
  });

  it('a list of choices adopts the single most chosen option that meets the threshold; a tie adopts none', () => {
    const rule = presetRule('RESIDENTS_MEETING');
    const choose = (counts: Record<string, number>, participants: number) =>
      decide(rule, { electorate: 10, participants, counts, adoptingOption: null });
    expect(choose({ A: 4, B: 2 }, 6)).toMatchObject({ outcome: 'ADOPTED', winner: 'A' });
    expect(choose({ A: 3, B: 3 }, 6)).toMatchObject({ outcome: 'REJECTED', winner: null });
    expect(choose({ A: 3, B: 2, C: 1 }, 6)).toMatchObject({ outcome: 'REJECTED', winner: null });
  });

  it('tells how many participants the quorum still needs', () => {
    expect(needed(100, presetRule('RESIDENTS_MEETING').quorum)).toBe(51);
    expect(needed(9, presetRule('HOMEOWNERS').quorum)).toBe(6);
    expect(needed(10, presetRule('RULES_OF_CONDUCT').quorum)).toBe(8);
    expect(yesNo(presetRule('RESIDENTS_MEETING'), 100, 20, 0, 0).missingForQuorum).toBe(31);
    expect(meets(1, 0, { num: 0, den: 1, strict: false })).toBe(false);
  });
});
