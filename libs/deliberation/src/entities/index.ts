import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DISCUSSION_ENTITIES } from './discussion';
import { IMPLEMENTATION_ENTITIES } from './implementation';
import { PLACES_READ_MODEL_ENTITIES } from './read-models';

export * from './discussion';
export * from './implementation';

export const MATTER_KINDS = [
  'PROPERTY',
  'CLEANING',
  'PARKING',
  'WEDDINGS_FUNERALS',
  'PUBLIC_WORKS',
  'OTHER',
] as const;
export type MatterKind = (typeof MATTER_KINDS)[number];
export const SCOPE_KINDS = ['COURTYARD', 'STREET', 'RESIDENT_GROUP', 'COMMUNITY'] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];
export const MATTER_STATES = [
  'DRAFT',
  'DISCUSSION',
  'VOTING',
  'ADOPTED',
  'REJECTED',
  'IMPLEMENTING',
  'IMPLEMENTED',
  'WITHDRAWN',
] as const;
export type MatterState = (typeof MATTER_STATES)[number];

const json = {
  to: (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v)),
  from: (v: string | null) => (v === null || v === undefined ? null : (JSON.parse(v) as unknown)),
};

/** 议题: a matter touching residents, its rules and, once closed, its published result. */
@Entity({ name: 'matter' })
@Index('ix_matter_status', ['status', 'id'])
@Index('ix_matter_scope', ['scopeId', 'status', 'id'])
@Index('ix_matter_street', ['streetId', 'id'])
@Index('ix_matter_courtyard', ['courtyardId', 'id'])
@Index('ix_matter_kind', ['kind', 'id'])
// orderBy CREATED and TITLE of `matters`, alone or with the status filter (ADR 0051).
@Index('ix_matter_order_created', ['createdAt', 'id'])
@Index('ix_matter_order_title', ['title', 'id'])
@Index('ix_matter_status_order_created', ['status', 'createdAt', 'id'])
@Index('ix_matter_status_order_title', ['status', 'title', 'id'])
export class Matter {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'title', type: 'varchar', length: 100 }) title!: string;
  @Column({ name: 'description', type: 'text' }) description!: string;
  @Column({ name: 'kind', type: 'varchar', length: 20 }) kind!: MatterKind;
  @Column({ name: 'scope_kind', type: 'varchar', length: 20 }) scopeKind!: ScopeKind;
  @Column({ name: 'scope_id', type: 'varchar', length: 36 }) scopeId!: string;
  /** The street of a street or courtyard scope (Street.matters). */
  @Column({ name: 'street_id', type: 'varchar', length: 36, nullable: true }) streetId!: string | null;
  /** The courtyard of a courtyard scope (Courtyard.matters). */
  @Column({ name: 'courtyard_id', type: 'varchar', length: 36, nullable: true }) courtyardId!: string | null;
  /** Account id of the proposer; `proposerResidentId` when a resident proposed it. */
  @Column({ name: 'proposer', type: 'varchar', length: 100 }) proposer!: string;
  @Column({ name: 'proposer_resident_id', type: 'varchar', length: 36, nullable: true })
  proposerResidentId!: string | null;
  @Column({ name: 'status', type: 'varchar', length: 20 }) status!: MatterState;
  @Column({ name: 'version', type: 'int' }) version!: number;

  // The vote's settings (fixed when voting opens).
  @Column({ name: 'electorate_kind', type: 'varchar', length: 20 }) electorateKind!: string;
  @Column({ name: 'rule_preset', type: 'varchar', length: 20 }) rulePreset!: string;
  @Column({ name: 'special_matter', type: 'boolean', default: false }) specialMatter!: boolean;
  @Column({ name: 'quorum_num', type: 'int', nullable: true }) quorumNum!: number | null;
  @Column({ name: 'quorum_den', type: 'int', nullable: true }) quorumDen!: number | null;
  @Column({ name: 'threshold_kind', type: 'varchar', length: 30, nullable: true }) thresholdKind!:
    string | null;
  /** `YES_NO` (FOR/AGAINST/ABSTAIN) or `CHOICES`. */
  @Column({ name: 'options_kind', type: 'varchar', length: 10 }) optionsKind!: 'YES_NO' | 'CHOICES';
  @Column({ name: 'options', type: 'text', transformer: json }) options!: string[];
  @Column({ name: 'max_selections', type: 'int' }) maxSelections!: number;
  @Column({ name: 'secret', type: 'boolean' }) secret!: boolean;
  @Column({ name: 'results_hidden', type: 'boolean' }) resultsHidden!: boolean;
  /** Proxies beyond a household member (ADR 0022): another voter of the scope may hold a proxy. */
  @Column({ name: 'allow_proxies', type: 'boolean', default: false }) allowProxies!: boolean;
  @Column({ name: 'opens_at', type: 'datetime', precision: 3, nullable: true }) opensAt!: Date | null;
  @Column({ name: 'closes_at', type: 'datetime', precision: 3, nullable: true }) closesAt!: Date | null;

  // Frozen at opening.
  @Column({ name: 'electorate_size', type: 'int', nullable: true }) electorateSize!: number | null;
  @Column({ name: 'electorate_hash', type: 'varchar', length: 64, nullable: true }) electorateHash!:
    string | null;
  @Column({
    name: 'electorate_area',
    type: 'decimal',
    precision: 14,
    scale: 2,
    nullable: true,
    transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) },
  })
  electorateArea!: number | null;

  // Published at close (computed in the closing transaction).
  @Column({ name: 'tally', type: 'text', nullable: true, transformer: json }) tally!: PublishedTally | null;
  @Column({ name: 'closed_at', type: 'datetime', precision: 3, nullable: true }) closedAt!: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 }) updatedAt!: Date;
}

