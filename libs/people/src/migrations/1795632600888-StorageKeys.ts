import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `resident` and `standard_address` get a narrow storage key: an auto-increment `seq` becomes the primary
 * key and `id` (the UUID everything refers to) a unique key (ADR 0011). Every secondary index entry
 * carries the primary key, so each entry shrinks by 29 bytes.
 *
 * Written by hand: one `ALTER TABLE` per table instead of TypeORM's twelve statements (each a table copy).
 * Existing rows are numbered in id order. `down` restores `id` as the primary key.
 */
export class StorageKeys1795632600888 implements MigrationInterface {
  name = 'StorageKeys1795632600888';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const [table, unique] of [
      ['resident', 'uq_resident_id'],
      ['standard_address', 'uq_address_id'],
    ] as const) {
      await queryRunner.query(
        `ALTER TABLE \`${table}\` DROP PRIMARY KEY, ADD \`seq\` bigint NOT NULL AUTO_INCREMENT PRIMARY KEY FIRST, ADD UNIQUE INDEX \`${unique}\` (\`id\`)`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table, unique] of [
      ['resident', 'uq_resident_id'],
      ['standard_address', 'uq_address_id'],
    ] as const) {
      await queryRunner.query(
        `ALTER TABLE \`${table}\` DROP PRIMARY KEY, DROP COLUMN \`seq\`, DROP INDEX \`${unique}\`, ADD PRIMARY KEY (\`id\`)`,
      );
    }
  }
}
