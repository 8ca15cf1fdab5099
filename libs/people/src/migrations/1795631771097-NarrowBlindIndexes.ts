import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Blind indexes shrink from 64 to 24 hex digits (256 → 96 bits of the HMAC, ADR 0011); the unused
 * `ix_resident_key_id` and the redundant `uq_address_code` (the code is a prefix of the address key) go.
 *
 * Written by hand: TypeORM's generated version dropped and re-added the columns, losing every value.
 * Here the stored indexes are truncated in place: a 24-digit prefix is exactly what the new
 * `FieldCipher.blindIndex` computes, so no value needs the key or a decryption.
 *
 * `down` widens the columns again but cannot bring the cut digits back: an older release, which
 * computes 64 digits, would not find these rows by ID number until their indexes are recomputed.
 */
export class NarrowBlindIndexes1795631771097 implements MigrationInterface {
  name = 'NarrowBlindIndexes1795631771097';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`uq_address_code\` ON \`standard_address\``);
    await queryRunner.query(`DROP INDEX \`ix_resident_key_id\` ON \`resident\``);
    await queryRunner.query(
      `UPDATE \`standard_address\` SET \`address_key\` = LEFT(\`address_key\`, 24) WHERE CHAR_LENGTH(\`address_key\`) > 24`,
    );
    await queryRunner.query(`ALTER TABLE \`standard_address\` MODIFY \`address_key\` varchar(24) NOT NULL`);
    await queryRunner.query(
      `UPDATE \`resident\` SET \`id_number_bidx\` = LEFT(\`id_number_bidx\`, 24), \`phone_bidx\` = LEFT(\`phone_bidx\`, 24) WHERE CHAR_LENGTH(\`id_number_bidx\`) > 24 OR CHAR_LENGTH(\`phone_bidx\`) > 24`,
    );
    await queryRunner.query(
      `ALTER TABLE \`resident\` MODIFY \`id_number_bidx\` varchar(24) NOT NULL, MODIFY \`phone_bidx\` varchar(24) NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE \`resident\` MODIFY \`id_number_bidx\` varchar(64) NOT NULL, MODIFY \`phone_bidx\` varchar(64) NULL`,
    );
    await queryRunner.query(`ALTER TABLE \`standard_address\` MODIFY \`address_key\` varchar(64) NOT NULL`);
    await queryRunner.query(`CREATE INDEX \`ix_resident_key_id\` ON \`resident\` (\`key_id\`)`);
    await queryRunner.query(`CREATE UNIQUE INDEX \`uq_address_code\` ON \`standard_address\` (\`code\`)`);
  }
}