/** What a close publishes (also on the `vote.closed` event). */
export interface PublishedTally {
  participants: number;
  counts: Record<string, number>;
  participantArea?: number;
  areaCounts?: Record<string, number>;
  quorumMet: boolean;
  outcome: 'ADOPTED' | 'REJECTED' | 'QUORUM_NOT_MET';
  winner: string | null;
  /**
   * Receipts of the counted ballots, sorted: in a tally computed now (recount, live), never stored —
   * a stored tally keeps their hash only, the list is read from the immutable ballots (a vote of
   * thousands would not fit a row). Tallies stored before kept the list here.
   */
  receipts?: string[];
  /** SHA-256 (hex) over the sorted receipts joined by newlines. */
  ballotsHash: string;
}

/** Every transition of a matter: who, when, why (nothing is ever deleted). */
@Entity({ name: 'matter_transition' })
@Index('ix_matter_transition_matter', ['matterId', 'at'])
export class MatterTransition {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'matter_id', type: 'varchar', length: 36 }) matterId!: string;
  @Column({ name: 'action', type: 'varchar', length: 30 }) action!: string;
  @Column({ name: 'from_state', type: 'varchar', length: 20, nullable: true }) fromState!: string | null;
  @Column({ name: 'to_state', type: 'varchar', length: 20 }) toState!: string;
  @Column({ name: 'actor', type: 'varchar', length: 100 }) actor!: string;
  @Column({ name: 'reason', type: 'varchar', length: 500 }) reason!: string;
  @Column({ name: 'at', type: 'datetime', precision: 3 }) at!: Date;
}

/**
 * The electorate frozen when voting opened: one row per voter (a household, an adult resident or an
 * owner), with who may cast for it (the household head at opening) and its weight (floor area).
 */
@Entity({ name: 'electorate_member' })
@Index('ix_electorate_caster', ['casterResidentId', 'matterId'])
export class ElectorateMember {
  @PrimaryColumn({ name: 'matter_id', type: 'varchar', length: 36 }) matterId!: string;
  @PrimaryColumn({ name: 'voter_id', type: 'varchar', length: 36 }) voterId!: string;
  @Column({ name: 'caster_resident_id', type: 'varchar', length: 36, nullable: true })
  casterResidentId!: string | null;
  @Column({
    name: 'weight',
    type: 'decimal',
    precision: 10,
    scale: 2,
    nullable: true,
    transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) },
  })
  weight!: number | null;
}

/**
 * Who took part (never what they chose on a secret ballot): one row per voter and matter — the primary
 * key is the "one voter, one participation" guarantee. Open ballots also keep the current choice here.
 */
@Entity({ name: 'participation' })
export class Participation {
  @PrimaryColumn({ name: 'matter_id', type: 'varchar', length: 36 }) matterId!: string;
  @PrimaryColumn({ name: 'voter_id', type: 'varchar', length: 36 }) voterId!: string;
  @Column({ name: 'caster_resident_id', type: 'varchar', length: 36 }) casterResidentId!: string;
  @Column({ name: 'channel', type: 'varchar', length: 10 }) channel!: 'ONLINE' | 'IN_PERSON';
  @Column({ name: 'ballots', type: 'int' }) ballots!: number;
  /** Open ballots only: the current choice (null on a secret ballot). */
  @Column({ name: 'open_choices', type: 'text', nullable: true, transformer: json }) openChoices!:
    string[] | null;
  @Column({
    name: 'weight',
    type: 'decimal',
    precision: 10,
    scale: 2,
    nullable: true,
    transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) },
  })
  weight!: number | null;
  @Column({ name: 'first_at', type: 'datetime', precision: 3 }) firstAt!: Date;
  @Column({ name: 'last_at', type: 'datetime', precision: 3 }) lastAt!: Date;
}

/**
 * Ballot contents, with no voter id, no time and a random id (ADR 0020). `currentSlot` is an HMAC of
 * (matter, voter) under the service's ballot key, set only on the voter's current ballot and cleared
 * when it is replaced: unique per matter, so a voter has one current ballot — and a dump without the
 * key links no row to a voter. Replaced ballots stay (history), uncounted.
 */
