import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `outbox_event` and `inbox_event` on MySQL/MariaDB, exactly as the entities describe them
 * (a spec checks there is no drift). Add {@link OUTBOX_MIGRATIONS} to the service's migrations.
 */
export class CreateOutboxAndInbox1764000000000 implements MigrationInterface {
  name = 'CreateOutboxAndInbox1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'CREATE TABLE `outbox_event` (' +
        '`seq` bigint NOT NULL AUTO_INCREMENT, ' +
        '`id` varchar(36) NOT NULL, ' +
        '`topic` varchar(200) NOT NULL, ' +
        '`aggregate_id` varchar(64) NOT NULL, ' +
        '`type` varchar(200) NOT NULL, ' +
        '`envelope` text NOT NULL, ' +
        '`created_at` datetime NOT NULL, ' +
        '`published_at` datetime NULL, ' +
        "`attempts` int NOT NULL DEFAULT '0', " +
        '`last_error` varchar(500) NULL, ' +
        'UNIQUE INDEX `uq_outbox_event_id` (`id`), ' +
        'INDEX `idx_outbox_event_unpublished` (`published_at`, `seq`), ' +
        'PRIMARY KEY (`seq`)' +
        ') ENGINE=InnoDB',
    );
    await q.query(
      'CREATE TABLE `inbox_event` (' +
        '`consumer` varchar(100) NOT NULL, ' +
        '`event_id` varchar(36) NOT NULL, ' +
        '`processed_at` datetime NOT NULL, ' +
        'PRIMARY KEY (`consumer`, `event_id`)' +
        ') ENGINE=InnoDB',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE `inbox_event`');
    await q.query('DROP TABLE `outbox_event`');
  }
}

/** The migrations that create the outbox and inbox tables, for the service's DataSource. */
export const OUTBOX_MIGRATIONS = [CreateOutboxAndInbox1764000000000];
