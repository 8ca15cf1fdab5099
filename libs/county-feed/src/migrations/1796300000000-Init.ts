import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The county feed's statistics tables and the parked events (the inbox comes from the platform's migration). */
export class Init1796300000000 implements MigrationInterface {
  name = 'Init1796300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      "CREATE TABLE `feed_resident` (`id` varchar(36) NOT NULL, `status` varchar(10) NOT NULL, `category` varchar(20) NULL, `origin` varchar(50) NULL, `street_id` varchar(36) NULL, `household_id` varchar(36) NULL, `version` int NOT NULL DEFAULT '0', INDEX `ix_feed_resident_household` (`household_id`, `status`), INDEX `ix_feed_resident_category` (`status`, `category`, `origin`), INDEX `ix_feed_resident_street` (`status`, `street_id`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
    );
    await q.query(
      'CREATE TABLE `feed_household` (`id` varchar(36) NOT NULL, `created` tinyint NOT NULL DEFAULT 0, `had_member` tinyint NOT NULL DEFAULT 0, `street_id` varchar(36) NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB',
    );
    await q.query(
      'CREATE TABLE `feed_place` (`id` varchar(36) NOT NULL, `kind` varchar(20) NOT NULL, `status` varchar(10) NOT NULL, INDEX `ix_feed_place_kind` (`kind`, `status`), PRIMARY KEY (`id`)) ENGINE=InnoDB',
    );
    await q.query(
      'CREATE TABLE `feed_grid_street` (`grid_id` varchar(36) NOT NULL, `street_id` varchar(36) NOT NULL, INDEX `ix_feed_grid_street_street` (`street_id`), PRIMARY KEY (`grid_id`, `street_id`)) ENGINE=InnoDB',
    );
    await q.query(
      'CREATE TABLE `feed_chief` (`id` varchar(36) NOT NULL, `status` varchar(12) NOT NULL, `grid_id` varchar(36) NULL, INDEX `ix_feed_chief_status` (`status`, `grid_id`), PRIMARY KEY (`id`)) ENGINE=InnoDB',
    );
    await q.query(
      'CREATE TABLE `feed_case` (`id` varchar(36) NOT NULL, `item_code` varchar(20) NOT NULL, `street_id` varchar(36) NOT NULL, `reported_month` varchar(7) NOT NULL, `resolved_month` varchar(7) NULL, `resolved_on_time` tinyint NOT NULL DEFAULT 0, `rating` int NULL, `changed_at` varchar(40) NOT NULL, INDEX `ix_feed_case_resolved` (`resolved_month`), INDEX `ix_feed_case_reported` (`reported_month`), PRIMARY KEY (`id`)) ENGINE=InnoDB',
    );
    await q.query(
      'CREATE TABLE `feed_matter` (`id` varchar(36) NOT NULL, `state` varchar(20) NOT NULL, `vote_closed` tinyint NOT NULL DEFAULT 0, `electorate_size` int NULL, `participants` int NULL, `quorum_met` tinyint NULL, `outcome` varchar(20) NULL, `counts` text NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB',
    );
    await q.query(
      'CREATE TABLE `feed_parked_event` (`seq` bigint NOT NULL AUTO_INCREMENT, `event_id` varchar(36) NULL, `type` varchar(200) NULL, `topic` varchar(200) NOT NULL, `kafka_partition` int NULL, `kafka_offset` varchar(20) NULL, `reason` varchar(1000) NOT NULL, `message` text NULL, `parked_at` datetime NOT NULL, INDEX `ix_feed_parked_event_type` (`type`), PRIMARY KEY (`seq`)) ENGINE=InnoDB',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE `feed_parked_event`');
    await q.query('DROP TABLE `feed_matter`');
    await q.query('DROP TABLE `feed_case`');
    await q.query('DROP TABLE `feed_chief`');
    await q.query('DROP TABLE `feed_grid_street`');
    await q.query('DROP TABLE `feed_place`');
    await q.query('DROP TABLE `feed_household`');
    await q.query('DROP TABLE `feed_resident`');
  }
}