@Entity({ name: 'ballot' })
@Index('uq_ballot_current', ['matterId', 'currentSlot'], { unique: true })
@Index('uq_ballot_receipt', ['receipt'], { unique: true })
// The receipts of a matter in order: the closing hash streams them in keyset chunks (ADR 0047).
@Index('ix_ballot_matter_receipt', ['matterId', 'receipt'])
export class Ballot {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'matter_id', type: 'varchar', length: 36 }) matterId!: string;
  @Column({ name: 'current_slot', type: 'varchar', length: 64, nullable: true }) currentSlot!: string | null;
  @Column({ name: 'choices', type: 'text', transformer: json }) choices!: string[];
  /** HOMEOWNERS (open ballots only): the voter's floor area. */
  @Column({
    name: 'weight',
    type: 'decimal',
    precision: 10,
    scale: 2,
    nullable: true,
    transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) },
  })
  weight!: number | null;
  @Column({ name: 'nonce', type: 'varchar', length: 32 }) nonce!: string;
  /** SHA-256 over matter, ballot id, choices and nonce: the voter's receipt. */
  @Column({ name: 'receipt', type: 'varchar', length: 64 }) receipt!: string;
}

/** Shards of a vote's running counts (ADR 0047): a ballot's shard is the first hex digit of its id. */
export const BALLOT_COUNT_SHARDS = 16;
/** The `choice` of the counter rows that count the current ballots themselves (participants). */
export const BALLOTS_COUNTED = '';

/**
 * Running counts of a vote (ADR 0047), kept in the casting transaction: per matter, option and shard,
 * how many current ballots choose the option and their floor area (HOMEOWNERS; 0 otherwise); the
 * rows of `choice` '' count the current ballots. Created for every option and shard when voting
 * opens; a ballot adds to the rows of its shard (from its random id), its replacement takes it back,
 * so concurrent casts mostly update different rows. No voter, no ballot id, no time: the counters
 * link nobody to a choice. The close sums them; `recount` still recomputes from the ballots.
 */
@Entity({ name: 'ballot_count' })
export class BallotCount {
  @PrimaryColumn({ name: 'matter_id', type: 'varchar', length: 36 }) matterId!: string;
  @PrimaryColumn({ name: 'choice', type: 'varchar', length: 50 }) choice!: string;
  @PrimaryColumn({ name: 'shard', type: 'smallint' }) shard!: number;
  @Column({ name: 'ballots', type: 'int' }) ballots!: number;
  @Column({
    name: 'area',
    type: 'decimal',
    precision: 14,
    scale: 2,
    transformer: { to: (v: number | null) => v, from: (v: string | number | null) => Number(v ?? 0) },
  })
  area!: number;
}

/**
 * 委托投票: a voter of the frozen electorate (its caster) lets another adult cast for it (ADR 0022). At
 * most two voters per proxy: `proxySlot` (1 or 2 while active) is unique per (matter, proxy); one active
 * proxy per voter: `activeSlot` (the voter id while active). Revoked proxies stay, with their time.
 */
@Entity({ name: 'proxy' })
@Index('uq_proxy_active', ['matterId', 'activeSlot'], { unique: true })
@Index('uq_proxy_load', ['matterId', 'proxyResidentId', 'proxySlot'], { unique: true })
@Index('ix_proxy_list', ['matterId', 'status', 'voterId'])
@Index('ix_proxy_holder', ['proxyResidentId', 'status'])
export class VoteProxy {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'matter_id', type: 'varchar', length: 36 }) matterId!: string;
  @Column({ name: 'voter_id', type: 'varchar', length: 36 }) voterId!: string;
  @Column({ name: 'grantor_resident_id', type: 'varchar', length: 36 }) grantorResidentId!: string;
  @Column({ name: 'proxy_resident_id', type: 'varchar', length: 36 }) proxyResidentId!: string;
  /** `HOUSEHOLD_MEMBER` (an adult of the voting household) or `OTHER` (only where the matter allows). */
  @Column({ name: 'kind', type: 'varchar', length: 20 }) kind!: 'HOUSEHOLD_MEMBER' | 'OTHER';
  @Column({ name: 'status', type: 'varchar', length: 10 }) status!: 'ACTIVE' | 'REVOKED';
  @Column({ name: 'active_slot', type: 'varchar', length: 36, nullable: true }) activeSlot!: string | null;
  @Column({ name: 'proxy_slot', type: 'smallint', nullable: true }) proxySlot!: number | null;
  @Column({ name: 'granted_at', type: 'datetime', precision: 3 }) grantedAt!: Date;
  @Column({ name: 'revoked_at', type: 'datetime', precision: 3, nullable: true }) revokedAt!: Date | null;
}

export const DELIBERATION_ENTITIES = [
  Matter,
  MatterTransition,
  ElectorateMember,
  Participation,
  Ballot,
  BallotCount,
  VoteProxy,
  ...DISCUSSION_ENTITIES,
  ...IMPLEMENTATION_ENTITIES,
  ...PLACES_READ_MODEL_ENTITIES,
];
