/**
 * Voting rules: presets that name their legal source, custom quorum and threshold, and the outcome of a
 * tally. Pure functions over integers (shares are fractions num/den, compared exactly: `a/b ≥ n/d` as
 * `a·d ≥ n·b`), so "exactly half" and "exactly two thirds" are decided without rounding.
 */

export const RULE_PRESETS = ['RESIDENTS_MEETING', 'HOMEOWNERS', 'RULES_OF_CONDUCT', 'CUSTOM'] as const;
export type RulePreset = (typeof RULE_PRESETS)[number];
export const ELECTORATE_KINDS = ['HOUSEHOLDS', 'ADULT_RESIDENTS', 'HOMEOWNERS'] as const;
export type ElectorateKind = (typeof ELECTORATE_KINDS)[number];
export const THRESHOLD_BASES = ['CAST', 'ELECTORATE'] as const;
export type ThresholdBase = (typeof THRESHOLD_BASES)[number];

/** A share: `num/den`, met when the part is more than it (`strict`) or at least it. */
export interface Share {
  num: number;
  den: number;
  strict: boolean;
}

export interface VoteRule {
  preset: RulePreset;
  /** Share of the electorate that must take part (cast any ballot, abstain included). */
  quorum: Share;
  /** Share of `thresholdBase` that must choose FOR (or the winning choice). */
  threshold: Share;
  thresholdBase: ThresholdBase;
  /** HOMEOWNERS: the same shares also over the floor area (民法典 §278: both counts and areas). */
  byArea: boolean;
  /** The law this preset follows, shown on the matter. */
  source: string;
}

const share = (num: number, den: number, strict: boolean): Share => ({ num, den, strict });

/** The presets. `special` (HOMEOWNERS): the matters §278 lists for three quarters. */
export function presetRule(preset: Exclude<RulePreset, 'CUSTOM'>, special = false): VoteRule {
  switch (preset) {
    case 'RESIDENTS_MEETING':
      return {
        preset,
        quorum: share(1, 2, true),
        threshold: share(1, 2, true),
        thresholdBase: 'CAST',
        byArea: false,
        source:
          '《中华人民共和国城市居民委员会组织法》第九条: 居民会议须有过半数的十八周岁以上居民、户的代表参加; 决定须经到会人员的过半数通过',
      };
    case 'HOMEOWNERS':
      return {
        preset,
        quorum: share(2, 3, false),
        threshold: special ? share(3, 4, false) : share(1, 2, true),
        thresholdBase: 'CAST',
        byArea: true,
        source: special
          ? '《中华人民共和国民法典》第二百七十八条: 专有部分面积占比三分之二以上且人数占比三分之二以上的业主参与表决; 经参与表决专有部分面积四分之三以上且参与表决人数四分之三以上的业主同意'
          : '《中华人民共和国民法典》第二百七十八条: 专有部分面积占比三分之二以上且人数占比三分之二以上的业主参与表决; 经参与表决专有部分面积过半数且参与表决人数过半数的业主同意',
      };
    case 'RULES_OF_CONDUCT':
      return {
        preset,
        quorum: share(4, 5, false),
        threshold: share(2, 3, false),
        thresholdBase: 'CAST',
        byArea: false,
        source: '红白理事会章程 (村规民约、居民公约惯例): 五分之四以上到会, 到会三分之二以上同意',
      };
  }
}

/** `part/whole` meets the share (a whole of 0 never does). */
export function meets(part: number, whole: number, s: Share): boolean {
  if (whole <= 0) return false;
  const lhs = part * s.den;
  const rhs = s.num * whole;
  return s.strict ? lhs > rhs : lhs >= rhs;
}

/** The same comparison for decimal areas (m², two decimals), in hundredths. */
export function meetsArea(part: number, whole: number, s: Share): boolean {
  return meets(Math.round(part * 100), Math.round(whole * 100), s);
}

export type Outcome = 'ADOPTED' | 'REJECTED' | 'QUORUM_NOT_MET';

