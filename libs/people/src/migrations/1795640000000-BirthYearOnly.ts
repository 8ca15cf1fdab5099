import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `resident.birth_date` (digits 7–14 of the ID-card number, in clear next to the masked number and the
 * 户籍地) becomes `birth_year`: the whole date is read from the decrypted number when someone entitled
 * reveals it (ADR 0010). Written by hand so the year of every stored row is kept.
 *
 * `down` brings the column back but not the dates: every row gets 1 January of its year.
 */
export class BirthYearOnly1795640000000 implements MigrationInterface {
  name = 'BirthYearOnly1795640000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`resident\` ADD \`birth_year\` smallint NULL AFTER \`gender\``);
    await queryRunner.query(`UPDATE \`resident\` SET \`birth_year\` = YEAR(\`birth_date\`)`);
    await queryRunner.query(
      `ALTER TABLE \`resident\` MODIFY \`birth_year\` smallint NOT NULL, DROP COLUMN \`birth_date\``,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`resident\` ADD \`birth_date\` date NULL AFTER \`gender\``);
    await queryRunner.query(`UPDATE \`resident\` SET \`birth_date\` = MAKEDATE(\`birth_year\`, 1)`);
    await queryRunner.query(
      `ALTER TABLE \`resident\` MODIFY \`birth_date\` date NOT NULL, DROP COLUMN \`birth_year\``,
    );
  }
}
