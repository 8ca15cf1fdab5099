import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Pending signboard refreshes and the lock row one refresh at a time takes (ADR 0026). */
export class SignboardRefresh1796300000000 implements MigrationInterface {
  name = 'SignboardRefresh1796300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`signboard_refresh\` (\`seq\` bigint NOT NULL AUTO_INCREMENT, \`touched\` text NOT NULL, \`actor\` varchar(200) NOT NULL, \`at\` datetime(3) NOT NULL, PRIMARY KEY (\`seq\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`signboard_refresh_lock\` (\`id\` int NOT NULL, PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(`INSERT INTO \`signboard_refresh_lock\` (\`id\`) VALUES (1)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE \`signboard_refresh_lock\``);
    await queryRunner.query(`DROP TABLE \`signboard_refresh\``);
  }
}