export interface TallyInput {
  electorate: number;
  /** Voters who cast a counted ballot (abstentions included). */
  participants: number;
  /** Counted ballots per option key. */
  counts: Record<string, number>;
  /** The option that adopts (`FOR`), or null for a list of choices (the most chosen wins). */
  adoptingOption: string | null;
  /** HOMEOWNERS: floor areas (m²). */
  electorateArea?: number;
  participantArea?: number;
  areaCounts?: Record<string, number>;
}

export interface TallyResult {
  outcome: Outcome;
  quorumMet: boolean;
  /** The adopted choice of a list vote (null for for/against or when nothing was adopted). */
  winner: string | null;
  /** Participants still missing for the quorum (0 once met). */
  missingForQuorum: number;
}

/** Smallest n with meets(n, whole, s), or null when none ≤ whole does. */
export function needed(whole: number, s: Share): number | null {
  for (let n = Math.floor((s.num * whole) / s.den); n <= whole; n++) if (meets(n, whole, s)) return n;
  return null;
}

export function decide(rule: VoteRule, t: TallyInput): TallyResult {
  const need = needed(t.electorate, rule.quorum);
  const missingForQuorum = need === null ? 0 : Math.max(0, need - t.participants);
  let quorumMet = meets(t.participants, t.electorate, rule.quorum);
  if (rule.byArea) {
    quorumMet = quorumMet && meetsArea(t.participantArea ?? 0, t.electorateArea ?? 0, rule.quorum);
  }
  if (!quorumMet) return { outcome: 'QUORUM_NOT_MET', quorumMet, winner: null, missingForQuorum };
  const base = rule.thresholdBase === 'CAST' ? t.participants : t.electorate;
  const areaBase = rule.thresholdBase === 'CAST' ? (t.participantArea ?? 0) : (t.electorateArea ?? 0);
  const passes = (option: string) =>
    meets(t.counts[option] ?? 0, base, rule.threshold) &&
    (!rule.byArea || meetsArea(t.areaCounts?.[option] ?? 0, areaBase, rule.threshold));
  if (t.adoptingOption !== null) {
    return {
      outcome: passes(t.adoptingOption) ? 'ADOPTED' : 'REJECTED',
      quorumMet,
      winner: null,
      missingForQuorum,
    };
  }
  // A list of choices: the single most chosen option, if it also meets the threshold (a tie adopts none).
  const ranked = Object.entries(t.counts).sort((a, b) => b[1] - a[1]);
  const [top, second] = ranked;
  if (!top || (second && second[1] === top[1]) || !passes(top[0])) {
    return { outcome: 'REJECTED', quorumMet, winner: null, missingForQuorum };
  }
  return { outcome: 'ADOPTED', quorumMet, winner: top[0], missingForQuorum };
}

/** Whether abstaining can block the decision: a participation quorum not yet met (shown on the view). */
export function abstainingCanBlock(rule: VoteRule, electorate: number, participants: number): boolean {
  return !meets(participants, electorate, rule.quorum);
}

export const THRESHOLD_KINDS = ['MAJORITY_OF_CAST', 'TWO_THIRDS_OF_CAST', 'MAJORITY_OF_ELECTORATE'] as const;
export type ThresholdKind = (typeof THRESHOLD_KINDS)[number];

/** A custom rule: quorum as a share of the electorate (at least num/den), one of three thresholds. */
export function customRule(quorum: { num: number; den: number }, threshold: ThresholdKind): VoteRule {
  return {
    preset: 'CUSTOM',
    quorum: share(quorum.num, quorum.den, false),
    threshold: threshold === 'TWO_THIRDS_OF_CAST' ? share(2, 3, false) : share(1, 2, true),
    thresholdBase: threshold === 'MAJORITY_OF_ELECTORATE' ? 'ELECTORATE' : 'CAST',
    byArea: false,
    source: 'custom rule set on the matter',
  };
}
