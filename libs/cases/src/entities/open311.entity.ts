import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A client system allowed to POST service requests through Open311 (a FixMyStreet install, a city
 * app). Its API key is shown once, at creation or rotation; only its SHA-256 is kept (`key_hash`,
 * unique: the lookup), plus the first characters for the admin to recognise it (ADR 0042).
 */
@Entity({ name: 'open311_client' })
export class Open311Client {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 80 })
  name!: string;

  /** Hex SHA-256 of the key (keys are 256 random bits: a plain hash cannot be guessed back). */
  @Index('uq_open311_client_key', { unique: true })
  @Column({ name: 'key_hash', type: 'varchar', length: 64 })
  keyHash!: string;

  /** The key's first characters (`o311_` and four more), shown to the admin. */
  @Column({ name: 'key_prefix', type: 'varchar', length: 12 })
  keyPrefix!: string;

  /** POSTs allowed per minute (fixed window); more answer 429 with Retry-After. */
  @Column({ name: 'rate_per_minute', type: 'int' })
  ratePerMinute!: number;

  @Column({ name: 'created_by', type: 'varchar', length: 64 })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  /** When the key was last issued (creation or rotation). */
  @Column({ name: 'key_issued_at', type: 'datetime', precision: 3 })
  keyIssuedAt!: Date;

  /** Set once: the client's key stops working. */
  @Column({ name: 'revoked_at', type: 'datetime', precision: 3, nullable: true })
  revokedAt!: Date | null;
}

/** The current rate-limit window of a client (one row per client, shared by every service copy). */
@Entity({ name: 'open311_throttle' })
export class Open311Throttle {
  @PrimaryColumn({ name: 'client_id', type: 'varchar', length: 36 })
  clientId!: string;

  @Column({ name: 'window_started_at', type: 'datetime', precision: 3 })
  windowStartedAt!: Date;

  @Column({ type: 'int' })
  count!: number;
}

/**
 * A case that came in through Open311: which client sent it, and the poster's contact as the spec
 * sends it (email, first/last name, phone), each encrypted with the cases contact cipher (AES-256-GCM
 * tokens, as people's personal fields) and never returned by any endpoint.
 */
@Entity({ name: 'open311_request' })
@Index('ix_open311_request_client', ['clientId', 'at'])
export class Open311Request {
  @PrimaryColumn({ name: 'case_id', type: 'varchar', length: 36 })
  caseId!: string;

  @Column({ name: 'client_id', type: 'varchar', length: 36 })
  clientId!: string;

  @Column({ name: 'email_enc', type: 'varchar', length: 512, nullable: true })
  emailEnc!: string | null;

  @Column({ name: 'name_enc', type: 'varchar', length: 512, nullable: true })
  nameEnc!: string | null;

  @Column({ name: 'phone_enc', type: 'varchar', length: 256, nullable: true })
  phoneEnc!: string | null;

  @Column({ type: 'datetime', precision: 3 })
  at!: Date;
}
