import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { CAMPAIGN_TARGET_NAMES } from '@sc/cases-contracts';

/** The targets a campaign may set (the contract's list). */
export const CAMPAIGN_TARGETS = CAMPAIGN_TARGET_NAMES;
export type CampaignTargetName = (typeof CAMPAIGN_TARGETS)[number];
/** Targets whose progress comes from cases (hazard items), not from recorded actions. */
export const CASE_TARGETS: readonly CampaignTargetName[] = ['HAZARDS_FOUND', 'HAZARDS_RECTIFIED'];
export type CampaignScopeKind = 'COMMUNITY' | 'STREET' | 'GRID';

/**
 * A campaign (专项行动, e.g. 百日攻坚): a scope, a period of China dates (both inclusive) and targets.
 * `startedAt`/`endedAt` are set when the campaign clock wrote the started/ended event (once each).
 * `sortKey` (`<startsOn>~<id>`) is the list order, newest start first, and the cursor.
 */
@Entity({ name: 'campaign' })
@Index('ix_campaign_sort', ['sortKey'], { unique: true })
@Index('ix_campaign_start_due', ['startedAt', 'startsAt'])
@Index('ix_campaign_end_due', ['endedAt', 'endsAt'])
export class Campaign {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 60 })
  name!: string;

  @Column({ name: 'scope_kind', type: 'varchar', length: 10 })
  scopeKind!: CampaignScopeKind;

  @Column({ name: 'scope_id', type: 'varchar', length: 36 })
  scopeId!: string;

  @Column({ name: 'community_id', type: 'varchar', length: 36 })
  communityId!: string;

  /** First day, YYYY-MM-DD (China). */
  @Column({ name: 'starts_on', type: 'varchar', length: 10 })
  startsOn!: string;

  /** Last day, YYYY-MM-DD (China), inclusive. */
  @Column({ name: 'ends_on', type: 'varchar', length: 10 })
  endsOn!: string;

  /** 00:00 China time of the first day. */
  @Column({ name: 'starts_at', type: 'datetime', precision: 3 })
  startsAt!: Date;

  /** 24:00 China time of the last day (exclusive end). */
  @Column({ name: 'ends_at', type: 'datetime', precision: 3 })
  endsAt!: Date;

  @Column({ name: 'started_at', type: 'datetime', precision: 3, nullable: true })
  startedAt!: Date | null;

  /** Set when it ended: the hazard figures of its targets are frozen then. */
  @Column({ name: 'ended_at', type: 'datetime', precision: 3, nullable: true })
  endedAt!: Date | null;

  @Column({ name: 'created_by', type: 'varchar', length: 64 })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'sort_key', type: 'varchar', length: 64 })
  sortKey!: string;
}

/**
 * A target of a campaign. `achieved` is maintained in the transaction of each recorded action
 * (action targets) or frozen when the campaign ends (hazard targets, counted from cases until then).
 */
@Entity({ name: 'campaign_target' })
export class CampaignTarget {
  @PrimaryColumn({ name: 'campaign_id', type: 'varchar', length: 36 })
  campaignId!: string;

  @PrimaryColumn({ type: 'varchar', length: 30 })
  target!: CampaignTargetName;

  @Column({ type: 'int' })
  sort!: number;

  @Column({ type: 'int' })
  goal!: number;

  @Column({ type: 'int' })
  achieved!: number;
}

/** An action recorded for a campaign (visits, installations): who, where, when, how many. Never changed. */
@Entity({ name: 'campaign_action' })
@Index('ix_campaign_action_campaign', ['campaignId', 'recordedAt', 'id'])
export class CampaignAction {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'campaign_id', type: 'varchar', length: 36 })
  campaignId!: string;

  @Column({ type: 'varchar', length: 30 })
  target!: CampaignTargetName;

  @Column({ type: 'int' })
  quantity!: number;

  @Column({ name: 'street_id', type: 'varchar', length: 36 })
  streetId!: string;

  @Column({ name: 'courtyard_id', type: 'varchar', length: 36, nullable: true })
  courtyardId!: string | null;

  /** The day it was done, YYYY-MM-DD (China), within the campaign. */
  @Column({ type: 'varchar', length: 10 })
  day!: string;

  /** What was done, e.g. 入户宣传消防安全; no personal data. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  note!: string | null;

  @Column({ name: 'recorded_by', type: 'varchar', length: 64 })
  recordedBy!: string;

  @Column({ name: 'recorded_at', type: 'datetime', precision: 3 })
  recordedAt!: Date;
}
