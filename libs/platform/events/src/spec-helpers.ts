// Shared by the specs of this library; not part of the public API.
import { Writable } from 'node:stream';
import pino from 'pino';
import { Column, Entity, type MigrationInterface, PrimaryColumn, type QueryRunner } from 'typeorm';
import type { Logger } from '@sc/config';

/** A stand-in business aggregate written in the same transaction as its events. */
@Entity({ name: 'test_street' })
export class TestStreet {
  @PrimaryColumn({ type: 'varchar', length: 36, name: 'id' })
  id!: string;

  @Column({ type: 'varchar', length: 100, name: 'name' })
  name!: string;
}

export class CreateTestStreet1764000000001 implements MigrationInterface {
  name = 'CreateTestStreet1764000000001';
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'CREATE TABLE `test_street` (`id` varchar(36) NOT NULL, `name` varchar(100) NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB',
    );
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE `test_street`');
  }
}

/** A pino logger that keeps its JSON lines in memory, to assert what gets logged. */
export function memoryLogger(level = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

/** Polls `check` until it returns true; rejects after `timeoutMs`. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
