import type { CountedConnection } from '@sc/db';
import type { Matter, MatterTransition, PublishedTally } from '../entities';

export type MatterMapper = Matter;
export type MatterConnectionMapper = CountedConnection<Matter>;
export type TallyMapper = Omit<PublishedTally, 'counts'> & {
  counts: { option: string; count: number; area: number | null }[];
};
export type MatterTransitionMapper = MatterTransition;
export type VoteRuleViewMapper = Matter;
export type StreetMapper = { id: string };
export type CourtyardMapper = { id: string };
export type ResidentMapper = { id: string };
export type RecountMapper = {
  agrees: boolean;
  tamperedBallots: number;
  published: TallyMapper;
  recomputed: TallyMapper;
};
