import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A staff account. Passwords are stored only as argon2id hashes (PHC string). */
@Entity({ name: 'account' })
// orderBy DISPLAY_NAME and CREATED of `accounts` (ADR 0051).
@Index('ix_account_order_display_name', ['displayName', 'id'])
@Index('ix_account_order_created', ['createdAt', 'id'])
export class Account {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** Stored lower-case; unique. */
  @Column({ type: 'varchar', length: 40, unique: true })
  username!: string;

  @Column({ name: 'display_name', type: 'varchar', length: 50 })
  displayName!: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 200 })
  passwordHash!: string;

  /** Comma-separated roles. */
  @Column({ type: 'varchar', length: 200 })
  roles!: string;

  /** Comma-separated scopes such as `community:caichang`. */
  @Column({ type: 'varchar', length: 1000 })
  scopes!: string;

  @Column({ type: 'varchar', length: 10 })
  status!: 'ACTIVE' | 'DISABLED';

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}

/**
 * Failed sign-ins per username in the current window. Kept in the database so that every copy of
 * the service sees the same count.
 */
@Entity({ name: 'login_throttle' })
export class LoginThrottle {
  @PrimaryColumn({ type: 'varchar', length: 60 })
  key!: string;

  @Column({ type: 'int' })
  failures!: number;

  @Column({ name: 'window_started_at', type: 'datetime', precision: 3 })
  windowStartedAt!: Date;
}

/**
 * A refresh token of a sign-in session (ADR 0027). Only the SHA-256 of the token is stored: a leaked
 * table cannot be replayed. Every refresh marks its token used and issues the next one in the same
 * family; a used token presented again revokes the whole family (it was stolen, or replayed).
 */
@Entity({ name: 'refresh_token' })
@Index('ix_refresh_token_family', ['familyId'])
@Index('ix_refresh_token_account', ['accountId'])
@Index('ix_refresh_token_expires', ['expiresAt'])
export class RefreshToken {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** base64url SHA-256 of the token. */
  @Column({ name: 'token_hash', type: 'varchar', length: 64, unique: true })
  tokenHash!: string;

  /** The session: the first token's id, shared by every rotation of it; the access tokens' `sid`. */
  @Column({ name: 'family_id', type: 'varchar', length: 36 })
  familyId!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt!: Date;

  /** When it was exchanged for the next token; null while it is the family's current one. */
  @Column({ name: 'used_at', type: 'datetime', precision: 3, nullable: true })
  usedAt!: Date | null;

  /** When the session was ended (logout, reuse detected, account disabled); null while live. */
  @Column({ name: 'revoked_at', type: 'datetime', precision: 3, nullable: true })
  revokedAt!: Date | null;
}
