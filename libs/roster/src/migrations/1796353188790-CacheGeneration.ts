import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The read generation of the public-read cache (ADR 0050): one row, bumped by every committed change. */
export class CacheGeneration1796353188790 implements MigrationInterface {
  name = 'CacheGeneration1796353188790';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`cache_generation\` (\`id\` int NOT NULL, \`generation\` bigint NOT NULL, PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(`INSERT INTO \`cache_generation\` (\`id\`, \`generation\`) VALUES (1, 1)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE \`cache_generation\``);
  }
}
