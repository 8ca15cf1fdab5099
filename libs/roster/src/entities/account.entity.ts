import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A staff account. Passwords are stored only as argon2id hashes (PHC string). */
@Entity({ name: 'account' })
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
